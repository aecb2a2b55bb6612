"""Sending one delivery: claim, send with no transaction open, record the attempt.

Retries are kept in the database (status `retrying` with `next_attempt_at`,
exponential backoff) and queued again by the dispatcher's retry pass, so they
survive restarts; a delivery whose worker vanished mid-send is retried too.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs
from app.db import Sessionmaker, unit_of_work, utcnow
from app.notifications import channels, repository, secrets
from app.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationDelivery,
)
from app.outbound import Policy
from app.settings import Settings

log = logging.getLogger("app.notifications.delivery")

DELIVER = jobs.JobSpec(
    actor_name="notifications.deliver", queue="notifications", time_limit_ms=120_000
)
MAX_BACKOFF = timedelta(hours=1)
STALE_SENDING = timedelta(minutes=10)


def policy_for(settings: Settings) -> Policy:
    """The outbound URL policy `settings` ask for."""
    return Policy(allow_loopback=settings.allow_loopback_urls)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """How long to wait before attempt `attempts + 1`."""
    seconds = settings.notification_retry_base_seconds * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _message(delivery: NotificationDelivery) -> channels.Message:
    return channels.Message(
        delivery.subject,
        delivery.body,
        delivery.format,
        delivery.event_type,
        delivery.data,
    )


async def deliver(db: Sessionmaker, settings: Settings, delivery_id: int) -> None:
    """Make one attempt at a queued delivery (a no-op for any other status)."""
    now = utcnow()
    async with unit_of_work(db) as session:
        delivery = await repository.claim_delivery(session, delivery_id, now)
        if delivery is None:
            return
        channel = await session.get(NotificationChannel, delivery.channel_id)
    started = time.perf_counter()
    if channel is None or not channel.enabled:
        result = channels.SendResult(False, error="Channel is disabled")
    else:
        config = {
            **channel.config,
            **secrets.unseal(settings.signing_key, channel.secret_config),
        }
        result = await channels.send(
            channel.channel_type, config, _message(delivery), policy_for(settings)
        )
    elapsed = int((time.perf_counter() - started) * 1000)
    async with unit_of_work(db) as session:
        await _record(session, settings, delivery_id, result, now, elapsed)


async def _record(
    session: AsyncSession,
    settings: Settings,
    delivery_id: int,
    result: channels.SendResult,
    started_at: datetime,
    elapsed_ms: int,
) -> None:
    delivery = await session.get(NotificationDelivery, delivery_id)
    if delivery is None:
        return
    session.add(
        NotificationAttempt(
            delivery_id=delivery_id,
            number=delivery.attempts,
            success=result.success,
            status_code=result.status_code,
            error=result.error,
            started_at=started_at,
            duration_ms=elapsed_ms,
        )
    )
    _advance(settings, delivery, result)
    await session.flush()
    log.info(
        "notification delivery %d attempt %d: %s",
        delivery_id,
        delivery.attempts,
        "sent" if result.success else result.error,
        extra={"category": "delivery", "delivery_id": delivery_id},
    )


def _advance(
    settings: Settings, delivery: NotificationDelivery, result: channels.SendResult
) -> None:
    now = utcnow()
    delivery.last_error = result.error
    if result.success:
        delivery.status, delivery.sent_at = "sent", now
    elif delivery.attempts >= settings.notification_max_attempts:
        delivery.status = "failed"
    else:
        delivery.status = "retrying"
        delivery.next_attempt_at = now + backoff(settings, delivery.attempts)


async def requeue_due(db: Sessionmaker) -> int:
    """Queue again every retry that is due; returns how many."""
    async with unit_of_work(db) as session:
        ids = await repository.requeue_due(session, utcnow(), STALE_SENDING)
        for delivery_id in ids:
            jobs.enqueue(DELIVER, delivery_id=str(delivery_id))
    return len(ids)
