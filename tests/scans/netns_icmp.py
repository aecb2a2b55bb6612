"""ICMP echo probes and an ICMP scan, run inside a private network namespace.

`test_icmp.py` starts this module under `unshare --net` (a new, empty network
namespace owned by the test): it brings up `lo`, allows unprivileged ICMP
sockets there (`net.ipv4.ping_group_range` is per namespace), silences one
loopback address with an nftables DROP rule, then probes and scans and prints
what it saw as JSON. Nothing here can reach the host's network.

The scan runs in embedded mode (a SQLite file), since the test's PostgreSQL
lives in the host's namespace.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app import jobs
from app.cli import upgrade_database
from app.db import make_engine, make_sessionmaker
from app.devices import service as devices_service
from app.scans import probes, runner, service
from app.settings import Settings

PING_GROUP_RANGE = Path("/proc/sys/net/ipv4/ping_group_range")
UP = "127.0.0.1"
SILENT = "127.66.0.9"
WAIT = 0.5


def _prepare() -> bool:
    """Bring up lo, drop what arrives for SILENT; True if ICMP was off before.

    The rule sits on input: a DROP on output would fail the send at once
    (EPERM) instead of leaving the echo request unanswered.
    """
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)  # noqa: S607
    was_off = not probes.icmp_available.__wrapped__()
    PING_GROUP_RANGE.write_text("0 2147483647\n")
    rules = (
        "table ip opsgraph_test {\n"
        " chain in {\n"
        "  type filter hook input priority 0; policy accept;\n"
        f"  ip daddr {SILENT} drop\n"
        " }\n"
        "}\n"
    )
    subprocess.run(["nft", "-f", "-"], input=rules.encode(), check=True)  # noqa: S607
    return was_off


async def _probe(address: str) -> dict[str, Any]:
    started = time.perf_counter()
    found = await probes.reach(address, "icmp", [], WAIT)
    return {
        "reachable": found.reachable,
        "method": found.method,
        "latency_ms": found.latency_ms,
        "elapsed": time.perf_counter() - started,
    }


async def _scan(settings: Settings) -> dict[str, Any]:
    db = make_sessionmaker(make_engine(settings.sqlalchemy_url))
    scan = await service.start_scan(
        db,
        settings,
        scan_type="ping",
        target_list=[UP, SILENT],
        options={"ping": True, "snmp": False, "ping_method": "auto", "timeout": WAIT},
        user_id=None,
        may_use_credentials=True,
    )
    await runner.run_scan(db, settings, scan.id)
    async with db() as session:
        done, results = await service.scan_results(session, scan.id)
        devices = {
            r.address: (await devices_service.get_device(session, r.device_id)).facts
            for r in results
            if r.device_id is not None
        }
    return {
        "status": done.status,
        "discovered": done.discovered_devices,
        "results": {
            r.address: {"reachable": r.reachable, "method": r.method} for r in results
        },
        "reached_by": {a: f.get("reached_by") for a, f in devices.items()},
    }


async def main(settings: Settings, was_off: bool) -> None:
    report = {
        "icmp_off_before": was_off,
        "auto": probes.choose_method("auto"),
        "up": await _probe(UP),
        "silent": await _probe(SILENT),
        "concurrent": [
            r.reachable
            for r in await asyncio.gather(
                *(probes.reach(f"127.0.0.{n}", "icmp", [], WAIT) for n in range(1, 33))
            )
        ],
        "scan": await _scan(settings),
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    off = _prepare()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = Settings(_env_file=None, data_dir=Path(tmp), secret_key="n" * 40)
        upgrade_database(embedded)
        jobs.make_broker(embedded)
        asyncio.run(main(embedded, off))
