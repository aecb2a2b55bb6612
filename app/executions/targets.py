"""Where executions find the SSH targets of their device ids."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.executions.engine import Target
from app.executions.errors import InvalidExecutionError


async def resolve(session: AsyncSession, device_ids: Sequence[int]) -> list[Target]:
    """The SSH targets of `device_ids`, from the device inventory."""
    if not device_ids:
        return []
    raise InvalidExecutionError("The device inventory is not available yet")
