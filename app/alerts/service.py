"""Alerts: raise (deduplicated by key while open), acknowledge, resolve, delete.

Every change is appended to the `alerts` stream (for `alertsChanged`), and a new
alert is also a domain fact (`alert.raised`) that notification rules can match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.alerts import repository
from app.alerts.errors import AlertNotFoundError, AlertResolvedError, InvalidAlertError
from app.alerts.models import Alert
from app.db import Page, utcnow
from app.errors import found_or_raise

ALERTS_STREAM = "alerts"
SEVERITIES = ("critical", "warning", "info")
STATUSES = ("active", "acknowledged", "resolved")


@dataclass(frozen=True)
class RaisedAlert:
    """The open alert for a condition, and whether this call created it."""

    alert: Alert
    created: bool


def snapshot(alert: Alert) -> dict[str, Any]:
    """The alert as event data (JSON-safe)."""
    return {
        "id": alert.id,
        "title": alert.title,
        "message": alert.message,
        "severity": alert.severity,
        "status": alert.status,
        "source": alert.source,
        "device_id": alert.device_id,
        "dedupe_key": alert.dedupe_key,
        "created_at": _iso(alert.created_at),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "resolved_at": _iso(alert.resolved_at),
    }


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


async def _changed(session: AsyncSession, kind: str, alert: Alert) -> None:
    await events.append(session, ALERTS_STREAM, [(kind, snapshot(alert))])


def check_choice(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    """Raise InvalidAlertError unless `value` is empty or one of `allowed`."""
    if value and value not in allowed:
        raise InvalidAlertError(field, allowed)


async def raise_alert(
    session: AsyncSession,
    *,
    key: str | None,
    title: str,
    message: str = "",
    severity: str = "warning",
    source: str = "system",
    device_id: int | None = None,
) -> RaisedAlert:
    """Open an alert, or return the open one with the same `key` unchanged."""
    check_choice("severity", severity, SEVERITIES)
    if key is not None:
        existing = await repository.open_by_key(session, key)
        if existing is not None:
            return RaisedAlert(existing, False)
    alert = Alert(
        title=title[:200],
        message=message,
        severity=severity,
        source=source,
        device_id=device_id,
        dedupe_key=key,
        status="active",
    )
    try:
        async with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        # A concurrent raiser won the unique index on the open key.
        existing = await repository.open_by_key(session, str(key))
        if existing is None:
            raise
        return RaisedAlert(existing, False)
    await _changed(session, "alert.raised", alert)
    await events.emit_domain(session, "alert.raised", snapshot(alert))
    return RaisedAlert(alert, True)


async def get_alert(session: AsyncSession, alert_id: int) -> Alert:
    """The alert with `alert_id`; raise AlertNotFoundError otherwise."""
    return found_or_raise(
        await repository.by_id(session, alert_id), AlertNotFoundError(alert_id)
    )


# Alerts GraphQL lists at most (the newest first).
NEWEST_500 = Page(limit=500)


async def list_alerts(
    session: AsyncSession,
    *,
    status: str | None = None,
    severity: str | None = None,
    source: str | None = None,
    page: Page = NEWEST_500,
) -> tuple[list[Alert], int]:
    """One page of the alerts matching the filters, newest first, and the total."""
    check_choice("status", status, STATUSES)
    check_choice("severity", severity, SEVERITIES)
    return await repository.listing(session, status, severity, source, page)


def alert_query(
    *, status: str | None, severity: str | None, source: str | None
) -> Select[tuple[Alert]]:
    """The alerts matching the filters, unordered (for keyset pages)."""
    check_choice("status", status, STATUSES)
    check_choice("severity", severity, SEVERITIES)
    return repository.filtered(status, severity, source)


async def acknowledge(
    session: AsyncSession, alert_id: int, user_id: int | None
) -> Alert:
    """Mark an active alert acknowledged (again is a no-op; resolved is a conflict)."""
    alert = await get_alert(session, alert_id)
    if alert.status == "resolved":
        raise AlertResolvedError(alert_id)
    if alert.status == "active":
        alert.status, alert.acknowledged_at = "acknowledged", utcnow()
        alert.acknowledged_by = user_id
        await session.flush()
        await _changed(session, "alert.acknowledged", alert)
    return alert


async def _close(session: AsyncSession, alert: Alert, user_id: int | None) -> Alert:
    if alert.status != "resolved":
        alert.status, alert.resolved_at, alert.resolved_by = (
            "resolved",
            utcnow(),
            user_id,
        )
        await session.flush()
        await _changed(session, "alert.resolved", alert)
        await events.emit_domain(session, "alert.resolved", snapshot(alert))
    return alert


async def resolve(session: AsyncSession, alert_id: int, user_id: int | None) -> Alert:
    """Mark an alert resolved (again is a no-op)."""
    return await _close(session, await get_alert(session, alert_id), user_id)


async def resolve_by_key(session: AsyncSession, key: str) -> Alert | None:
    """Resolve the open alert with dedupe key `key`, if there is one."""
    alert = await repository.open_by_key(session, key)
    return None if alert is None else await _close(session, alert, None)


async def delete(session: AsyncSession, alert_id: int) -> None:
    """Delete an alert."""
    alert = await get_alert(session, alert_id)
    data = snapshot(alert)
    await session.delete(alert)
    await session.flush()
    await events.append(session, ALERTS_STREAM, [("alert.deleted", data)])


async def apply_event_rules(
    session: AsyncSession, event_type: str, data: dict[str, Any]
) -> bool:
    """Open or close the alerts a domain event implies; True if it is a repeat.

    A repeat (the condition's alert is already open) should notify nobody again.
    """
    from app.alerts import rules  # the rules are built on this module

    return (await rules.apply_event(session, event_type, data)).duplicate


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    """How many alerts are in each status (every status present, zero if none)."""
    found = await repository.count_by_status(session)
    return {status: found.get(status, 0) for status in STATUSES}
