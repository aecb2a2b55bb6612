"""Notification channels, templates and rules; test sends and ad-hoc sends.

Channel secrets are sealed at rest and only ever leave this module masked.
Delivery itself (attempts, retries) lives in `delivery`, re-exported here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs
from app.db import EVERY_ROW, Page, Sessionmaker, unit_of_work, utcnow
from app.errors import found_or_raise
from app.notifications import channels, repository, secrets, templates
from app.notifications.delivery import DELIVER, deliver, policy_for, requeue_due
from app.notifications.errors import (
    ChannelNotFoundError,
    NameTakenError,
    RuleNotFoundError,
    SmtpNotConfiguredError,
    TemplateNotFoundError,
)
from app.notifications.inputs import (
    ChannelInput,
    ChannelPatch,
    RuleInput,
    RulePatch,
    SendInput,
    TemplateInput,
    TemplatePatch,
)
from app.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)
from app.notifications.repository import (
    channel_query,
    delivery_query,
    rule_query,
    template_query,
)
from app.settings import Settings

# The unordered filtered SELECTs the GraphQL layer pages by keyset.
__all__ = [
    "DELIVER",
    "channel_query",
    "deliver",
    "delivery_query",
    "requeue_due",
    "rule_query",
    "template_query",
]


def masked_config(settings: Settings, channel: NotificationChannel) -> dict[str, Any]:
    """The channel's configuration with every secret masked."""
    hidden = secrets.unseal(settings.signing_key, channel.secret_config)
    return channels.masked(channel.channel_type, channel.config, hidden)


async def list_channels(
    session: AsyncSession, page: Page = EVERY_ROW
) -> tuple[list[NotificationChannel], int]:
    """One page of the channels, and how many there are."""
    return await repository.channels(session, page)


async def get_channel(session: AsyncSession, channel_id: int) -> NotificationChannel:
    """The channel `channel_id`; raise ChannelNotFoundError otherwise."""
    return found_or_raise(
        await session.get(NotificationChannel, channel_id),
        ChannelNotFoundError(channel_id),
    )


async def _unique_name(
    session: AsyncSession, model: Any, name: str, except_id: int | None = None
) -> None:
    if await repository.name_used(session, model, name, except_id):
        raise NameTakenError(
            f"Name '{name}' is already used", details={"field": "name"}
        )


def _store_config(
    settings: Settings, channel: NotificationChannel, kind: str, config: Any
) -> None:
    checked = channels.validate(kind, config, policy_for(settings))
    public, hidden = channels.split(kind, checked)
    channel.channel_type, channel.config = kind, public
    channel.secret_config = secrets.seal(settings.signing_key, hidden)


async def create_channel(
    session: AsyncSession, settings: Settings, data: ChannelInput
) -> NotificationChannel:
    """Create a channel after checking its configuration and outbound URL."""
    await _unique_name(session, NotificationChannel, data.name)
    channel = NotificationChannel(name=data.name, enabled=data.enabled)
    _store_config(settings, channel, data.channel_type, data.config)
    session.add(channel)
    await session.flush()
    return channel


async def update_channel(
    session: AsyncSession,
    settings: Settings,
    channel_id: int,
    data: ChannelPatch,
    *,
    may_read_secrets: bool = False,
) -> NotificationChannel:
    """Change a channel; masked or omitted secrets keep their stored values.

    Stored secrets only ever go where they were stored for: a new URL, SMTP
    host or port drops them unless the caller may read secrets (or sends
    them again).
    """
    channel = await get_channel(session, channel_id)
    if data.name is not None:
        await _unique_name(session, NotificationChannel, data.name, channel_id)
        channel.name = data.name
    if data.enabled is not None:
        channel.enabled = data.enabled
    kind = data.channel_type or channel.channel_type
    if data.config is not None or kind != channel.channel_type:
        new = data.config if data.config is not None else channel.config
        merged = _merged_config(settings, channel, kind, new, may_read_secrets)
        _store_config(settings, channel, kind, merged)
    await session.flush()
    return channel


