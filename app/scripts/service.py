"""Script rules: CRUD, search, and running a script on servers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import found_or_raise
from app.executions import service as executions_service
from app.executions.models import Execution
from app.scripts import repository
from app.scripts.errors import InvalidScriptError, ScriptNotFoundError
from app.scripts.models import Script

MAX_NAME = 200


@dataclass(frozen=True)
class ScriptInput:
    """The editable fields of a script (None: unchanged on update)."""

    name: str | None = None
    content: str | None = None
    description: str | None = None


def _check(data: ScriptInput, *, creating: bool) -> None:
    if creating and (data.name is None or data.content is None):
        raise InvalidScriptError("name and content are required")
    if data.name is not None and not 0 < len(data.name.strip()) <= MAX_NAME:
        raise InvalidScriptError(f"name must be 1 to {MAX_NAME} characters")
    if data.content is not None and not data.content.strip():
        raise InvalidScriptError("content must not be empty")


async def create(session: AsyncSession, data: ScriptInput) -> Script:
    """A new script."""
    _check(data, creating=True)
    script = Script(
        name=(data.name or "").strip(),
        content=data.content,
        description=data.description,
    )
    session.add(script)
    await session.flush()
    return script


async def get(session: AsyncSession, script_id: int) -> Script:
    """The script; raise when missing."""
    return found_or_raise(
        await repository.get(session, script_id),
        ScriptNotFoundError("Script not found"),
    )


async def list_scripts(
    session: AsyncSession, offset: int, limit: int, search: str | None
) -> tuple[list[Script], int]:
    """A page of scripts and the total matching."""
    return await repository.list_scripts(session, offset, limit, search)


def script_query(search: str | None) -> Select[tuple[Script]]:
    """Scripts matching `search` in name or description, unordered (to page)."""
    return repository.matching(search)


async def update(session: AsyncSession, script_id: int, data: ScriptInput) -> Script:
    """Change the given fields."""
    script = await get(session, script_id)
    _check(data, creating=False)
    if data.name is not None:
        script.name = data.name.strip()
    if data.content is not None:
        script.content = data.content
    if data.description is not None:
        script.description = data.description
    script.updated_at = utcnow()
    await session.flush()
    return script


async def delete(session: AsyncSession, script_id: int) -> None:
    """Remove a script."""
    await repository.delete(session, await get(session, script_id))


async def execute(
    session: AsyncSession,
    script_id: int,
    server_ids: Sequence[int],
    *,
    group_id: int | None = None,
    host_timeout: int = 60,
    created_by: int | None = None,
) -> Execution:
    """Queue the script on servers and a group's members, run with its shebang."""
    script = await get(session, script_id)
    device_ids = list(server_ids)
    if group_id is not None:
        device_ids += await executions_service.group_members(session, group_id)
    if not device_ids:
        raise InvalidScriptError("server_ids or group_id must name at least one server")
    return await executions_service.submit(
        session,
        kind="script",
        steps=[{"type": "script", "action": script.content}],
        hosts=await executions_service.hosts_for_devices(session, device_ids),
        host_timeout=host_timeout,
        script_id=script.id,
        created_by=created_by,
    )


async def execute_content(
    session: AsyncSession,
    device_id: int,
    content: str,
    *,
    host_timeout: int = 30,
    created_by: int | None = None,
) -> Execution:
    """Queue an inline script on one server (biRun `POST /servers/{id}/execute`)."""
    if not content.strip():
        raise InvalidScriptError("script_content must not be empty")
    return await executions_service.submit(
        session,
        kind="script",
        steps=[{"type": "script", "action": content}],
        hosts=await executions_service.hosts_for_devices(session, [device_id]),
        host_timeout=host_timeout,
        created_by=created_by,
    )


async def names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """The names of these scripts (missing ids are left out)."""
    return await repository.names(session, list(set(ids)))
