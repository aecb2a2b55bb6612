"""The `opsgraph` command: serve, worker, db upgrade, schema export, users create.

This is the composition root: the one place that wires `app/` and `worker/`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.logs import redaction
from app.settings import Settings

log = logging.getLogger("opsgraph")
ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.stderr.write(f"opsgraph: bad configuration:\n{exc}\n")
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    redaction.install()
    # asyncssh logs ~16 INFO lines per connection (open, auth, channel, close):
    # a 200-host fan-out would write 3,000 lines and spend over a tenth of the
    # worker's CPU on them. Host outcomes and errors are in the execution.
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    return int(args.run(args, settings) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsgraph", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the API (and, embedded, a worker)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)
    sub.add_parser("worker", help="run actors (distributed mode)").set_defaults(
        run=_worker
    )
    db = sub.add_parser("db", help="database maintenance").add_subparsers(required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)
    schema = sub.add_parser("schema", help="GraphQL schema").add_subparsers(
        required=True
    )
    export = schema.add_parser("export", help="write the SDL")
    export.add_argument("--output", default=str(ROOT / "schema.graphql"))
    export.set_defaults(run=_schema_export)
    users = sub.add_parser("users", help="user administration").add_subparsers(
        required=True
    )
    create = users.add_parser("create", help="create a user")
    create.add_argument("--username", required=True)
    create.add_argument("--password-stdin", action="store_true", required=True)
    create.add_argument("--role", action="append", dest="roles")
    create.add_argument("--email")
    create.set_defaults(run=_users_create)
    vault = sub.add_parser("vault", help="credential vault").add_subparsers(
        required=True
    )
    vault.add_parser(
        "rotate-key",
        help="re-encrypt every secret with the current key "
        "(old keys in OPSGRAPH_VAULT_PREVIOUS_KEYS)",
    ).set_defaults(run=_vault_rotate_key)
    return parser


def upgrade_database(settings: Settings, *, seal: bool = False) -> None:
    """Apply every migration (creating the SQLite data dir, private, first).

    Each domain's migrations form their own branch off the foundation revision,
    so the target is every head; a branch that needs another domain's tables
    names that revision in `depends_on`.

    Then, when asked (`db upgrade`, `vault rotate-key`) or when a migration
    ran (a new version's first start), secrets an older version stored in
    clear are sealed: this reads every row holding secrets (about 4 s per
    10,000 workflow runs), too slow for every start.
    """
    from alembic import command
    from alembic.config import Config

    if not settings.database_url:
        settings.prepare_data_dir()
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["sqlalchemy_url"] = settings.sqlalchemy_url
    before = asyncio.run(_revisions(settings))
    command.upgrade(config, "heads")
    if not seal and asyncio.run(_revisions(settings)) == before:
        return
    sealed = asyncio.run(_seal_stored(settings))
    if sealed:
        log.info("sealed the secrets of %d rows stored in clear", sealed)


async def _revisions(settings: Settings) -> set[str]:
    """The migrations the database is at (none before the first)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from app.db import make_engine

    engine = make_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return {str(r[0]) for r in rows}
    except DBAPIError:
        return set()
    finally:
        await engine.dispose()


async def _seal_stored(settings: Settings) -> int:
    """Seal secrets an older version stored in clear (app/secrets.py, inventories)."""
    import app.models  # noqa: F401  every table in the metadata
    from app import secrets
    from app.credentials import vault
    from app.db import make_engine, make_sessionmaker, unit_of_work
    from app.inventories import service as inventories_service

    vault.configure(settings)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            documents = await secrets.seal_stored(session)
            return documents + await inventories_service.seal_stored(session)
    finally:
        await engine.dispose()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.main import create_app
    from worker.broker import embedded

    upgrade_database(settings)
    host, port = args.host or settings.host, args.port or settings.port
    app = create_app(
        settings,
        background=None if settings.distributed else embedded,
        warm_pool=True,
    )
    log.info(
        "OpsGraph listening on http://%s:%d (%s mode, database %s)",
        host,
        port,
        settings.mode,
        "PostgreSQL" if settings.database_url else "SQLite",
    )
    uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
    return 0


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn, beyond the app and the address."""
    from app.serving import header_deadline

    return {
        "log_level": settings.log_level.lower(),
        "ws": "websockets-sansio",
        "ws_per_message_deflate": settings.websocket_compression,
        # The app applies OPSGRAPH_TRUSTED_PROXIES itself, whatever serves it.
        "proxy_headers": False,
        # Slow clients: headers within a deadline (app/serving.py), idle
        # keep-alive connections closed after 5 s, bodies bounded by the app.
        "http": header_deadline(settings.header_read_timeout_seconds),
        "timeout_keep_alive": 5,
    }


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from worker.broker import run_forever

    if not settings.distributed:
        log.warning(
            "no OPSGRAPH_REDIS_URL: this worker can only see its own stub queue"
        )
    run_forever(settings)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_database(settings, seal=True)
    log.info("database is at the newest migration")
    return 0


def _schema_export(args: argparse.Namespace, settings: Settings) -> int:
    from app.graphql.schema import sdl

    Path(args.output).write_text(sdl())
    return 0


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import make_engine, make_sessionmaker, unit_of_work
    from app.errors import DomainError
    from app.users import service

    password = sys.stdin.readline().rstrip("\n")

    async def create() -> None:
        engine = make_engine(settings.sqlalchemy_url)
        try:
            async with unit_of_work(make_sessionmaker(engine)) as session:
                await service.ensure_builtin_roles(session)
                await service.create_user(
                    session,
                    args.username,
                    password,
                    email=args.email,
                    roles=args.roles or ["viewer"],
                )
        finally:
            await engine.dispose()

    upgrade_database(settings)
    try:
        asyncio.run(create())
    except DomainError as exc:
        sys.stderr.write(f"opsgraph: {exc.message}\n")
        return 1
    log.info("created user %r", args.username)
    return 0


def _vault_rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    from app.credentials import service, vault
    from app.db import make_engine, make_sessionmaker, unit_of_work
    from app.errors import DomainError
    from app.runtime_settings import service as settings_service

    vault.configure(settings)

    async def rotate() -> int:
        engine = make_engine(settings.sqlalchemy_url)
        try:
            async with unit_of_work(make_sessionmaker(engine)) as session:
                count = await service.rotate_key(session)
                return count + await settings_service.reseal_secrets(session)
        finally:
            await engine.dispose()

    upgrade_database(settings, seal=True)
    try:
        count = asyncio.run(rotate())
    except DomainError as exc:
        sys.stderr.write(f"opsgraph: {exc.message}\n")
        return 1
    log.info(
        "re-encrypted %d secrets with vault key %s", count, vault.keyring().current_id
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
