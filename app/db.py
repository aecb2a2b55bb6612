"""Database plumbing: declarative base, engine and session factories, unit of work."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, Select, event, false, func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from app import columns  # noqa: F401  checks lengths and int4 ranges before flushes

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Sessionmaker = async_sessionmaker[AsyncSession]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no zone; without this, values read back naive there and aware
    on PostgreSQL, and comparisons between them fail.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        """`datetime`: keyset cursors type their values by it (the default is
        `object`, which left a cursor's timestamp a string)."""
        return datetime

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every model, with stable constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


# Defaults of OPSGRAPH_DB_POOL_SIZE and OPSGRAPH_DB_MAX_OVERFLOW.
POOL_SIZE = 25
MAX_OVERFLOW = 15


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout.

    `pool_size` and `max_overflow` apply to PostgreSQL; the processes' main
    pools take them from settings (`Settings.pool_options`).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Kept connections cover a burst (20 submissions at once, the executions
    # they start): beyond pool_size every connection is opened for one checkout
    # and closed again, a PostgreSQL backend start each time.
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


async def warm_pool(engine: AsyncEngine) -> None:
    """Open the pool's connections now (PostgreSQL), not during the first burst.

    A connection costs a PostgreSQL backend start; `opsgraph serve` and
    `opsgraph worker` open theirs at start so the first requests do not wait.
    """
    if engine.dialect.name != "postgresql":
        return
    size = engine.pool.size()  # type: ignore[attr-defined]  # a QueuePool here
    opened = await asyncio.gather(
        *(engine.connect() for _ in range(size)), return_exceptions=True
    )
    # Every connection that opened goes back, even when another was refused:
    # one left to the garbage collector is logged as an error.
    for conn in opened:
        if not isinstance(conn, BaseException):
            await conn.close()
    failed = next((c for c in opened if isinstance(c, BaseException)), None)
    if failed is not None:
        raise failed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> Sessionmaker:
    """A session factory whose objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@dataclass(frozen=True)
class Page:
    """A window of a list: at most `limit` rows (None: every row) after `offset`."""

    limit: int | None = None
    offset: int = 0


EVERY_ROW = Page()


async def fetch_page(
    session: AsyncSession, query: Select[Any], page: Page
) -> tuple[list[Any], int]:
    """The rows of `query` (ordered) in `page`, and how many it has in all.

    Both in SQL: one COUNT over the unordered query, one LIMIT/OFFSET select.
    """
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = int(await session.scalar(counted) or 0)
    rows = await session.scalars(query.limit(page.limit).offset(page.offset))
    return list(rows), total


CommitHook = Callable[[], Awaitable[None] | None]
_hooks: contextvars.ContextVar[list[CommitHook] | None] = contextvars.ContextVar(
    "opsgraph_commit_hooks", default=None
)


def after_commit(hook: CommitHook) -> bool:
    """Run `hook` once the surrounding unit of work commits.

    Returns False when no unit of work is active, so the caller acts at once.
    """
    hooks = _hooks.get()
    if hooks is None:
        return False
    hooks.append(hook)
    return True


@asynccontextmanager
async def unit_of_work(db: Sessionmaker) -> AsyncIterator[AsyncSession]:
    """One transaction. Jobs and events raised inside it go out only after COMMIT."""
    hooks: list[CommitHook] = []
    token = _hooks.set(hooks)
    try:
        async with db() as session, session.begin():
            yield session
    finally:
        _hooks.reset(token)
    for hook in hooks:
        result = hook()
        if inspect.isawaitable(result):
            await result


def contains(column: Any, text: str) -> Any:
    """`column` contains `text`, case-insensitively, `%` and `_` taken literally;
    false outright for a text longer than the column (SQLite refuses patterns
    over 50,000 bytes)."""
    length = getattr(column.type, "length", None)
    if length is not None and len(text) > length:
        return false()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
