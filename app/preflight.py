"""Checks a process makes before it starts, each failing as one line to act on.

`opsgraph serve` and `opsgraph worker` call these before they open a port or
take a job: a database they cannot reach or that is behind the migrations, an
unreachable Redis or a pool PostgreSQL will not grant ends the process with a
`StartupError` naming what to fix, never a traceback or a half-started worker.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrations
from app.db import make_engine, warm_pool
from app.settings import Settings

UPGRADE_HINT = "run `opsgraph db upgrade` first"


class StartupError(Exception):
    """Why a process cannot start, as one line naming the setting at fault."""


def _reason(exc: BaseException) -> str:
    """The last line of an exception's message, without SQLAlchemy's hints."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return text[-1] if text else type(cause).__name__


async def check_database(settings: Settings, *, at_head: bool = True) -> None:
    """The database answers and, with `at_head`, has every migration applied."""
    engine = make_engine(settings.sqlalchemy_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            missing = await conn.run_sync(migrations.missing_heads)
    except (OSError, SQLAlchemyError) as exc:
        raise StartupError(
            f"OPSGRAPH_DATABASE_URL: cannot reach the database: {_reason(exc)}"
        ) from None
    finally:
        await engine.dispose()
    if at_head and missing:
        raise StartupError(
            "the database schema is not at the newest migration "
            f"({len(missing)} branch(es) behind): {UPGRADE_HINT}"
        )


async def open_pool(engine: AsyncEngine) -> None:
    """Open the whole pool now, or say that PostgreSQL will not grant it."""
    try:
        await warm_pool(engine)
    except (OSError, SQLAlchemyError) as exc:
        raise StartupError(
            f"cannot open {engine.pool.size()} database connections "
            f"(OPSGRAPH_DB_POOL_SIZE): {_reason(exc)}"
        ) from None


async def check_pool(settings: Settings) -> None:
    """PostgreSQL grants a pool of the configured size (`serve`, before it starts)."""
    engine = make_engine(settings.sqlalchemy_url, **settings.pool_options)
    try:
        await open_pool(engine)
    finally:
        await engine.dispose()


def check_redis(settings: Settings) -> None:
    """Redis answers a PING (distributed mode only)."""
    if settings.redis_url is None:
        return
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StartupError(f"OPSGRAPH_REDIS_URL: cannot reach Redis: {exc}") from None
    finally:
        client.close()


def check_data_dir(settings: Settings) -> None:
    """The data dir exists (created if need be) and this user may write there."""
    path: Path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(
            f"OPSGRAPH_DATA_DIR: cannot create {path}: {exc.strerror}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise StartupError(f"OPSGRAPH_DATA_DIR: {path} is not writable")


def check_port_free(host: str, port: int) -> None:
    """Nothing listens on host:port yet (the check `serve` makes before starting)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            why = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise StartupError(
                f"OPSGRAPH_PORT: cannot listen on {host}:{port}: {why}"
            ) from None
