"""SQL of the runtime settings store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.runtime_settings.models import RuntimeSetting, RuntimeSettingChange


async def stored_values(session: AsyncSession) -> dict[str, Any]:
    """Every stored key and value."""
    rows = (await session.scalars(select(RuntimeSetting))).all()
    return {r.key: r.value for r in rows}


async def put(
    session: AsyncSession,
    key: str,
    value: Any,
    user_id: int | None,
    mask: Callable[[Any], Any],
) -> Any:
    """Store `value` under `key` and audit it (values as `mask` shows them);
    returns the previous stored value."""
    row = await session.get(RuntimeSetting, key, with_for_update=True)
    old = None if row is None else row.value
    if row is None:
        session.add(RuntimeSetting(key=key, value=value, updated_by=user_id))
    else:
        row.value, row.updated_by, row.updated_at = value, user_id, utcnow()
    session.add(
        RuntimeSettingChange(
            key=key, old_value=mask(old), new_value=mask(value), changed_by=user_id
        )
    )
    await session.flush()
    return old


async def replace(session: AsyncSession, key: str, value: Any) -> None:
    """Store `value` under an existing `key` without an audited change (re-sealing)."""
    row = await session.get(RuntimeSetting, key, with_for_update=True)
    if row is not None:
        row.value = value
        await session.flush()


def changes_matching(key: str | None) -> Select[tuple[RuntimeSettingChange]]:
    """The audited changes (of one setting, when `key` is given), unordered."""
    query = select(RuntimeSettingChange)
    if key is not None:
        query = query.where(RuntimeSettingChange.key == key)
    return query
