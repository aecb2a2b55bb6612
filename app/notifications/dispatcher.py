"""The rules engine: reads the domain stream from a stored cursor and queues deliveries.

Each event is handled in one transaction that applies the alert rules, queues
one delivery per (matching rule, enabled channel) and advances the cursor, so
an event is dispatched exactly once even across restarts. One dispatcher runs
at a time: it holds a PostgreSQL advisory lock (SQLite means one process anyway),
and the unique (rule, channel, event) constraint makes a second one harmless.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from app import events, jobs
from app.alerts import service as alerts_service
from app.db import Sessionmaker
from app.events import leader
from app.notifications import repository, templates
from app.notifications.delivery import DELIVER, requeue_due
from app.notifications.models import (
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)
from app.settings import Settings

log = logging.getLogger("app.notifications.dispatcher")

CURSOR = events.DOMAIN_STREAM
LOCK_ID = 0x0965_0009
RETRY_POLL_SECONDS = 1.0


def lookup(data: dict[str, Any], path: str) -> Any:
    """The value at dotted `path` in `data`, or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    return bool(actual == expected)


def matches(conditions: dict[str, Any], data: dict[str, Any]) -> bool:
    """True when every condition holds (a list means any of its values)."""
    for path, expected in conditions.items():
        actual = lookup(data, path)
        options = expected if isinstance(expected, list) else [expected]
        if not any(_same(actual, option) for option in options):
            return False
    return True


def _render(
    template: NotificationTemplate | None, event: events.Event
) -> tuple[str, str, str]:
    values = templates.context(event.type, event.data, event.created_at)
    if template is not None:
        try:
            return (
                templates.render(template.subject, template.format, values),
                templates.render(template.body, template.format, values),
                template.format,
            )
        except TemplateError as exc:
            log.warning("template %d failed: %s", template.id, type(exc).__name__)
    body = json.dumps(event.data, indent=2, sort_keys=True, default=str)
    return event.type, body, "text"


async def _queue_rule(
    session: AsyncSession, rule: NotificationRule, event: events.Event
) -> int:
    template = (
        await session.get(NotificationTemplate, rule.template_id)
        if rule.template_id is not None
        else None
    )
    subject, body, fmt = _render(template, event)
    targets = await repository.channels_by_ids(session, list(rule.channel_ids))
    queued = [
        NotificationDelivery(
            rule_id=rule.id,
            channel_id=channel.id,
            event_seq=event.seq,
            event_type=event.type,
            subject=subject,
            body=body,
            format=fmt,
            data=event.data,
        )
        for channel in targets
        if channel.enabled
    ]
    session.add_all(queued)
    await session.flush()
    for delivery in queued:
        jobs.enqueue(DELIVER, delivery_id=str(delivery.id))
    return len(queued)


async def dispatch_event(session: AsyncSession, event: events.Event) -> int:
    """Apply alert rules and queue deliveries for one event; returns how many."""
    repeat = await alerts_service.apply_event_rules(session, event.type, event.data)
    queued = 0
    if not repeat:
        for rule in await repository.enabled_rules_for(session, event.type):
            if matches(rule.conditions, event.data):
                queued += await _queue_rule(session, rule, event)
    return queued


async def _advance(session: AsyncSession, seq: int) -> None:
    await repository.advance_cursor(session, CURSOR, seq)


async def _consume(db: Sessionmaker, failures: dict[int, int]) -> None:
    await leader.consume(
        db,
        events.DOMAIN_STREAM,
        lambda session: repository.cursor(session, CURSOR),
        dispatch_event,
        _advance,
        failures,
        log,
    )


async def run(db: Sessionmaker) -> None:
    """Be the dispatcher (once the lock is ours) until cancelled."""
    failures: dict[int, int] = {}
    async with leader.leadership(db.kw["bind"], LOCK_ID):
        log.info("notification dispatcher started")
        await asyncio.gather(
            leader.forever(
                log, "notification dispatch", lambda: _consume(db, failures), 1.0
            ),
            leader.forever(
                log,
                "notification retry pass",
                lambda: requeue_due(db),
                RETRY_POLL_SECONDS,
            ),
        )


def running(settings: Settings) -> AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run the dispatcher as a task of the current loop while the block runs."""
    return leader.running(settings, run)


def in_thread(settings: Settings) -> AbstractContextManager[threading.Thread]:
    """Run the dispatcher on its own thread and loop (for `opsgraph worker`)."""
    return leader.in_thread(settings, run, "notification-dispatcher")
