"""The scan engine against real snmpsim agents and TCP listeners on a loopback /28."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from app import events
from app.db import Sessionmaker
from app.scans import probes, runner, service, snmp
from app.settings import Settings
from tests.scans.conftest import V3, Lab
from tests.snmpsim import Agent


def _options(lab: Lab, **extra: Any) -> dict[str, Any]:
    return {
        "ping": True,
        "snmp": True,
        "ssh": True,
        "ping_method": "tcp",
        "tcp_ports": [lab.tcp_port],
        "ssh_port": lab.tcp_port,
        "snmp_port": lab.snmp_port,
        "snmp_communities": ["public", "private"],
        "snmp_v3_users": [
            {
                "username": V3.username,
                "auth_key": V3.auth_key,
                "priv_key": V3.priv_key,
                "context": "inventory",
            }
        ],
        "timeout": 0.5,
        **extra,
    }


async def _start(
    db: Sessionmaker, settings: Settings, targets: list[str], options: dict[str, Any]
) -> Any:
    return await service.start_scan(
        db,
        settings,
        scan_type="discovery",
        target_list=targets,
        options=options,
        user_id=None,
        may_use_credentials=True,
    )


def _assert_snmp_hosts(by_address: dict[str, Any], lab: Lab) -> None:
    cisco = by_address[lab.host(1)].snmp
    assert cisco is not None
    assert (cisco["sys_name"], cisco["vendor"], cisco["model"]) == (
        "sw-core-1",
        "Cisco",
        "C2960",
    )
    assert cisco["sys_object_id"] == "1.3.6.1.4.1.9.1.716"
    assert (cisco["sys_uptime"], cisco["auth"]) == (4242, "v2c")
    juniper = by_address[lab.host(2)].snmp
    assert juniper is not None
    assert (juniper["vendor"], juniper["model"]) == ("Juniper", "mx480")
    linux = by_address[lab.host(3)].snmp
    assert linux is not None
    assert (linux["sys_name"], linux["auth"]) == ("srv-1", "v3:opsuser")
    assert linux["vendor"] == "Net-SNMP"


class TestRunScan:
    async def test_slash_28_finds_snmp_tcp_and_silent_hosts(
        self,
        db: Sessionmaker,
        settings: Settings,
        lab: Lab,
        agents: list[Agent],
        listeners: None,
    ) -> None:
        options = _options(lab, window=16, timeout=1.0)
        scan = await _start(db, settings, [lab.net], options)
        started = time.perf_counter()
        await runner.run_scan(db, settings, scan.id)
        elapsed = time.perf_counter() - started
        async with db() as session:
            done, results = await service.scan_results(session, scan.id)
        by_address = {r.address: r for r in results}
        counters = (done.status, done.progress, done.total_targets)
        assert (*counters, done.completed_targets, done.discovered_devices) == (
            ("completed", 100, 14, 14, 5)
        )
        assert sorted(by_address) == sorted(lab.host(i) for i in range(1, 15))
        _assert_snmp_hosts(by_address, lab)
        ssh_host = by_address[lab.host(4)]
        assert (ssh_host.reachable, ssh_host.method) == (True, "tcp")
        assert ssh_host.open_ports == [lab.tcp_port]
        assert ssh_host.ssh == {
            "port": lab.tcp_port,
            "banner": "SSH-2.0-OpenSSH_9.2 test",
        }
        plain = by_address[lab.host(5)]
        assert (plain.reachable, plain.ssh, plain.snmp) == (True, None, None)
        silent = [by_address[lab.host(n)] for n in range(6, 15)]
        assert {(r.reachable, r.discovered, r.snmp) for r in silent} == {
            (False, False, None)
        }
        # 14 targets fit one window: one round of v3 + two communities, not 14.
        assert elapsed < 3 * 1.0 + 3.0

    async def test_progress_events_are_in_order_and_complete(
        self, db: Sessionmaker, settings: Settings, lab: Lab, listeners: None
    ) -> None:
        targets = [f"{lab.host(4)}-{lab.host(9).rsplit('.', 1)[1]}"]
        scan = await _start(db, settings, targets, _options(lab, snmp=False, window=2))
        await runner.run_scan(db, settings, scan.id)
        stored = await events.history(db, service.stream_of(scan.id), 0)
        assert [e.seq for e in stored] == list(range(1, 9))
        assert [e.type for e in stored] == [
            "scan.started",
            *["scan.progress"] * 6,
            "scan.completed",
        ]
        assert [e.data["completed_targets"] for e in stored] == [0, 1, 2, 3, 4, 5, 6, 6]
        assert [e.data["progress"] for e in stored] == [0, 16, 33, 50, 66, 83, 100, 100]
        assert [e.data["discovered_devices"] for e in stored][-1] == 2
        assert stored[-1].data["status"] == "completed"

    async def test_window_bounds_concurrency(
        self, db: Sessionmaker, settings: Settings, lab: Lab
    ) -> None:
        # Nothing answers SNMP: each target waits out one 0.4 s timeout.
        options = _options(
            lab,
            ping=False,
            ssh=False,
            timeout=0.4,
            window=2,
            snmp_v3_users=None,
            snmp_communities=["public"],
        )
        options = {k: v for k, v in options.items() if v is not None}
        scan = await _start(db, settings, [f"{lab.host(1)}-{lab.host(6)}"], options)
        started = time.perf_counter()
        await runner.run_scan(db, settings, scan.id)
        elapsed = time.perf_counter() - started
        # Six targets, two at a time: three rounds, never fewer.
        assert 2.5 * 0.4 <= elapsed < 3 * 0.4 + 1.5

    async def test_redelivered_message_does_nothing(
        self, db: Sessionmaker, settings: Settings, lab: Lab
    ) -> None:
        scan = await _start(db, settings, [lab.host(1)], _options(lab, snmp=False))
        await runner.run_scan(db, settings, scan.id)
        await runner.run_scan(db, settings, scan.id)
        async with db() as session:
            _done, results = await service.scan_results(session, scan.id)
        assert len(results) == 1
        assert len(await events.history(db, service.stream_of(scan.id), 0)) == 3

    async def test_cancel_stops_within_a_second(
        self, db: Sessionmaker, settings: Settings, lab: Lab
    ) -> None:
        options = _options(lab, ping=False, ssh=False, timeout=2.0, window=1)
        scan = await _start(db, settings, [lab.net], options)
        task = asyncio.create_task(runner.run_scan(db, settings, scan.id))
        await asyncio.sleep(0.3)
        async with db() as session, session.begin():
            await service.cancel_scan(session, scan.id)
        started = time.perf_counter()
        await asyncio.wait_for(task, 5)
        assert time.perf_counter() - started < 1.0
        async with db() as session:
            done, results = await service.scan_results(session, scan.id)
        assert (done.status, results) == ("cancelled", [])
        stored = await events.history(db, service.stream_of(scan.id), 0)
        assert [e.type for e in stored] == ["scan.started", "scan.cancelled"]


class TestReachability:
    async def test_auto_uses_icmp_only_where_the_kernel_allows(self) -> None:
        expected = "icmp" if probes.icmp_available() else "tcp"
        assert probes.choose_method("auto") == expected
        assert probes.choose_method("tcp") == "tcp"

    async def test_tcp_reports_open_ports_and_refusal(
        self, lab: Lab, listeners: None
    ) -> None:
        up = await probes.reach(lab.host(5), "tcp", [lab.tcp_port], 0.5)
        down = await probes.reach(lab.host(6), "tcp", [lab.tcp_port], 0.5)
        assert (up.reachable, up.method, up.open_ports) == (True, "tcp", [lab.tcp_port])
        assert (down.reachable, down.open_ports, down.latency_ms) == (False, [], None)


class TestSnmpTimeouts:
    async def _elapsed(self, endpoint: snmp.Endpoint, auth: snmp.SnmpAuth) -> float:
        started = time.perf_counter()
        assert await snmp.get(endpoint, auth, [snmp.SYS_NAME]) == {}
        return time.perf_counter() - started

    async def test_v2c_waits_its_timeout_and_each_retry(self, lab: Lab) -> None:
        community = snmp.SnmpAuth("v2c", community="public")
        once = snmp.Endpoint(lab.host(9), lab.snmp_port, timeout=0.3)
        twice = snmp.Endpoint(lab.host(9), lab.snmp_port, timeout=0.3, retries=1)
        assert 0.3 <= await self._elapsed(once, community) < 0.3 + 0.15
        assert 0.6 <= await self._elapsed(twice, community) < 0.6 + 0.15

    async def test_v3_is_never_cut_short(self, lab: Lab) -> None:
        user = snmp.SnmpAuth("v3", username=V3.username, auth_key=V3.auth_key)
        endpoint = snmp.Endpoint(lab.host(9), lab.snmp_port, timeout=0.3)
        assert 0.3 <= await self._elapsed(endpoint, user) < 0.3 + 0.25
