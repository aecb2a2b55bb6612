"""Alembic environment: async engine, batch mode on SQLite."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.db import make_engine
from app.models import Base
from app.settings import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return str(config.attributes.get("sqlalchemy_url") or Settings().sqlalchemy_url)


# Held while migrating, so replicas starting together do not race on PostgreSQL.
MIGRATION_LOCK_ID = 0x0965_6A7A


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID}
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID}
            )
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_url())
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())
