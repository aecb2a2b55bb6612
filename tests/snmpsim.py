"""snmpsim agents for tests: one responder process per loopback address.

snmpsim picks its data file by community (v2c) or context name (v3), so every
agent gets its own data dir; `SNMPSIM_ALLOW_ROOT` keeps it from dropping to
`nobody` when the tests run as root.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.scans import snmp

RESPONDER = shutil.which("snmpsim-command-responder") or "snmpsim-command-responder"


@dataclass(frozen=True)
class V3User:
    """A v3 user the agent accepts (SHA + AES)."""

    username: str
    auth_key: str
    priv_key: str


@dataclass
class Agent:
    """One running snmpsim responder."""

    address: str
    port: int
    records: dict[str, str]
    v3: V3User | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def snmprec(values: dict[str, tuple[int, object]]) -> str:
    """`.snmprec` text from {oid: (asn1 tag, value)}, sorted by OID."""

    def key(oid: str) -> tuple[int, ...]:
        return tuple(int(p) for p in oid.split("."))

    return "".join(
        f"{o}|{t}|{v}\n"
        for o, (t, v) in sorted(values.items(), key=lambda i: key(i[0]))
    )


def system(
    name: str, descr: str, object_id: str, uptime: int = 4242
) -> dict[str, tuple[int, object]]:
    """The SNMPv2-MIB system group."""
    return {
        "1.3.6.1.2.1.1.1.0": (4, descr),
        "1.3.6.1.2.1.1.2.0": (6, object_id),
        "1.3.6.1.2.1.1.3.0": (67, uptime),
        "1.3.6.1.2.1.1.5.0": (4, name),
    }


def _start(agent: Agent, root: Path) -> subprocess.Popen[bytes]:
    data = root / f"{agent.address}-{agent.port}"
    (data / "data").mkdir(parents=True)
    for name, text in agent.records.items():
        (data / "data" / f"{name}.snmprec").write_text(text)
    args = [
        RESPONDER,
        f"--data-dir={data / 'data'}",
        f"--cache-dir={data / 'cache'}",
        f"--agent-udpv4-endpoint={agent.address}:{agent.port}",
        "--logging-method=null",
    ]
    if agent.v3 is not None:
        args += [
            f"--v3-user={agent.v3.username}",
            f"--v3-auth-key={agent.v3.auth_key}",
            "--v3-auth-proto=SHA",
            f"--v3-priv-key={agent.v3.priv_key}",
            "--v3-priv-proto=AES",
        ]
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    with (data / "responder.log").open("wb") as log:
        return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


async def _wait_answering(agent: Agent) -> None:
    community = next(iter(agent.records))
    endpoint = snmp.Endpoint(agent.address, agent.port, timeout=0.3)
    auth = snmp.SnmpAuth("v2c", community=community)
    for _ in range(100):
        if agent.proc is not None and agent.proc.poll() is not None:
            raise RuntimeError(f"snmpsim on {agent.address} exited")
        if await snmp.get(endpoint, auth, ["1.3.6.1.2.1.1.5.0"]):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"snmpsim on {agent.address} did not answer")


@asynccontextmanager
async def agents(root: Path, wanted: Sequence[Agent]) -> AsyncIterator[list[Agent]]:
    """Start every agent, wait until each answers, stop them all afterwards."""
    async with AsyncExitStack() as stack:
        for agent in wanted:
            agent.proc = _start(agent, root)
            stack.callback(_stop, agent.proc)
        await asyncio.gather(*(_wait_answering(a) for a in wanted))
        yield list(wanted)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
