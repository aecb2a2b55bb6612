"""Every REST route and GraphQL operation, fed what scanners and careless clients send.

One app per database (PostgreSQL and embedded SQLite); as admin. No answer may be
a 5xx or an error outside the surface's documented shape and codes, and no ERROR
record with a traceback may be logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from app.cli import upgrade_database
from app.compat import base
from app.compat.registry import SURFACES
from app.graphql.schema import schema
from app.settings import Settings
from tests.compat import documented, graphql_sweep
from tests.conftest import UNTHROTTLED, RunningApp, pg_settings, serve

ADMIN_PASSWORD = "sweep-admin-password"
IDS = ["100000000000000000000", str(2**63), str(2**31), "-1", "abc", "²"]
PAGES = [str(10**20), str(2**63), "-1", "²"]
PAGING = ["page", "limit", "offset", "per_page", "page_size", "size", "skip"]
# Routes that end the admin's session or the process: not swept as admin.
SKIPPED = {("POST", "/auth/logout")}
# Every field gets 3,000 characters (past every length limit); these get 100,000.
# Each nulled alone in an update (all of them at once fails on the first).
NULLED = ["name", "hostname", "device_type", "description", "username", "content"]
NULLED += ["credential_type", "enabled", "status", "title", "url", "type", "port"]
LONG_FIELDS = ["name", "hostname", "description", "content", "body", "url", "script"]


def _field_names() -> list[str]:
    """Every field any compat request model declares."""
    names: set[str] = set()
    pending: list[type[BaseModel]] = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("app.compat"):
            names.update(model.model_fields)
    return sorted(names)


def _bodies(fields: list[str]) -> list[dict[str, Any]]:
    """Request kwargs for httpx: nulls, huge strings and ints, lists, non-JSON."""
    return [
        {"json": dict.fromkeys(fields)},
        {"json": dict.fromkeys(fields, "x" * 3_000)},
        {"json": dict.fromkeys(LONG_FIELDS, "x" * 100_000)},
        {"json": dict.fromkeys(fields, 10**20)},
        {"json": {key: [] for key in fields}},
        {"json": [1, {"a": None}]},
        {"json": "a string"},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"content": b"plain words", "headers": {"content-type": "text/plain"}},
        {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}},
    ]


BODIES = _bodies(_field_names())


def _fill(path: str, value: str) -> str:
    return "/".join(value if p.startswith("{") else p for p in path.split("/"))


def _requests(prefix: str, route: base.CompatRoute) -> list[tuple[str, dict[str, Any]]]:
    """(path, httpx kwargs) pairs for one route: hostile ids, paging and bodies."""
    path = prefix + route.path
    target = _fill(path, "1")
    out = [(_fill(path, v), {"json": {}}) for v in IDS if "{" in path]
    if route.method == "GET":
        out += [(target, {"params": dict.fromkeys(PAGING, v)}) for v in PAGES]
    if route.method in ("POST", "PUT", "PATCH"):
        out += [(target, kwargs) for kwargs in BODIES]
    if route.method in ("PUT", "PATCH"):
        out += [(target, {"json": {field: None}}) for field in NULLED]
    return out


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


# Objects with id 1, so that bodies reach an update rather than a 404.
SEEDS = [
    ("/api/devices", {"ip_address": "127.0.0.1", "hostname": "seed"}),
    ("/api/groups", {"name": "seed"}),
    (
        "/api/credentials",
        {"name": "seed", "credential_type": "ssh", "username": "u", "password": "p"},
    ),
    ("/api/workflows/folders", {"name": "seed"}),
    ("/api/workflows/tags", {"name": "seed"}),
    ("/api/notifications/templates", {"name": "seed", "body": "x"}),
    (
        "/api/v1/playbooks",
        {"name": "seed", "steps": [{"type": "command", "action": "a"}]},
    ),
    ("/birun/api/scripts/", {"name": "seed", "content": "true"}),
]


async def _admin(app: RunningApp) -> dict[str, str]:
    login = await app.http.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['data']['session_token']}"}
    for path, body in SEEDS:
        seeded = await app.http.post(path, json=body, headers=headers)
        assert seeded.status_code in (200, 201), (path, seeded.text)
    return headers


async def _sweep(app: RunningApp) -> list[str]:
    headers = await _admin(app)
    gate = asyncio.Semaphore(8)
    failures: list[str] = []

    async def send(
        surface: str, method: str, path: str, kwargs: dict[str, Any]
    ) -> None:
        kwargs = {**kwargs, "headers": {**headers, **kwargs.get("headers", {})}}
        async with gate:
            response = await app.http.request(method, path, **kwargs)
        why = documented.problem(surface, response)
        if response.status_code >= 500 or why is not None:
            shown = {k: str(v)[:60] for k, v in kwargs.items() if k != "headers"}
            failures.append(f"{response.status_code} {method} {path} {shown} {why}")

    calls = [
        (name, route.method, path, kwargs)
        for name, surface in SURFACES
        for route in surface.routes
        if (route.method, route.path) not in SKIPPED
        for path, kwargs in _requests(app.settings.rest_prefix(name), route)
    ]
    await asyncio.gather(*(send(*c) for c in calls if c[1] != "DELETE"))
    await asyncio.gather(
        *(
            _graphql(app, headers, gate, query, values, failures)
            for query, values in graphql_sweep.operations(schema._schema)
        )
    )
    # Deletions last, one at a time: the seeded objects must outlive the updates.
    for call in calls:
        if call[1] == "DELETE":
            await send(*call)
    return failures


async def _graphql(
    app: RunningApp,
    headers: dict[str, str],
    gate: asyncio.Semaphore,
    query: str,
    values: dict[str, Any],
    failures: list[str],
) -> None:
    async with gate:
        response = await app.http.post(
            "/graphql", json={"query": query, "variables": values}, headers=headers
        )
    errors = response.json().get("errors") or [] if response.status_code < 500 else []
    crashed = [e for e in errors if e.get("message") == "Unexpected error."]
    if response.status_code >= 500 or crashed:
        shown = {k: str(v)[:20] for k, v in values.items()}
        failures.append(f"{response.status_code} {query[:90]} {shown}")


@pytest.fixture
async def tracebacks() -> AsyncIterator[_Tracebacks]:
    handler = _Tracebacks()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _check(failures: list[str], tracebacks: _Tracebacks) -> None:
    logged = sorted(
        {f"{r.getMessage()[:120]}: {r.exc_info[1]!r}"[:300] for r in tracebacks.records}
    )
    assert not failures + logged, "\n".join(sorted(failures) + logged)


async def test_postgresql_answers_no_5xx(
    db: object, pg_url: str, tracebacks: _Tracebacks
) -> None:
    settings = pg_settings(pg_url, admin_password=ADMIN_PASSWORD)
    async with serve(settings) as app:
        failures = await _sweep(app)
    _check(failures, tracebacks)


async def test_sqlite_answers_no_5xx(tmp_path: Path, tracebacks: _Tracebacks) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        admin_password=ADMIN_PASSWORD,
        **UNTHROTTLED,
    )
    await asyncio.to_thread(upgrade_database, settings)
    async with serve(settings) as app:
        failures = await _sweep(app)
    _check(failures, tracebacks)
