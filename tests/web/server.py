"""A real `opsgraph serve` in embedded mode, as the README's serve command runs it.

SQLite in a fresh data dir and the in-process worker; the admin is created with
`opsgraph users create`, the way a new user does it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import UNTHROTTLED, free_port

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60


@dataclass(frozen=True)
class Login:
    """A username and its password."""

    username: str
    password: str


ADMIN = Login("admin", "console-admin-password-1")


def serve_env(data_dir: Path) -> dict[str, str]:
    """This process's environment without OPSGRAPH_* settings, plus the test's.

    The rate limits are raised (as for every test app): each test logs in
    afresh, more often than the default 5 logins a minute allow.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    limits = {f"OPSGRAPH_{k.upper()}": v for k, v in UNTHROTTLED.items()}
    return env | limits | {"PYTHONPATH": str(ROOT), "OPSGRAPH_DATA_DIR": str(data_dir)}


async def create_user(env: dict[str, str], login: Login, role: str, log: Path) -> None:
    """`opsgraph users create --password-stdin`; fails the test if it fails."""
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "app.cli", "users", "create"),
            *("--username", login.username, "--role", role, "--password-stdin"),
            stdin=asyncio.subprocess.PIPE,
            stdout=out,
            stderr=out,
            env=env,
            cwd=ROOT,
        )
        await proc.communicate(f"{login.password}\n".encode())
    assert proc.returncode == 0, log.read_text()


async def wait_ready(
    base_url: str, proc: asyncio.subprocess.Process, log: Path
) -> None:
    """Poll /readyz until it answers 200; fail if the process exits first."""
    async with (
        asyncio.timeout(START_SECONDS),
        httpx.AsyncClient(base_url=base_url, timeout=2) as client,
    ):
        while not await _ready(client):
            assert proc.returncode is None, log.read_text()
            await asyncio.sleep(0.2)


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, then wait for the process (SIGKILL if it hangs)."""
    if proc.returncode is None:
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 20)
    except TimeoutError:
        proc.kill()
        await proc.wait()


@asynccontextmanager
async def opsgraph_serve(workdir: Path) -> AsyncIterator[str]:
    """Run `opsgraph serve` on a free loopback port; its base URL."""
    env = serve_env(workdir / "data")
    log = workdir / "serve.log"
    await create_user(env, ADMIN, "admin", log)
    port = free_port()
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "app.cli", "serve", "--port", str(port)),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            cwd=ROOT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base_url, proc, log)
        yield base_url
    finally:
        await stop(proc)
