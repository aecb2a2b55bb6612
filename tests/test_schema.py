"""schema.graphql matches the code; migrations match the models on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.graphql.schema import sdl
from app.models import Base

ROOT = Path(__file__).resolve().parent.parent


def test_schema_file_is_current() -> None:
    # regenerate with: opsgraph schema export
    assert (ROOT / "schema.graphql").read_text() == sdl()


async def test_migrations_match_models_on_postgresql(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
