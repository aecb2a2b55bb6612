"""The ICMP echo probe for real, in a network namespace the test creates.

The host's `net.ipv4.ping_group_range` is "1 0" (no unprivileged ICMP), and it is
per namespace: `netns_icmp.py` runs under `unshare --net` (root in CI), where it
allows ICMP, silences one address with an nftables DROP and probes and scans.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
async def seen() -> dict[str, Any]:
    """What the probes and the scan saw inside the namespace."""
    missing = [t for t in ("unshare", "ip", "nft") if shutil.which(t) is None]
    assert not missing, f"needed for the ICMP test: {missing} (.ci/run installs them)"
    proc = await asyncio.create_subprocess_exec(
        "unshare",
        "--net",
        sys.executable,
        "-m",
        "tests.scans.netns_icmp",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
    return dict(json.loads(out))


class TestIcmpEcho:
    async def test_namespace_starts_without_unprivileged_icmp(
        self, seen: dict[str, Any]
    ) -> None:
        assert seen["icmp_off_before"] is True
        assert seen["auto"] == "icmp"

    async def test_reachable_address_answers_echo(self, seen: dict[str, Any]) -> None:
        up = seen["up"]
        assert (up["reachable"], up["method"]) == (True, "icmp")
        assert 0 <= up["latency_ms"] < 500

    async def test_dropped_address_is_unreachable_after_the_timeout(
        self, seen: dict[str, Any]
    ) -> None:
        silent = seen["silent"]
        assert (silent["reachable"], silent["method"]) == (False, "icmp")
        assert silent["latency_ms"] is None
        assert 0.5 <= silent["elapsed"] < 2.0

    async def test_concurrent_probes_each_get_their_reply(
        self, seen: dict[str, Any]
    ) -> None:
        assert seen["concurrent"] == [True] * 32

    async def test_scan_records_icmp_as_the_method(self, seen: dict[str, Any]) -> None:
        scan = seen["scan"]
        assert (scan["status"], scan["discovered"]) == ("completed", 1)
        assert scan["results"] == {
            "127.0.0.1": {"reachable": True, "method": "icmp"},
            "127.66.0.9": {"reachable": False, "method": "icmp"},
        }
        assert scan["reached_by"] == {"127.0.0.1": "icmp"}
