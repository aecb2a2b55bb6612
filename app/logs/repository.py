"""SQL of the logs domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.logs.models import LogRecord


@dataclass(frozen=True)
class LogFilter:
    """Which records a list or delete applies to."""

    level: str | None = None
    source: str | None = None
    category: str | None = None
    search: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses of this filter."""
        found: list[ColumnElement[bool]] = []
        if self.level:
            found.append(LogRecord.level == self.level)
        if self.source:
            found.append(LogRecord.source == self.source)
        if self.category:
            found.append(LogRecord.category == self.category)
        if self.search:
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%")
            pattern = "%" + escaped.replace("_", "\\_") + "%"
            found.append(LogRecord.message.ilike(pattern, escape="\\"))
        if self.start:
            found.append(LogRecord.timestamp >= self.start)
        if self.end:
            found.append(LogRecord.timestamp < self.end)
        return found


async def insert_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert a batch of records in one statement."""
    if rows:
        await session.execute(insert(LogRecord), rows)


def matching(where: LogFilter) -> Select[tuple[LogRecord]]:
    """The records `where` selects, unordered."""
    return select(LogRecord).where(*where.clauses())


async def page(
    session: AsyncSession, where: LogFilter, limit: int, offset: int
) -> tuple[Sequence[LogRecord], int]:
    """Matching records, newest first, and how many match in all."""
    clauses = where.clauses()
    query = select(LogRecord).where(*clauses).order_by(LogRecord.id.desc())
    rows = (await session.scalars(query.limit(limit).offset(offset))).all()
    total = await session.scalar(select(func.count(LogRecord.id)).where(*clauses))
    return rows, int(total or 0)


async def delete_matching(session: AsyncSession, where: LogFilter) -> int:
    """Delete matching records; returns how many."""
    result = await session.execute(delete(LogRecord).where(*where.clauses()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