def _merged_config(
    settings: Settings,
    channel: NotificationChannel,
    kind: str,
    new: dict[str, Any],
    may_read_secrets: bool,
) -> dict[str, Any]:
    if kind != channel.channel_type:
        return channels.without_masks(new)
    old = secrets.unseal(settings.signing_key, channel.secret_config)
    merged = channels.keep_unchanged(new, old)
    moved = channels.destination(kind, merged) != channels.destination(
        kind, {**channel.config, **old}
    )
    return channels.without_masks(new) if moved and not may_read_secrets else merged


async def delete_channel(session: AsyncSession, channel_id: int) -> None:
    """Delete a channel (its pending deliveries go with it)."""
    await session.delete(await get_channel(session, channel_id))
    await session.flush()


async def test_channel(
    db: Sessionmaker, settings: Settings, channel_id: int
) -> tuple[NotificationChannel, channels.SendResult]:
    """Really send a test message; record when and whether it worked."""
    async with db() as session:
        channel = await get_channel(session, channel_id)
    config = {
        **channel.config,
        **secrets.unseal(settings.signing_key, channel.secret_config),
    }
    message = channels.Message(
        "OpsGraph test notification",
        f"Test message for channel '{channel.name}'.",
        "text",
        "notification.test",
        {"channel_id": channel_id},
    )
    result = await channels.send(
        channel.channel_type, config, message, policy_for(settings)
    )
    async with unit_of_work(db) as session:
        channel = await get_channel(session, channel_id)
        channel.last_test_at, channel.last_test_success = utcnow(), result.success
    return channel, result


async def list_templates(
    session: AsyncSession, page: Page = EVERY_ROW
) -> tuple[list[NotificationTemplate], int]:
    """One page of the templates, and how many there are."""
    return await repository.templates(session, page)


async def get_template(session: AsyncSession, template_id: int) -> NotificationTemplate:
    """The template `template_id`; raise TemplateNotFoundError otherwise."""
    return found_or_raise(
        await session.get(NotificationTemplate, template_id),
        TemplateNotFoundError(template_id),
    )


async def create_template(
    session: AsyncSession, data: TemplateInput
) -> NotificationTemplate:
    """Create a template; one that does not compile is refused now."""
    templates.check(data.subject, data.body, data.format)
    await _unique_name(session, NotificationTemplate, data.name)
    template = NotificationTemplate(**data.model_dump())
    session.add(template)
    await session.flush()
    return template


async def update_template(
    session: AsyncSession, template_id: int, data: TemplatePatch
) -> NotificationTemplate:
    """Change a template; the result must still compile."""
    template = await get_template(session, template_id)
    changes = data.model_dump(exclude_none=True)
    merged = {
        k: changes.get(k, getattr(template, k)) for k in ("subject", "body", "format")
    }
    templates.check(merged["subject"], merged["body"], merged["format"])
    if "name" in changes:
        await _unique_name(session, NotificationTemplate, changes["name"], template_id)
    for key, value in changes.items():
        setattr(template, key, value)
    await session.flush()
    return template


async def delete_template(session: AsyncSession, template_id: int) -> None:
    """Delete a template (rules using it fall back to the default message)."""
    await session.delete(await get_template(session, template_id))
    await session.flush()


async def _check_refs(
    session: AsyncSession, channel_ids: list[int], template_id: int | None
) -> None:
    found = {c.id for c in await repository.channels_by_ids(session, channel_ids)}
    for channel_id in channel_ids:
        if channel_id not in found:
            raise ChannelNotFoundError(channel_id)
    if template_id is not None:
        await get_template(session, template_id)


async def list_rules(
    session: AsyncSession, page: Page = EVERY_ROW
) -> tuple[list[NotificationRule], int]:
    """One page of the rules, and how many there are."""
    return await repository.rules(session, page)


