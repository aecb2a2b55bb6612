"""Scans over REST and GraphQL on the real app with its in-process worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.db import Sessionmaker
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.scans.conftest import Lab
from worker.broker import embedded

PROGRESS_KEYS = {
    "scan_id",
    "status",
    "progress",
    "total_targets",
    "completed_targets",
    "discovered_devices",
}
SUBSCRIBE = """subscription($id: ID!) { scanProgress(scanId: $id) {
  seq type scanId status progress totalTargets completedTargets
  discoveredDevices address
} }"""


@pytest.fixture
async def live(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with an in-process worker consuming the scans queue."""
    async with serve(pg_settings(pg_url), background=embedded) as running:
        yield running


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _tcp_only(lab: Lab, **extra: Any) -> dict[str, Any]:
    return {
        "ping": True,
        "snmp": False,
        "ssh": False,
        "ping_method": "tcp",
        "tcp_ports": [lab.tcp_port],
        "timeout": 0.5,
        **extra,
    }


async def _wait_status(app: RunningApp, token: str, scan_id: str) -> dict[str, Any]:
    for _ in range(100):
        response = await app.http.get(
            f"/api/scans/{scan_id}/progress", headers=_auth(token)
        )
        data: dict[str, Any] = response.json()["data"]
        if data["status"] != "running":
            return data
        await asyncio.sleep(0.1)
    raise AssertionError("scan did not finish")


