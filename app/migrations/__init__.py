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
    """The migration heads this package has and the database has not reached."""
    script = ScriptDirectory(str(HERE))
    current = set(MigrationContext.configure(connection).get_current_heads())
    return {head for head in script.get_heads() if head not in current}
