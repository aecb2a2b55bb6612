"""The `opsgraph` command: serve, worker, db upgrade, schema export, users create.

This is the composition root: the one place that wires `app/` and `worker/`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.logs import redaction
from app.preflight import StartupError
from app.settings import Settings

log = logging.getLogger("opsgraph")
HELP = argparse.ArgumentDefaultsHelpFormatter


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        for line in config_errors(exc):
            sys.stderr.write(f"opsgraph: {line}\n")
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic's INFO lines (context impl, each revision applied) are not news
    # to someone running `opsgraph`; its warnings and errors still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redaction.install()
    # asyncssh logs ~16 INFO lines per connection (open, auth, channel, close):
    # a 200-host fan-out would write 3,000 lines and spend over a tenth of the
    # worker's CPU on them. Host outcomes and errors are in the execution.
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        return int(args.run(args, settings) or 0)
    except StartupError as exc:
        sys.stderr.write(f"opsgraph: {exc}\n")
        return 2


def config_errors(exc: ValidationError) -> list[str]:
    """One line per bad setting, naming its environment variable (no input echoed)."""
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error["loc"]
        name = f"OPSGRAPH_{str(loc[0]).upper()}" if loc else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return lines


def _version() -> str:
    try:
        return version("opsgraph")
    except PackageNotFoundError:  # running from a source tree never installed
        return "unknown"


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port (1-65535)")
    return int(raw)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsgraph", description=__doc__)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve", help="run the API (and, embedded, a worker)", formatter_class=HELP
    )
    serve.add_argument(
        "--host", help="address to listen on (default: OPSGRAPH_HOST, 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=_port, help="port to listen on (default: OPSGRAPH_PORT, 8000)"
    )
    serve.set_defaults(run=_serve)
    sub.add_parser("worker", help="run actors (distributed mode)").set_defaults(
        run=_worker
    )
    db = sub.add_parser("db", help="database maintenance").add_subparsers(required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)
    schema = sub.add_parser("schema", help="GraphQL schema").add_subparsers(
        required=True
    )
    export = schema.add_parser(
        "export", help="write the SDL (and fragment matching)", formatter_class=HELP
    )
    export.add_argument(
        "--output",
        default=None,
        help="file to write the SDL to (default: schema.graphql, unless only "
        "--possible-types is given)",
    )
    export.add_argument(
        "--possible-types",
        default=None,
        metavar="PATH",
        help="also write the interfaces' and unions' members as JSON, the "
        "possibleTypes map Apollo Client's and urql's caches take",
    )
    export.set_defaults(run=_schema_export)
    _users_parser(sub.add_parser("users", help="user administration"))
    vault = sub.add_parser("vault", help="credential vault").add_subparsers(
        required=True
    )
    vault.add_parser(
        "rotate-key",
        help="re-encrypt every secret with the current key "
        "(old keys in OPSGRAPH_VAULT_PREVIOUS_KEYS)",
    ).set_defaults(run=_vault_rotate_key)
    return parser


def _users_parser(users: argparse.ArgumentParser) -> None:
    create = users.add_subparsers(required=True).add_parser(
        "create",
        help="create a user (asks for the password on a terminal)",
        formatter_class=HELP,
    )
    create.add_argument("--username", required=True, help="login name")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of asking",
    )
    create.add_argument(
        "--role",
        action="append",
        dest="roles",
        help="role to grant, repeatable (default: viewer)",
    )
    create.add_argument("--email", help="e-mail address")
    create.set_defaults(run=_users_create)


def upgrade_database(settings: Settings, *, seal: bool = False) -> None:
    """Apply every migration (creating the SQLite data dir, private, first).

    Then, when asked (`db upgrade`, `vault rotate-key`) or when a migration
    ran (a new version's first start), secrets an older version stored in
    clear are sealed: this reads every row holding secrets (about 4 s per
    10,000 workflow runs), too slow for every start.
    """
    from app import migrations

    if not settings.database_url:
        settings.prepare_data_dir()
    before = asyncio.run(_revisions(settings))
    migrations.upgrade(settings.sqlalchemy_url)
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

    host, port = args.host or settings.host, args.port or settings.port
    _check_serve(settings, host, port)
    upgrade_database(settings)
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


def _check_serve(settings: Settings, host: str, port: int) -> None:
    """What `serve` needs, checked before anything starts (StartupError if not)."""
    from app import preflight

    if not settings.database_url or settings.secret_key is None:
        preflight.check_data_dir(settings)
    asyncio.run(preflight.check_database(settings, at_head=False))
    preflight.check_redis(settings)
    asyncio.run(preflight.check_pool(settings))
    preflight.check_port_free(host, port)


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
    from app.graphql.schema import possible_types, sdl

    if args.possible_types is not None:
        text = json.dumps(possible_types(), indent=2, sort_keys=True)
        Path(args.possible_types).write_text(text + "\n")
    if args.output is not None or args.possible_types is None:
        Path(args.output or "schema.graphql").write_text(sdl())
    return 0


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import make_engine, make_sessionmaker, unit_of_work
    from app.errors import DomainError
    from app.users import service

    password = _read_password(args.password_stdin)

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


def _read_password(from_stdin: bool) -> str:
    """The new user's password: stdin's first line, or asked twice on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise StartupError("no terminal to ask for the password: use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise StartupError("the two passwords differ")
    return password


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
