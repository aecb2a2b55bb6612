"""Shared fixtures: real PostgreSQL and Redis, a real uvicorn server per app.

PostgreSQL and Redis come from OPSGRAPH_TEST_DATABASE_URL / OPSGRAPH_TEST_REDIS_URL
(defaults: loopback), one database of each per pytest-xdist worker. Unreachable
peers skip the tests that need them on a laptop, but fail the run under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from argon2 import PasswordHasher, profiles
from sqlalchemy import exists, literal, select, text, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from xdist.scheduler import LoadFileScheduling

from app import events
from app.cli import upgrade_database, uvicorn_options
from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.main import BackgroundRunner, create_app
from app.models import Base
from app.settings import Settings
from app.users import passwords
from app.users import service as users_service
from tests.sshd import SSHServer, asyncssh_server

# pytest-xdist runs the suite in worker processes gw0, gw1, ...: each gets its
# own database (the name suffixed with the worker) and the Redis database
# numbered the configured one plus the worker's number.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def per_worker_database(url: str) -> str:
    """`url` with this worker's database name."""
    if not WORKER:
        return url
    parsed = make_url(url)
    named = parsed.set(database=f"{parsed.database}_{WORKER}")
    return named.render_as_string(hide_password=False)


def per_worker_redis(url: str) -> str:
    """`url` with this worker's Redis database number."""
    if not WORKER:
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + int(WORKER.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{number}"))


DATABASE_URL = per_worker_database(
    os.environ.get(
        "OPSGRAPH_TEST_DATABASE_URL",
        "postgresql+asyncpg://postgres@127.0.0.1:5432/opsgraph_test",
    )
)
REDIS_URL = per_worker_redis(
    os.environ.get("OPSGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
)
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_KEY = "test-signing-key-not-secret-0123456789abcdef"


def unavailable(what: str, exc: BaseException) -> None:
    """Skip on a laptop, fail in CI: a missing peer must never pass silently."""
    message = f"{what} unreachable: {type(exc).__name__}: {exc}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


async def _recreate_database(url: str) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its cheapest parameters for the apps this process runs.

    The production parameters (64 MiB, 3 passes, 4 lanes) cost about 75 ms of
    CPU per hash or check on an idle core, and nearly every test creates a user
    or logs in. The code path is unchanged; `opsgraph` subprocesses keep the
    production parameters.
    """
    hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", hasher)
        patch.setattr(passwords, "_DUMMY_HASH", hasher.hash("opsgraph-test-dummy"))
        yield


@pytest.fixture(scope="session")
async def pg_url() -> str:
    """A fresh, migrated PostgreSQL database for this test session."""
    try:
        await _recreate_database(DATABASE_URL)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", exc)
    await asyncio.to_thread(upgrade_database, pg_settings(DATABASE_URL))
    return DATABASE_URL


@pytest.fixture(scope="session")
async def redis_url() -> str:
    """A Redis database emptied for this test session."""
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except (OSError, aioredis.ConnectionError) as exc:
        unavailable("Redis", exc)
    finally:
        await client.aclose()
    return REDIS_URL


# Rate limits high enough that no test is throttled unless it lowers them itself.
UNTHROTTLED = {"rate_limit_auth": "10000/minute", "rate_limit_default": "100000/minute"}


def pg_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for PostgreSQL with the memory bus (redis_url unset)."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=TEST_KEY,
        **{**UNTHROTTLED, **overrides},
    )


@pytest.fixture(scope="session")
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """The session-wide engine on the test database."""
    eng = make_engine(pg_url)
    yield eng
    await eng.dispose()


# Every table of the models, parents before children (emptied in reverse).
TABLES = Base.metadata.sorted_tables
# The tables that hold rows, in one round trip.
_FILLED = union_all(
    *(select(literal(i)).where(exists().select_from(t)) for i, t in enumerate(TABLES))
)
# Back to its start value: every sequence a table of the models owns and
# something drew from (what TRUNCATE .. RESTART IDENTITY did).
_RESTART_SEQUENCES = text(
    "SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s"
    " JOIN pg_depend d ON d.classid = 'pg_class'::regclass"
    " AND d.objid = s.seqrelid AND d.refclassid = 'pg_class'::regclass"
    " JOIN pg_class t ON t.oid = d.refobjid"
    " WHERE t.relname = ANY(:tables)"
    " AND pg_sequence_last_value(s.seqrelid) IS NOT NULL"
).bindparams(tables=[t.name for t in TABLES])


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row the test left and restart the sequences it used.

    DELETE on the few filled tables instead of one TRUNCATE of all of them:
    TRUNCATE swaps the files of every table and index (about half a second
    for 60 tables), and most tests fill only a handful.
    """
    async with engine.begin() as conn:
        filled = sorted((await conn.execute(_FILLED)).scalars(), reverse=True)
        for n in filled:
            await conn.execute(TABLES[n].delete())
        await conn.execute(_RESTART_SEQUENCES)


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[Sessionmaker]:
    """A session factory on the test database; every table is emptied afterwards."""
    yield make_sessionmaker(engine)
    # A background writer (log sink, dispatcher) of the test that just ended may
    # still hold a row lock: PostgreSQL then picks one side of the deadlock.
    for attempt in range(5):
        try:
            await empty_tables(engine)
        except DBAPIError as exc:
            if "deadlock" not in str(exc) or attempt == 4:
                raise
            await asyncio.sleep(0.2)
        else:
            return


@pytest.fixture
async def session(db: Sessionmaker) -> AsyncIterator[AsyncSession]:
    """One session for service and repository tests."""
    async with db() as s:
        yield s


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningApp:
    """A real uvicorn server on loopback, with an HTTP client bound to it."""

    def __init__(self, settings: Settings, base_url: str, client: httpx.AsyncClient):
        self.settings = settings
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://") + "/graphql"
        self.http = client

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL operation and return the decoded body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def serve(
    settings: Settings, background: BackgroundRunner | None = None
) -> AsyncIterator[RunningApp]:
    """Run create_app(settings) under uvicorn on a free loopback port.

    The socket is bound here and handed over, so no other test (or xdist
    worker) can take the port between choosing and listening. It names
    IPPROTO_TCP: asyncio sets TCP_NODELAY only on connections of such a
    socket, and without it every response written in two parts waits out
    the client's delayed ACK (40 ms).
    """
    asgi = create_app(settings, background=background)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            asgi,
            host="127.0.0.1",
            port=port,
            lifespan="on",
            **{**uvicorn_options(settings), "log_level": "warning"},
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                yield RunningApp(settings, base, client)
        finally:
            server.should_exit = True
            await task
            events.configure(settings)


@pytest.fixture
async def app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API on the test database (memory bus, stub broker, no worker)."""
    async with serve(pg_settings(pg_url)) as running:
        yield running


TokenFactory = Callable[..., Awaitable[str]]


@pytest.fixture
def make_user(db: Sessionmaker) -> TokenFactory:
    """Create a user with `roles` and return an access token for it."""

    async def factory(
        username: str = "alice",
        roles: tuple[str, ...] = ("admin",),
        password: str = "correct-horse-battery",
    ) -> str:
        async with unit_of_work(db) as s:
            await users_service.ensure_builtin_roles(s)
            user = await users_service.create_user(
                s, username, password, roles=list(roles)
            )
            issued = await users_service.start_session(
                s, user, TEST_KEY, timedelta(minutes=30), None
            )
        return issued.access_token

    return factory


ADMIN = "root"


@pytest.fixture
async def admin(make_user: TokenFactory) -> dict[str, str]:
    """Bearer headers of an admin user named ADMIN."""
    return {"Authorization": f"Bearer {await make_user(ADMIN, ('admin',))}"}


@pytest.fixture
async def server() -> AsyncIterator[SSHServer]:
    """An asyncssh server on loopback: password and key login, /bin/sh commands."""
    async with asyncssh_server() as running:
        yield running


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    """An empty data dir for embedded-mode runs."""
    path = tmp_path / "data"
    path.mkdir()
    return path


# The fuzz tests are the longest (minutes each) and independent of each other.
FUZZ = "tests/fuzz/"


class FuzzApartScheduling(LoadFileScheduling):
    """`--dist loadfile`, except that every fuzz test is a unit of its own.

    Collected first (below) and sent out first, they spread over the workers
    while the files of shorter tests fill the gaps.
    """

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(FUZZ):
            return nodeid
        return str(super()._split_scope(nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(
    config: pytest.Config, log: Any
) -> FuzzApartScheduling | None:
    """Schedule `--dist loadfile` runs with FuzzApartScheduling."""
    if config.getvalue("dist") != "loadfile":
        return None
    return FuzzApartScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest first: the fuzz tests, then the rest in collection order."""
    items.sort(key=lambda item: not item.nodeid.startswith(FUZZ))
