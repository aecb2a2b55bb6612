"""The Alembic migrations, shipped inside the package, and how to apply them.

`opsgraph db upgrade` (and `serve`) build the Alembic configuration here, so an
installed wheel migrates without `alembic.ini` or a source tree; `alembic.ini`
at the repository root serves the `alembic` command during development.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent


def alembic_config(sqlalchemy_url: str) -> Config:
    """An Alembic configuration for this package's migrations and `sqlalchemy_url`."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["sqlalchemy_url"] = sqlalchemy_url
    return config


def upgrade(sqlalchemy_url: str) -> None:
    """Apply every migration up to every head.

    Each domain's migrations form their own branch off the foundation revision,
    so the target is every head; a branch that needs another domain's tables
    names that revision in `depends_on`.
    """
    from alembic import command

    command.upgrade(alembic_config(sqlalchemy_url), "heads")


def missing_heads(connection: Connection) -> set[str]:
    """The migration heads this package has and the database has not reached.

    A head another branch depends on is not stored in `alembic_version`
    once that branch is applied: count what the stored heads imply.
    """
    script = ScriptDirectory(str(HERE))
    current = MigrationContext.configure(connection).get_current_heads()
    reached = {rev.revision for rev in script.iterate_revisions(current, "base")}
    return set(script.get_heads()) - reached
