"""What actors need at run time: settings and a session factory per event loop."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from app import events
from app.credentials import vault
from app.db import Sessionmaker, make_engine, make_sessionmaker
from app.runtime_settings import service as settings_service
from app.settings import Settings

_settings: Settings | None = None
_dbs: dict[asyncio.AbstractEventLoop, Sessionmaker] = {}


def configure(settings: Settings) -> None:
    """Remember the settings and pick the event transport for this process."""
    global _settings
    _settings = settings
    events.configure(settings)
    vault.configure(settings)
    settings_service.configure(settings)


def settings() -> Settings:
    """The worker's settings."""
    if _settings is None:
        raise RuntimeError("worker runtime used before configure()")
    return _settings


def db() -> Sessionmaker:
    """A session factory bound to the running loop (asyncpg pools are per loop)."""
    loop = asyncio.get_running_loop()
    found = _dbs.get(loop)
    if found is None:
        config = settings()
        engine = make_engine(config.sqlalchemy_url, **config.pool_options)
        found = make_sessionmaker(engine)
        _dbs[loop] = found
    return found


def close(timeout: float = 5.0) -> None:
    """Dispose every loop's engine on its own loop, before the loops stop.

    Without this, each worker start (every embedded app) would leave its pooled
    connections open until garbage collection.
    """
    for loop, sessionmaker in list(_dbs.items()):
        del _dbs[loop]
        engine = sessionmaker.kw["bind"]
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(engine.dispose(), loop)
            with suppress(Exception):
                future.result(timeout)


async def close_db() -> None:
    """Dispose the running loop's engine (for threads that own their loop)."""
    found = _dbs.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.kw["bind"].dispose()
