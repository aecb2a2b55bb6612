"""`scansChanged`: the scans list's live updates (starts, progress batches and
ends of every scan), replayed after `afterSeq`, then live."""

from __future__ import annotations

import asyncio
from typing import Any

from app import events
from app.db import Sessionmaker, unit_of_work
from app.scans import runner, service
from app.settings import Settings
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory
from tests.scans.conftest import Lab

CHANGES = """subscription($after: Int!) { scansChanged(afterSeq: $after) {
  seq type status progress completedTargets scan { id status } } }"""


async def _start(db: Sessionmaker, settings: Settings, lab: Lab) -> Any:
    options = {
        "ping": True,
        "ping_method": "tcp",
        "tcp_ports": [lab.tcp_port],
        "snmp": False,
        "ssh": False,
        "timeout": 0.5,
    }
    return await service.start_scan(
        db,
        settings,
        scan_type="discovery",
        target_list=[lab.host(4), lab.host(5)],
        options=options,
        user_id=None,
        may_use_credentials=False,
    )


async def _next(ws: gqlws.Subscriber) -> dict[str, Any]:
    data = await asyncio.wait_for(ws.next_data(), 10)
    change: dict[str, Any] = data["scansChanged"]
    return change


class TestScansChanged:
    async def test_replays_a_finished_scan_then_resumes_live(
        self,
        app: RunningApp,
        db: Sessionmaker,
        settings: Settings,
        lab: Lab,
        listeners: None,
        make_user: TokenFactory,
    ) -> None:
        done = await _start(db, settings, lab)
        await runner.run_scan(db, settings, done.id)
        stored = await events.history(db, service.SCANS_STREAM, 0)
        token = await make_user("v", roles=("viewer",))
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(CHANGES, {"after": 0})
            replayed = [await _next(ws) for _ in stored]
        assert [c["seq"] for c in replayed] == list(range(1, len(stored) + 1))
        assert replayed[0]["type"] == "scan.started"
        assert replayed[-1]["type"] == "scan.completed"
        assert {c["type"] for c in replayed[1:-1]} == {"scan.progress"}
        assert replayed[-1]["completedTargets"] == 2
        assert {c["scan"]["status"] for c in replayed} == {"completed"}
        last = replayed[-1]["seq"]
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(CHANGES, {"after": last})
            running = await _start(db, settings, lab)
            started = await _next(ws)
            async with unit_of_work(db) as session:
                await service.cancel_scan(session, running.id)
            cancelled = await _next(ws)
        assert (started["seq"], started["type"], started["status"]) == (
            last + 1,
            "scan.started",
            "running",
        )
        assert (cancelled["seq"], cancelled["type"], cancelled["scan"]["status"]) == (
            last + 2,
            "scan.cancelled",
            "cancelled",
        )
