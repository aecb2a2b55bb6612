"""Every SQL statement of the scripts domain."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.scripts.models import Script


async def get(session: AsyncSession, script_id: int) -> Script | None:
    """The script with this id."""
    return await session.get(Script, script_id)


def matching(search: str | None) -> Select[tuple[Script]]:
    """Scripts matching `search` in name or description, unordered."""
    query = select(Script)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                Script.name.ilike(pattern, escape="\\"),
                Script.description.ilike(pattern, escape="\\"),
            )
        )
    return query


async def list_scripts(
    session: AsyncSession, offset: int, limit: int, search: str | None
) -> tuple[list[Script], int]:
    """A page of scripts by id, matching `search` in name or description."""
    query = matching(search)
    total = await session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    rows = await session.scalars(query.order_by(Script.id).offset(offset).limit(limit))
    return list(rows), int(total or 0)


async def delete(session: AsyncSession, script: Script) -> None:
    """Remove a script (its executions keep their history)."""
    await session.delete(script)
    await session.flush()


async def names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """Script names by id."""
    rows = await session.execute(
        select(Script.id, Script.name).where(Script.id.in_(ids))
    )
    return {row.id: row.name for row in rows}
