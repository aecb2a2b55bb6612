"""OpsConductor legacy root routes on the real app with its in-process worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from tests import snmpsim
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.scans.conftest import CISCO, JUNIPER, Lab
from tests.scans.test_polling import IF_MIB
from worker.broker import embedded

# sw-core-1 (Cisco) sees rtr-edge-1 over CDP on its ifIndex 1;
# rtr-edge-1 sees sw-core-1 over LLDP on its local port 1.
CDP = {
    "1.3.6.1.2.1.2.2.1.2.1": (4, "Gi0/1"),
    "1.3.6.1.2.1.2.2.1.7.1": (2, 1),
    "1.3.6.1.2.1.2.2.1.8.1": (2, 1),
    "1.3.6.1.4.1.9.9.23.1.2.1.1.6.1.1": (4, "rtr-edge-1.example.net"),
    "1.3.6.1.4.1.9.9.23.1.2.1.1.7.1.1": (4, "ge-0/0/0"),
}
LLDP = {
    "1.0.8802.1.1.2.1.3.7.1.3.1": (4, "ge-0/0/0"),
    "1.0.8802.1.1.2.1.4.1.1.7.0.1.1": (4, "Gi0/1"),
    "1.0.8802.1.1.2.1.4.1.1.9.0.1.1": (4, "sw-core-1"),
    "1.0.8802.1.1.2.1.4.1.1.9.0.1.2": (4, "unmanaged-ap"),
}


@pytest.fixture
async def live(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with an in-process worker."""
    async with serve(pg_settings(pg_url), background=embedded) as running:
        yield running


@pytest.fixture
async def pair(lab: Lab, tmp_path: Path) -> AsyncIterator[None]:
    """A Cisco switch (.1) and a Juniper router (.2) that see each other."""
    wanted = [
        snmpsim.Agent(
            lab.host(1), lab.snmp_port, {"public": snmpsim.snmprec({**CISCO, **CDP})}
        ),
        snmpsim.Agent(
            lab.host(2),
            lab.snmp_port,
            {"public": snmpsim.snmprec({**JUNIPER, **IF_MIB, **LLDP})},
        ),
    ]
    async with snmpsim.agents(tmp_path, wanted):
        yield


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _until(app: RunningApp, token: str, path: str, done: Any) -> Any:
    for _ in range(100):
        body = (await app.http.get(path, headers=_auth(token))).json()
        if done(body):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} never got there")


