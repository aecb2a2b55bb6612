"""OpsConductor `/api/notifications`: channels, rules, templates, send."""

from __future__ import annotations

from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, page_query, paged, surface
from app.compat.timefmt import iso_z_micro
from app.credentials.service import SECRET_READ_PERMISSION
from app.db import unit_of_work
from app.notifications import inputs
from app.notifications import service as notifications_service
from app.notifications.models import (
    NotificationChannel,
    NotificationRule,
    NotificationTemplate,
)


def channel_shape(call: Call, channel: NotificationChannel) -> dict[str, object]:
    """One documented channel, secrets masked."""
    return {
        "id": channel.id,
        "name": channel.name,
        "channel_type": channel.channel_type,
        "config": notifications_service.masked_config(call.settings, channel),
        "enabled": channel.enabled,
        "last_test_at": iso_z_micro(channel.last_test_at),
        "last_test_success": channel.last_test_success,
    }


def rule_shape(rule: NotificationRule) -> dict[str, object]:
    """One documented rule."""
    return {
        "id": rule.id,
        "name": rule.name,
        "event_type": rule.event_type,
        "conditions": rule.conditions,
        "channel_ids": rule.channel_ids,
        "template_id": rule.template_id,
        "enabled": rule.enabled,
    }


def template_shape(template: NotificationTemplate) -> dict[str, object]:
    """One documented template."""
    return {
        "id": template.id,
        "name": template.name,
        "subject": template.subject,
        "body": template.body,
        "format": template.format,
    }


@surface.route(
    "GET", "/notifications/channels", permission="notifications.channel.view"
)
async def list_channels(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        found, total = await notifications_service.list_channels(session, q.page)
    return paged("channels", [channel_shape(call, c) for c in found], total, q)


@surface.route(
    "POST", "/notifications/channels", permission="notifications.channel.create"
)
async def create_channel(call: Call) -> Response:
    body = await call.body(inputs.ChannelInput)
    async with unit_of_work(call.db) as session:
        channel = await notifications_service.create_channel(
            session, call.settings, body
        )
    return ok(channel_shape(call, channel), status=201, message="Channel created")


@surface.route(
    "PUT", "/notifications/channels/{id}", permission="notifications.channel.update"
)
async def update_channel(call: Call) -> Response:
    body = await call.body(inputs.ChannelPatch)
    async with unit_of_work(call.db) as session:
        channel = await notifications_service.update_channel(
            session,
            call.settings,
            call.path_int("id"),
            body,
            may_read_secrets=call.user().can(SECRET_READ_PERMISSION),
        )
    return ok(channel_shape(call, channel), message="Channel updated")


@surface.route(
    "DELETE",
    "/notifications/channels/{id}",
    permission="notifications.channel.delete",
)
async def delete_channel(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await notifications_service.delete_channel(session, call.path_int("id"))
    return ok(None, message="Channel deleted")


@surface.route(
    "POST",
    "/notifications/channels/{id}/test",
    permission="notifications.channel.test",
)
async def test_channel(call: Call) -> Response:
    channel, result = await notifications_service.test_channel(
        call.db, call.settings, call.path_int("id")
    )
    data = {**channel_shape(call, channel), "error": result.error}
    message = "Test notification sent" if result.success else "Test failed"
    return ok(data, message=message)


@surface.route("GET", "/notifications/rules", permission="notifications.rule.view")
async def list_rules(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        found, total = await notifications_service.list_rules(session, q.page)
    return paged("rules", [rule_shape(r) for r in found], total, q)


@surface.route("POST", "/notifications/rules", permission="notifications.rule.create")
async def create_rule(call: Call) -> Response:
    body = await call.body(inputs.RuleInput)
    async with unit_of_work(call.db) as session:
        rule = await notifications_service.create_rule(session, body)
    return ok(rule_shape(rule), status=201, message="Rule created")


@surface.route(
    "PUT", "/notifications/rules/{id}", permission="notifications.rule.update"
)
async def update_rule(call: Call) -> Response:
    body = await call.body(inputs.RulePatch)
    async with unit_of_work(call.db) as session:
        rule = await notifications_service.update_rule(
            session, call.path_int("id"), body
        )
    return ok(rule_shape(rule), message="Rule updated")


@surface.route(
    "DELETE", "/notifications/rules/{id}", permission="notifications.rule.delete"
)
async def delete_rule(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await notifications_service.delete_rule(session, call.path_int("id"))
    return ok(None, message="Rule deleted")


@surface.route(
    "GET", "/notifications/templates", permission="notifications.template.view"
)
async def list_templates(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        found, total = await notifications_service.list_templates(session, q.page)
    return paged("templates", [template_shape(t) for t in found], total, q)


@surface.route(
    "POST", "/notifications/templates", permission="notifications.template.create"
)
async def create_template(call: Call) -> Response:
    body = await call.body(inputs.TemplateInput)
    async with unit_of_work(call.db) as session:
        template = await notifications_service.create_template(session, body)
    return ok(template_shape(template), status=201, message="Template created")


@surface.route(
    "PUT",
    "/notifications/templates/{id}",
    permission="notifications.template.update",
)
async def update_template(call: Call) -> Response:
    body = await call.body(inputs.TemplatePatch)
    async with unit_of_work(call.db) as session:
        template = await notifications_service.update_template(
            session, call.path_int("id"), body
        )
    return ok(template_shape(template), message="Template updated")


@surface.route(
    "DELETE",
    "/notifications/templates/{id}",
    permission="notifications.template.delete",
)
async def delete_template(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await notifications_service.delete_template(session, call.path_int("id"))
    return ok(None, message="Template deleted")


@surface.route(
    "POST", "/notifications/send", permission="notifications.notification.create"
)
async def send(call: Call) -> Response:
    body = await call.body(inputs.SendInput)
    async with unit_of_work(call.db) as session:
        queued = await notifications_service.send_adhoc(session, body)
    deliveries = [
        {"id": d.id, "channel_id": d.channel_id, "status": d.status} for d in queued
    ]
    return ok({"deliveries": deliveries}, status=202, message="Notification queued")
