"""Where a job's events go: the one place that names the job's event stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import events

# The last event of every job; subscribers stop after it.
FINAL_EVENT = "job.completed"


def stream_of(job_id: str) -> str:
    """The event stream of job `job_id`."""
    return f"ansible-job:{job_id}"


async def emit(
    session: AsyncSession, job_id: str, items: Sequence[tuple[str, dict[str, Any]]]
) -> None:
    """Append (type, data) events to the job's stream inside the unit of work."""
    await events.append(session, stream_of(job_id), items)
