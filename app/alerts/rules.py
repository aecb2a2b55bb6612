"""Built-in alert rules: which domain events open or close which alerts.

Each rule maps one event to a condition key (e.g. `device:5:down`). While that
condition's alert is open, a repeat of the event is a duplicate: it opens no
second alert and the rules engine sends no second notification for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import service

DOWN_STATUSES = frozenset({"down", "unreachable", "offline"})
UP_STATUSES = frozenset({"up", "online", "reachable"})


@dataclass(frozen=True)
class Outcome:
    """What the alert rules made of one event."""

    duplicate: bool = False


def device_of(data: dict[str, Any]) -> dict[str, Any]:
    """The device fields of a device event (`device: {...}` or flat `device_id`)."""
    device = data.get("device")
    found = dict(device) if isinstance(device, dict) else {}
    if "id" not in found and data.get("device_id") is not None:
        found["id"] = data["device_id"]
    return found


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


async def _device_status(session: AsyncSession, data: dict[str, Any]) -> Outcome:
    device = device_of(data)
    device_id = _int_or_none(device.get("id"))
    status = str(data.get("status", "")).lower()
    if device_id is None:
        return Outcome()
    key = f"device:{device_id}:down"
    if status in UP_STATUSES:
        await service.resolve_by_key(session, key)
        return Outcome()
    if status not in DOWN_STATUSES:
        return Outcome()
    name = device.get("hostname") or device.get("ip_address") or f"#{device_id}"
    raised = await service.raise_alert(
        session,
        key=key,
        title="Device Unreachable",
        message=f"Device {name} is not responding",
        severity="critical",
        source="monitor",
        device_id=device_id,
    )
    return Outcome(duplicate=not raised.created)


async def _execution_failed(session: AsyncSession, data: dict[str, Any]) -> Outcome:
    execution_id = data.get("execution_id") or data.get("id")
    if execution_id is None:
        return Outcome()
    name = data.get("name") or f"Execution {execution_id}"
    raised = await service.raise_alert(
        session,
        key=f"execution:{execution_id}:failed",
        title="Execution failed",
        message=f"{name} failed: {_reason(data)}",
        severity="warning",
        source="executions",
    )
    return Outcome(duplicate=not raised.created)


def _reason(data: dict[str, Any]) -> str:
    return str(data.get("error") or data.get("error_message") or "no reason given")


async def _credential_expiring(session: AsyncSession, data: dict[str, Any]) -> Outcome:
    credential_id = data.get("credential_id") or data.get("id")
    if credential_id is None:
        return Outcome()
    raised = await service.raise_alert(
        session,
        key=f"credential:{credential_id}:expiring",
        title="Credential expiring",
        message=f"Credential {data.get('name') or credential_id} expires "
        f"at {data.get('expires_at') or 'soon'}",
        severity="warning",
        source="credentials",
    )
    return Outcome(duplicate=not raised.created)


async def _credential_rotated(session: AsyncSession, data: dict[str, Any]) -> Outcome:
    credential_id = data.get("credential_id") or data.get("id")
    if credential_id is not None:
        await service.resolve_by_key(session, f"credential:{credential_id}:expiring")
    return Outcome()


RULES = {
    "device.status.changed": _device_status,
    "execution.failed": _execution_failed,
    "credential.expiring": _credential_expiring,
    "credential.rotated": _credential_rotated,
}


async def apply_event(
    session: AsyncSession, event_type: str, data: dict[str, Any]
) -> Outcome:
    """Open or close the alerts `event_type` implies, inside the caller's UoW."""
    rule = RULES.get(event_type)
    return Outcome() if rule is None else await rule(session, data)
