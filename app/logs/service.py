"""Stored log records: list with filters, clear, apply the retention setting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import inputs
from app.db import Sessionmaker, unit_of_work, utcnow
from app.logs import repository
from app.logs.errors import InvalidLogFilterError
from app.logs.models import LogRecord
from app.logs.repository import LogFilter
from app.runtime_settings import service as settings_service

__all__ = [
    "LogFilter",
    "clear",
    "list_logs",
    "log_query",
    "parse_filter",
    "purge_expired",
]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_LIMIT = 1000


def parse_time(field: str, raw: str | None) -> datetime | None:
    """An ISO-8601 timestamp (naive means UTC); raise on anything else."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidLogFilterError(field, "must be an ISO-8601 datetime") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_filter(params: dict[str, str]) -> LogFilter:
    """A LogFilter from the documented query parameters."""
    level = params.get("level")
    if level and level.upper() not in LEVELS:
        raise InvalidLogFilterError("level", f"must be one of {', '.join(LEVELS)}")
    return LogFilter(
        level=level.upper() if level else None,
        source=params.get("source") or None,
        category=params.get("category") or None,
        search=params.get("search") or None,
        start=parse_time("start", params.get("start")),
        end=parse_time("end", params.get("end")),
    )


def parse_limit(raw: str | None, default: int = 100) -> int:
    """A page size between 1 and MAX_LIMIT."""
    if raw is None:
        return default
    found = inputs.parse_int(raw, 1, MAX_LIMIT)
    if found is None:
        raise InvalidLogFilterError("limit", f"must be between 1 and {MAX_LIMIT}")
    return found


def log_query(where: LogFilter) -> Select[tuple[LogRecord]]:
    """The records `where` selects, unordered (for keyset pages)."""
    return repository.matching(where)


async def list_logs(
    session: AsyncSession, where: LogFilter, limit: int = 100, offset: int = 0
) -> tuple[Sequence[LogRecord], int]:
    """Matching records newest first, and the total number that match."""
    return await repository.page(session, where, limit, offset)


async def clear(
    session: AsyncSession, before: datetime | None, level: str | None
) -> int:
    """Delete records older than `before` and/or of `level`; returns how many."""
    where = parse_filter({"level": level or ""})
    return await repository.delete_matching(
        session, LogFilter(level=where.level, end=before)
    )


async def purge_expired(db: Sessionmaker) -> int:
    """Apply the `log_retention_days` setting; returns how many records went."""
    days = (await settings_service.effective(db)).log_retention_days
    async with unit_of_work(db) as session:
        return await repository.delete_matching(
            session, LogFilter(end=utcnow() - timedelta(days=days))
        )