class TestStartScan:
    async def test_returns_id_status_and_start_time(
        self, live: RunningApp, make_user: TokenFactory, lab: Lab, listeners: None
    ) -> None:
        token = await make_user()
        response = await live.http.post(
            "/api/scans",
            json={"type": "discovery", "targets": [lab.net], "options": _tcp_only(lab)},
            headers=_auth(token),
        )
        assert response.status_code == 201
        body = response.json()
        assert body["success"] is True
        assert set(body["data"]) == {"scan_id", "status", "started_at", "total_targets"}
        assert (body["data"]["status"], body["data"]["total_targets"]) == (
            "running",
            14,
        )
        assert body["data"]["started_at"].endswith("Z")
        final = await _wait_status(live, token, body["data"]["scan_id"])
        assert final == {
            "scan_id": body["data"]["scan_id"],
            "status": "completed",
            "progress": 100,
            "total_targets": 14,
            "completed_targets": 14,
            "discovered_devices": 2,
        }

    async def test_more_targets_than_allowed_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.post(
            "/api/scans", json={"targets": ["127.0.0.0/16"]}, headers=_auth(token)
        )
        assert (response.status_code, response.json()) == (
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "targets: more than 1024 addresses; narrow the targets",
                    "details": {"max_targets": 1024},
                },
            },
        )
        listing = await app.http.get("/api/scans", headers=_auth(token))
        assert listing.json()["data"]["total"] == 0

    async def test_unknown_option_and_bad_type_are_validation_errors(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        bad_option = await app.http.post(
            "/api/scans",
            json={"targets": ["127.0.0.1"], "options": {"blast": True}},
            headers=_auth(token),
        )
        bad_type = await app.http.post(
            "/api/scans",
            json={"type": "nuke", "targets": ["127.0.0.1"]},
            headers=_auth(token),
        )
        assert bad_option.status_code == bad_type.status_code == 400
        assert bad_option.json()["error"]["code"] == "VALIDATION_ERROR"
        assert bad_option.json()["error"]["message"].startswith("options.blast")
        assert bad_type.json()["error"]["message"].startswith("type: must be one of")

    async def test_viewer_may_not_start_scans(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vera", roles=("viewer",))
        response = await app.http.post(
            "/api/scans", json={"targets": ["127.0.0.1"]}, headers=_auth(token)
        )
        assert (response.status_code, response.json()["error"]["code"]) == (
            403,
            "FORBIDDEN",
        )


class TestReadScan:
    async def test_unknown_scan_is_not_found(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        for path in ("", "/progress", "/results"):
            response = await app.http.get(
                f"/api/scans/not-a-uuid{path}", headers=_auth(token)
            )
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "NOT_FOUND"

    async def test_status_and_results_hide_snmp_secrets(
        self, live: RunningApp, make_user: TokenFactory, lab: Lab, listeners: None
    ) -> None:
        token = await make_user()
        options = _tcp_only(lab, snmp=True, snmp_communities=["s3cret-community"])
        started = await live.http.post(
            "/api/scans",
            json={"targets": [lab.host(4), lab.host(6)], "options": options},
            headers=_auth(token),
        )
        scan_id = started.json()["data"]["scan_id"]
        await _wait_status(live, token, scan_id)
        status = await live.http.get(f"/api/scans/{scan_id}", headers=_auth(token))
        results = await live.http.get(
            f"/api/scans/{scan_id}/results", headers=_auth(token)
        )
        assert "s3cret" not in status.text + results.text
        assert status.json()["data"]["options"]["snmp_communities"] == "<1 hidden>"
        rows = {r["ip_address"]: r for r in results.json()["data"]["results"]}
        assert rows[lab.host(4)]["reachable"] is True
        assert rows[lab.host(4)]["open_ports"] == [lab.tcp_port]
        assert rows[lab.host(6)]["reachable"] is False
        assert results.json()["data"]["total"] == 2


class TestCancelScan:
    async def test_cancel_stops_a_running_scan_within_a_second(
        self, live: RunningApp, make_user: TokenFactory, lab: Lab
    ) -> None:
        token = await make_user()
        options = {"ping": False, "snmp": True, "timeout": 3, "window": 1}
        options["snmp_port"] = lab.snmp_port
        started = await live.http.post(
            "/api/scans",
            json={"targets": [lab.net], "options": options},
            headers=_auth(token),
        )
        scan_id = started.json()["data"]["scan_id"]
        await asyncio.sleep(0.5)
        cancel = await live.http.post(
            f"/api/scans/{scan_id}/cancel", headers=_auth(token)
        )
        stopped_at = time.perf_counter()
        assert cancel.status_code == 200
        assert cancel.json()["message"] == "Scan cancelled"
        assert cancel.json()["data"]["status"] == "cancelled"
        again = await live.http.post(
            f"/api/scans/{scan_id}/cancel", headers=_auth(token)
        )
        assert (again.status_code, again.json()["error"]["details"]["reason"]) == (
            409,
            "SCAN_NOT_RUNNING",
        )
        await asyncio.sleep(1.0 - (time.perf_counter() - stopped_at))
        progress = await live.http.get(
            f"/api/scans/{scan_id}/progress", headers=_auth(token)
        )
        await asyncio.sleep(3.5)
        later = await live.http.get(
            f"/api/scans/{scan_id}/results", headers=_auth(token)
        )
        # The in-flight probe (3 s timeout) was abandoned, not recorded.
        assert progress.json()["data"]["completed_targets"] == 0
        assert later.json()["data"]["results"] == []


class TestGraphQL:
    async def test_progress_subscription_streams_every_change_in_order(
        self, live: RunningApp, make_user: TokenFactory, lab: Lab, listeners: None
    ) -> None:
        token = await make_user()
        started = await live.gql(
            """mutation($input: StartScanInput!) { startScan(input: $input) {
                 __typename ... on StartScanSuccess { scan { id totalTargets } } } }""",
            {
                "input": {
                    "targets": [f"{lab.host(1)}-{lab.host(6)}"],
                    "options": _tcp_only(lab, window=2),
                }
            },
            token=token,
        )
        scan = started["data"]["startScan"]["scan"]
        async with gqlws.connect(live.ws_url, token) as ws:
            await ws.subscribe(SUBSCRIBE, {"id": scan["id"]})
            updates = []
            while not updates or updates[-1]["status"] == "running":
                data = await asyncio.wait_for(ws.next_data(), 10)
                updates.append(data["scanProgress"])
        assert [u["seq"] for u in updates] == list(range(1, 9))
        assert [u["type"] for u in updates] == [
            "scan.started",
            *["scan.progress"] * 6,
            "scan.completed",
        ]
        assert [u["completedTargets"] for u in updates] == [0, 1, 2, 3, 4, 5, 6, 6]
        assert updates[-1]["discoveredDevices"] == 2
        assert {u["address"] for u in updates[1:7]} == {
            lab.host(i) for i in range(1, 7)
        }

    async def test_start_scan_refusal_is_a_union_member(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        result = await app.gql(
            """mutation { startScan(input: {targets: ["127.0.0.0/8"]}) {
                 __typename ... on InvalidScanRequest { message } } }""",
            token=token,
        )
        assert result["data"]["startScan"] == {
            "__typename": "InvalidScanRequest",
            "message": "targets: more than 1024 addresses; narrow the targets",
        }

    async def test_cancel_unknown_scan_is_scan_not_found(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        result = await app.gql(
            """mutation { cancelScan(id: "00000000-0000-0000-0000-000000000000") {
                 __typename } }""",
            token=token,
        )
        assert result["data"]["cancelScan"] == {"__typename": "ScanNotFound"}