async def get_rule(session: AsyncSession, rule_id: int) -> NotificationRule:
    """The rule `rule_id`; raise RuleNotFoundError otherwise."""
    return found_or_raise(
        await session.get(NotificationRule, rule_id), RuleNotFoundError(rule_id)
    )


async def create_rule(session: AsyncSession, data: RuleInput) -> NotificationRule:
    """Create a rule whose channels and template exist."""
    await _check_refs(session, data.channel_ids, data.template_id)
    rule = NotificationRule(**data.model_dump())
    session.add(rule)
    await session.flush()
    return rule


async def update_rule(
    session: AsyncSession, rule_id: int, data: RulePatch
) -> NotificationRule:
    """Change a rule; `template_id: null` clears the template."""
    rule = await get_rule(session, rule_id)
    changes = data.model_dump(exclude_unset=True)
    await _check_refs(
        session,
        changes.get("channel_ids") or [],
        changes.get("template_id"),
    )
    for key, value in changes.items():
        if value is not None or key == "template_id":
            setattr(rule, key, value)
    await session.flush()
    return rule


async def delete_rule(session: AsyncSession, rule_id: int) -> None:
    """Delete a rule."""
    await session.delete(await get_rule(session, rule_id))
    await session.flush()


async def send_adhoc(
    session: AsyncSession, data: SendInput
) -> list[NotificationDelivery]:
    """Queue one delivery per channel for an ad-hoc message."""
    templates.check(data.subject, "x", data.format)
    await _check_refs(session, data.channel_ids, None)
    queued = [
        NotificationDelivery(
            channel_id=channel_id,
            event_type="notification.adhoc",
            subject=data.subject,
            body=data.message,
            format=data.format,
            data=data.data,
        )
        for channel_id in dict.fromkeys(data.channel_ids)
    ]
    session.add_all(queued)
    await session.flush()
    for delivery in queued:
        jobs.enqueue(DELIVER, delivery_id=str(delivery.id))
    return queued


async def recent_deliveries(
    session: AsyncSession, limit: int = 100
) -> list[tuple[NotificationDelivery, list[NotificationAttempt]]]:
    """The newest deliveries with their attempts (two queries in all)."""
    found = await repository.deliveries(session, min(max(limit, 1), 500))
    attempts: dict[int, list[NotificationAttempt]] = {d.id: [] for d in found}
    for attempt in await repository.attempts_of(session, list(attempts)):
        attempts[attempt.delivery_id].append(attempt)
    return [(d, attempts[d.id]) for d in found]


async def attempts_of(
    session: AsyncSession, delivery_ids: list[int]
) -> list[NotificationAttempt]:
    """The attempts of `delivery_ids`, oldest first (for loaders)."""
    return list(await repository.attempts_of(session, delivery_ids))


async def send_direct(
    settings: Settings,
    channel_type: str,
    config: dict[str, Any],
    subject: str,
    body: str,
    event_type: str,
    data: dict[str, Any],
) -> channels.SendResult:
    """Check `config` as a `channel_type` channel's and send one message now.

    Nothing is stored and nothing is retried: for callers (pipeline steps) that
    record the outcome themselves.
    """
    policy = policy_for(settings)
    checked = channels.validate(channel_type, config, policy)
    message = channels.Message(subject, body, "text", event_type, data)
    return await channels.send(channel_type, checked, message, policy)


async def send_system_email(
    settings: Settings, to: str, subject: str, body: str, event_type: str
) -> channels.SendResult:
    """Send one plain-text mail to `to` through the system SMTP settings."""
    if not settings.smtp_host:
        raise SmtpNotConfiguredError
    password = settings.smtp_password
    config = {
        "smtp_host": settings.smtp_host,
        "smtp_port": settings.smtp_port,
        "smtp_user": settings.smtp_user,
        "smtp_password": password.get_secret_value() if password else None,
        "security": settings.smtp_security,
        "from_address": settings.smtp_from,
        "to_addresses": [to],
    }
    message = channels.Message(subject, body, "text", event_type, {})
    return await channels.send("email", config, message, policy_for(settings))
