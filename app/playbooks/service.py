"""Playbook rules: OPMAS validation, CRUD, and executing a playbook."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import found_or_raise
from app.executions import service as executions_service
from app.executions.models import Execution
from app.playbooks import repository
from app.playbooks.errors import (
    InvalidPlaybookError,
    PlaybookInactiveError,
    PlaybookNameTakenError,
    PlaybookNotFoundError,
)
from app.playbooks.models import Playbook

NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
STEP_TYPES = executions_service.STEP_TYPES
MAX_WAIT_SECONDS = 3600
FIELDS = ("name", "description", "steps", "version", "is_active")


def _check_name(value: object) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise InvalidPlaybookError("Invalid playbook name format")
    return value


def _check_version(value: object) -> str:
    if not isinstance(value, str) or not VERSION.fullmatch(value):
        raise InvalidPlaybookError("Invalid version format")
    return value


def _check_steps(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise InvalidPlaybookError("Playbook must have at least one step")
    steps = []
    for index, step in enumerate(value, start=1):
        if not isinstance(step, dict) or not step.get("type"):
            raise InvalidPlaybookError(f"Step {index} must have a type field")
        if not isinstance(step.get("action"), str) or not step["action"]:
            raise InvalidPlaybookError(f"Step {index} must have an action field")
        if step["type"] not in STEP_TYPES:
            raise InvalidPlaybookError(f"Unknown step type: {step['type']}")
        if step["type"] == "wait":
            _check_wait(index, step["action"])
        steps.append({**step, "type": step["type"], "action": step["action"]})
    return steps


def _check_wait(index: int, action: str) -> None:
    try:
        seconds = float(action)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise InvalidPlaybookError(
            f"Step {index}: a wait action is a number of seconds (0-3600)"
        )


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The given fields, each checked; creation needs a name and steps."""
    if creating and "name" not in data:
        raise InvalidPlaybookError("Invalid playbook name format")
    if creating and "steps" not in data:
        raise InvalidPlaybookError("Playbook must have at least one step")
    checks = {"name": _check_name, "version": _check_version, "steps": _check_steps}
    clean: dict[str, Any] = {}
    for field in FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in checks:
            clean[field] = checks[field](value)
        elif field == "description" and not (value is None or isinstance(value, str)):
            raise InvalidPlaybookError("description must be a string")
        elif field == "is_active" and not isinstance(value, bool):
            raise InvalidPlaybookError("is_active must be a boolean")
        else:
            clean[field] = value
    return clean


async def _name_free(session: AsyncSession, name: str, own_id: int | None) -> None:
    found = await repository.by_name(session, name)
    if found is not None and found.id != own_id:
        raise PlaybookNameTakenError("Playbook with this name already exists")


async def create(session: AsyncSession, data: Mapping[str, Any]) -> Playbook:
    """A new playbook from OPMAS input; raises on the first broken rule."""
    clean = _clean(data, creating=True)
    await _name_free(session, clean["name"], None)
    playbook = Playbook(**{"version": "1.0.0", "is_active": True, **clean})
    session.add(playbook)
    await session.flush()
    return playbook


async def get(session: AsyncSession, playbook_id: int) -> Playbook:
    """The playbook; raise when missing."""
    return found_or_raise(
        await repository.get(session, playbook_id),
        PlaybookNotFoundError("Playbook not found"),
    )


async def list_playbooks(
    session: AsyncSession, skip: int, limit: int, is_active: bool | None
) -> list[Playbook]:
    """A page of playbooks."""
    return await repository.list_playbooks(session, skip, limit, is_active)


def playbook_query(is_active: bool | None) -> Select[tuple[Playbook]]:
    """Playbooks, optionally only active or inactive ones, unordered (to page)."""
    return repository.matching(is_active)


async def update(
    session: AsyncSession, playbook_id: int, data: Mapping[str, Any]
) -> Playbook:
    """Change the given fields of a playbook."""
    playbook = await get(session, playbook_id)
    clean = _clean(data, creating=False)
    if "name" in clean:
        await _name_free(session, clean["name"], playbook.id)
    for field, value in clean.items():
        setattr(playbook, field, value)
    playbook.updated_at = utcnow()
    await session.flush()
    return playbook


async def set_active(
    session: AsyncSession, playbook_id: int, active: object
) -> Playbook:
    """Switch a playbook on or off."""
    if not isinstance(active, bool):
        raise InvalidPlaybookError("is_active must be a boolean")
    return await update(session, playbook_id, {"is_active": active})


async def delete(session: AsyncSession, playbook_id: int) -> None:
    """Remove a playbook."""
    await repository.delete(session, await get(session, playbook_id))


async def execute(
    session: AsyncSession,
    playbook_id: int,
    device_ids: Sequence[int],
    *,
    host_timeout: int = 60,
    created_by: int | None = None,
) -> Execution:
    """Queue a pending execution of the playbook's steps on `device_ids`."""
    playbook = await get(session, playbook_id)
    if not playbook.is_active:
        raise PlaybookInactiveError("Playbook is not active")
    return await executions_service.submit(
        session,
        kind="opmas_playbook",
        steps=playbook.steps,
        hosts=await executions_service.hosts_for_devices(session, device_ids),
        host_timeout=host_timeout,
        playbook_id=playbook.id,
        created_by=created_by,
    )