class TestLegacySettings:
    async def test_save_then_get_hides_communities(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        saved = await app.http.post(
            "/save_settings",
            json={"network_range": "127.0.0.0/28", "snmp_communities": ["s3cret"]},
            headers=_auth(token),
        )
        again = await app.http.post(
            "/save_settings",
            json={"snmp_communities": "<1 hidden>", "timeout": 0.5},
            headers=_auth(token),
        )
        shown = await app.http.get("/get_settings", headers=_auth(token))
        assert saved.status_code == again.status_code == 200
        assert saved.json()["status"] == "saved"
        assert shown.json() == {
            "network_range": "127.0.0.0/28",
            "snmp_communities": "<1 hidden>",
            "snmp_credential_ids": [],
            "ssh_credential_id": None,
            "snmp_port": 161,
            "ssh_port": 22,
            "tcp_ports": [22, 23, 80, 443, 830],
            "timeout": 0.5,
            "window": 64,
        }
        assert "s3cret" not in saved.text + again.text + shown.text

    async def test_test_settings_counts_targets_without_probing(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        ok = await app.http.post(
            "/test_settings",
            json={"settings": {"network_range": "127.0.0.0/24, 127.0.9.1"}},
            headers=_auth(token),
        )
        too_big = await app.http.post(
            "/test_settings",
            json={"settings": {"network_range": "127.0.0.0/20"}},
            headers=_auth(token),
        )
        assert (ok.status_code, ok.json()["valid"], ok.json()["targets"]) == (
            200,
            True,
            255,
        )
        assert (too_big.status_code, too_big.json()["error"]["code"]) == (
            400,
            "VALIDATION_ERROR",
        )


class TestLegacyScans:
    async def test_scan_uses_saved_range_and_progress_reports_it(
        self, live: RunningApp, make_user: TokenFactory, lab: Lab, listeners: None
    ) -> None:
        token = await make_user()
        await live.http.post(
            "/save_settings",
            json={
                "network_range": f"{lab.host(3)}-{lab.host(6)}",
                "tcp_ports": [lab.tcp_port],
                "ssh_port": lab.tcp_port,
                "snmp_port": lab.snmp_port,
                "timeout": 0.5,
            },
            headers=_auth(token),
        )
        idle = await live.http.get("/progress", headers=_auth(token))
        assert idle.json() == {
            "status": "idle",
            "running": False,
            "progress": 0,
            "scan_id": None,
        }
        started = await live.http.post("/scan", json={}, headers=_auth(token))
        assert started.status_code == 202
        assert started.json()["status"] == "started"
        assert started.json()["total_targets"] == 4
        body = await _until(live, token, "/progress", lambda b: not b["running"])
        assert body["scan_id"] == started.json()["scan_id"]
        assert (body["status"], body["progress"], body["total"]) == (
            "completed",
            100,
            4,
        )
        assert (body["completed"], body["discovered"]) == (4, 2)
        data = (await live.http.get("/data", headers=_auth(token))).json()
        assert sorted(d["ip"] for d in data["devices"]) == [lab.host(4), lab.host(5)]
        assert (data["total"], data["up"], data["down"]) == (2, 2, 0)

    async def test_scan_selected_needs_targets_and_knows_devices(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        empty = await app.http.post("/scan_selected", json={}, headers=_auth(token))
        missing = await app.http.post(
            "/scan_selected", json={"device_ids": [424242]}, headers=_auth(token)
        )
        assert (empty.status_code, empty.json()["error"]["code"]) == (
            400,
            "VALIDATION_ERROR",
        )
        assert missing.status_code == 404

    async def test_viewer_reads_but_cannot_scan(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        assert (
            await app.http.get("/progress", headers=_auth(token))
        ).status_code == 200
        denied = await app.http.post(
            "/snmp_scan", json={"network": "127.0.0.1"}, headers=_auth(token)
        )
        assert denied.status_code == 403


async def _snmp_scan(live: RunningApp, token: str, lab: Lab) -> None:
    settings = {"snmp_port": lab.snmp_port, "timeout": 1.0}
    await live.http.post("/save_settings", json=settings, headers=_auth(token))
    targets = {"targets": [lab.host(1), lab.host(2)]}
    await live.http.post("/snmp_scan", json=targets, headers=_auth(token))
    await _until(live, token, "/progress", lambda b: not b["running"])


class TestLegacyPoller:
    async def test_run_all_polls_and_topology_links_neighbours(
        self, live: RunningApp, make_user: TokenFactory, lab: Lab, pair: None
    ) -> None:
        token = await make_user()
        await _snmp_scan(live, token, lab)
        queued = await live.http.post("/poller/run_all", headers=_auth(token))
        assert (queued.status_code, queued.json()) == (
            202,
            {"status": "queued", "devices": 2},
        )
        logs = await _until(live, token, "/poller/logs", lambda b: len(b["logs"]) == 2)
        assert {(log["ip"], log["status"]) for log in logs["logs"]} == {
            (lab.host(1), "ok"),
            (lab.host(2), "ok"),
        }
        status = (await live.http.get("/poller/status", headers=_auth(token))).json()
        assert (status["devices"], status["polls"]) == (2, {"ok": 2, "failed": 0})
        topo = (await live.http.get("/topology_data", headers=_auth(token))).json()
        ids = {n["label"]: n["id"] for n in topo["nodes"]}
        edges = {
            (e["from"], e["to"], e["protocol"], e["local_port"], e["remote_port"])
            for e in topo["edges"]
        }
        assert edges == {
            (ids["sw-core-1"], ids["rtr-edge-1"], "cdp", "Gi0/1", "ge-0/0/0"),
            (ids["rtr-edge-1"], ids["sw-core-1"], "lldp", "ge-0/0/0", "Gi0/1"),
            (ids["rtr-edge-1"], None, "lldp", "ge-0/0/0", ""),
        }
        power = await live.http.get(
            "/power_history",
            params={"device_id": ids["rtr-edge-1"], "interface": "xe-0/0/1"},
            headers=_auth(token),
        )
        history = power.json()["history"]
        assert [(h["rx_power"], h["tx_power"]) for h in history] == [(-2.5, -1.3)]

    async def test_power_history_requires_a_device_id(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.get("/power_history", headers=_auth(token))
        assert (response.status_code, response.json()) == (
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "device_id: a device id is required",
                },
            },
        )


class TestLegacyDeviceGroups:
    async def test_lists_groups_with_member_ids(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with unit_of_work(db) as session:
            one = await devices_service.upsert_discovered(
                session, address="127.0.0.11", hostname="a-1", facts={}
            )
            two = await devices_service.upsert_discovered(
                session, address="127.0.0.12", hostname="a-2", facts={}
            )
            core = await devices_service.create_group(
                session, "core", "Core switches", [one.id, two.id]
            )
            empty = await devices_service.create_group(session, "spare")
        response = await app.http.get("/device_groups", headers=_auth(token))
        assert (response.status_code, response.json()) == (
            200,
            {
                "groups": [
                    {
                        "id": core.id,
                        "name": "core",
                        "description": "Core switches",
                        "device_ids": [one.id, two.id],
                        "device_count": 2,
                    },
                    {
                        "id": empty.id,
                        "name": "spare",
                        "description": "",
                        "device_ids": [],
                        "device_count": 0,
                    },
                ]
            },
        )
