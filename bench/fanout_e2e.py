"""The fan-out end to end: `opsgraph serve` and `opsgraph worker` as processes.

Distributed mode (PostgreSQL + Redis). The bench seeds one device and one SSH
credential per host (host keys pinned), then times a GraphQL `runCommand` from
the request until an `executionsChanged` subscription reports the terminal
status. CPU is the API's plus the worker's over that window (psutil).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from app.credentials import service as credentials_service
from app.credentials import vault
from app.db import make_engine, make_sessionmaker, unit_of_work
from app.devices.models import Device
from app.settings import Settings
from app.users import service as users_service
from tests.gqlws import connect
from tests.sshd import SSHServer

ROOT = Path(__file__).resolve().parent.parent
RUN_COMMAND = """
mutation Run($ids: [Int!]!, $command: String!) {
  runCommand(deviceIds: $ids, command: $command) {
    __typename
    ... on RunCommandSuccess { execution { id } }
  }
}"""
CHANGED = "subscription { executionsChanged { id status } }"
TERMINAL = ("completed", "failed", "cancelled")
SUBSCRIBE_SETTLE_SECONDS = 0.3
RUN_TIMEOUT_SECONDS = 300


@dataclass
class Stack:
    """A running API and worker, and what a client needs to call them."""

    base_url: str
    token: str
    device_ids: list[int]
    processes: list[psutil.Process]

    def cpu(self) -> tuple[float, float]:
        """CPU seconds the API and the worker process have used so far."""
        api, worker = (p.cpu_times() for p in self.processes)
        return api.user + api.system, worker.user + worker.system


def child_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment of the API and worker processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    assert settings.secret_key is not None
    assert settings.redis_url is not None
    return env | {
        "PYTHONPATH": str(ROOT),
        "OPSGRAPH_DATABASE_URL": settings.sqlalchemy_url,
        "OPSGRAPH_REDIS_URL": settings.redis_url,
        "OPSGRAPH_SECRET_KEY": settings.secret_key.get_secret_value(),
        "OPSGRAPH_SSH_CONCURRENCY": str(settings.ssh_concurrency),
        "OPSGRAPH_PORT": str(port),
    }


async def seed(
    settings: Settings, servers: Sequence[SSHServer]
) -> tuple[str, list[int]]:
    """A bench user's access token and one device (with credential) per server."""
    vault.configure(settings)
    engine = make_engine(settings.sqlalchemy_url)
    tag = secrets.token_hex(4)
    ids = []
    try:
        async with unit_of_work(make_sessionmaker(engine)) as s:
            await users_service.ensure_builtin_roles(s)
            user = await users_service.create_user(
                s, f"bench-{tag}", secrets.token_urlsafe(16), roles=["admin"]
            )
            issued = await users_service.start_session(
                s, user, settings.signing_key, timedelta(hours=1), None
            )
            for i, server in enumerate(servers):
                ids.append(await _device(s, server, f"fan-{tag}-{i}"))
    finally:
        await engine.dispose()
    return issued.access_token, ids


async def _device(session: Any, server: SSHServer, name: str) -> int:
    data = credentials_service.input_from(
        {"private_key": server.client_key},
        name=name,
        credential_type="ssh",
        username=server.username,
    )
    cred = await credentials_service.create_credential(
        session, credentials_service.SYSTEM, data
    )
    device = Device(
        name=name,
        hostname=name,
        address=server.host,
        port=server.port,
        credential_id=cred.id,
        host_key=server.host_key,
    )
    session.add(device)
    await session.flush()
    return int(device.id)


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[int]:
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603  our own CLI
            [sys.executable, "-m", "app.cli", *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base_url: str, api_pid: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not psutil.pid_exists(api_pid):
            break
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API did not become healthy (see api.log)")


@contextmanager
def running(
    settings: Settings, servers: Sequence[SSHServer], logs: Path
) -> Iterator[Stack]:
    """Seed the hosts, start `opsgraph worker` and `opsgraph serve`."""
    token, ids = asyncio.run(seed(settings, servers))
    port = _free_port()
    env = child_env(settings, port)
    with (
        _process(["worker"], env, logs / "worker.log") as worker,
        _process(["serve"], env, logs / "api.log") as api,
    ):
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(base_url, api)
        procs = [psutil.Process(api), psutil.Process(worker)]
        yield Stack(base_url, token, ids, procs)


async def run(stack: Stack, command: str, device_ids: Sequence[int]) -> float:
    """Submit `command` through GraphQL; seconds until the terminal status."""
    headers = {"Authorization": f"Bearer {stack.token}"}
    ws_url = stack.base_url.replace("http://", "ws://") + "/graphql"
    async with (
        connect(ws_url, stack.token) as ws,
        httpx.AsyncClient(base_url=stack.base_url, headers=headers) as http,
    ):
        await ws.subscribe(CHANGED)
        # let the subscription start tailing before the clock does: a client
        # watching its dashboard, and no chance of missing a fast run's end
        await asyncio.sleep(SUBSCRIBE_SETTLE_SECONDS)
        started = time.perf_counter()
        body = {
            "query": RUN_COMMAND,
            "variables": {"ids": device_ids, "command": command},
        }
        reply = (await http.post("/graphql", json=body, timeout=60)).json()
        payload = reply["data"]["runCommand"]
        assert payload["__typename"] == "RunCommandSuccess", reply
        wanted = payload["execution"]["id"]
        while True:
            async with asyncio.timeout(RUN_TIMEOUT_SECONDS):
                change = (await ws.next_data())["executionsChanged"]
            if change["id"] == wanted and change["status"] in TERMINAL:
                elapsed = time.perf_counter() - started
                assert change["status"] == "completed", change
                return elapsed
