"""GraphQL `devices` list vs a bare Starlette JSON endpoint: same rows, same SQL.

Both endpoints authenticate the bearer token the same way and call the same
service (`devices.service.list_devices`: one COUNT and one page SELECT); the
difference is GraphQL parsing, validation, permission classes and field
resolution. Run: `python -m bench.device_list` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import auth
from app.cli import upgrade_database
from app.db import make_engine, make_sessionmaker, unit_of_work
from app.devices import service
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.graphql.pagination import encode_cursor
from app.main import create_app
from app.settings import Settings
from app.users import service as users_service

SIZES = (1, 50, 1000)
TARGETS = {1: 1.5, 50: 2.0, 1000: 3.0}
FIELDS = (
    "id number name hostname address port deviceType vendor model softwareVersion "
    "status lastSeen healthStatus createdAt"
)
QUERY = (
    "query($n: Int!) { devices(first: $n) { totalCount "
    "pageInfo { hasNextPage endCursor } edges { cursor node { " + FIELDS + " } } } }"
)


def _row(d: Any) -> dict[str, Any]:
    return {
        "id": global_id(Device, d.id),
        "number": d.id,
        "name": d.name,
        "hostname": d.hostname,
        "address": d.address,
        "port": d.port,
        "deviceType": d.device_type,
        "vendor": d.vendor,
        "model": d.model,
        "softwareVersion": d.software_version,
        "status": d.status,
        "lastSeen": d.last_seen.isoformat() if d.last_seen else None,
        "healthStatus": d.health_status,
        "createdAt": d.created_at.isoformat(),
    }


def bare_app(settings: Settings) -> Starlette:
    """The reference: auth, the same service call, json.dumps of the rows."""
    db = make_sessionmaker(make_engine(settings.sqlalchemy_url))

    async def devices(request: Request) -> JSONResponse:
        token = auth.bearer_token(request.headers.get("authorization")) or ""
        await users_service.principal_from_token(db, settings.signing_key, token)
        body = await request.json()
        n = int(body["variables"]["n"])
        async with db() as session:
            rows, total = await service.list_devices(
                session, service.DeviceFilter(limit=n)
            )
        edges = [{"cursor": encode_cursor([d.id]), "node": _row(d)} for d in rows]
        page = {
            "hasNextPage": len(rows) < total,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return JSONResponse(
            {
                "data": {
                    "devices": {"totalCount": total, "pageInfo": page, "edges": edges}
                }
            }
        )

    return Starlette(routes=[Route("/devices", devices, methods=["POST"])])


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[str]:
    """`app` under uvicorn on a free loopback port."""
    port = _port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  uvicorn exposes a flag, no event
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def seed(settings: Settings, count: int) -> str:
    """`count` devices and an admin; returns the admin's access token."""
    db = make_sessionmaker(make_engine(settings.sqlalchemy_url))
    async with unit_of_work(db) as s:
        await users_service.ensure_builtin_roles(s)
        user = await users_service.create_user(
            s, "bench", "bench-password", roles=["admin"]
        )
        for i in range(count):
            await service.create_device(
                s,
                service.DeviceInput(
                    address=f"127.1.{i // 250}.{i % 250}", name=f"d{i}"
                ),
            )
        issued = await users_service.start_session(
            s, user, settings.signing_key, timedelta(hours=1), None
        )
    return issued.access_token


async def timed(
    client: httpx.AsyncClient, gql: Any, bare: Any, rounds: int
) -> tuple[float, float]:
    """Median seconds per request of each, interleaved so load hits both alike."""
    for _ in range(5):
        await gql(client)
        await bare(client)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for send, into in ((gql, samples[0]), (bare, samples[1])):
            started = time.perf_counter()
            await send(client)
            into.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def sender(url: str, n: int) -> Any:
    """A request for `n` devices (the same JSON body for both endpoints)."""

    async def send(client: httpx.AsyncClient) -> None:
        r = await client.post(url, json={"query": QUERY, "variables": {"n": n}})
        body = r.json()
        assert len((body["data"] or {}).get("devices", {}).get("edges", [])) == n, body

    return send


async def measure(settings: Settings, rounds: int) -> list[tuple[int, float, float]]:
    """(rows, graphql seconds, bare seconds) for each size."""
    token = await seed(settings, max(SIZES))
    headers = {"Authorization": f"Bearer {token}"}
    results = []
    async with (
        running(create_app(settings)) as gql_url,
        running(bare_app(settings)) as bare_url,
        httpx.AsyncClient(headers=headers, timeout=60) as client,
    ):
        for n in SIZES:
            gql = sender(f"{gql_url}/graphql", n)
            bare = sender(f"{bare_url}/devices", n)
            results.append((n, *await timed(client, gql, bare, rounds)))
    return results


def main() -> None:
    """Print median latencies and GraphQL/bare ratios per size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            database_url=args.database_url,
            secret_key="bench-signing-key-0123456789abcdef",
            # The limiter still runs on every request, it just never refuses.
            rate_limit_default="1000000/minute",
        )
        upgrade_database(settings)
        results = asyncio.run(measure(settings, args.rounds))
    print(f"{'rows':>6} {'graphql ms':>11} {'bare ms':>9} {'ratio':>6} {'target':>7}")
    for n, gql, bare in results:
        ratio = gql / bare
        verdict = "ok" if ratio <= TARGETS[n] else "OVER"
        print(
            f"{n:>6} {gql * 1000:>11.2f} {bare * 1000:>9.2f} {ratio:>6.2f}"
            f" {TARGETS[n]:>6.1f}x {verdict}"
        )


if __name__ == "__main__":
    main()
