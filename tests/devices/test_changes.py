"""`devicesChanged`: the fleet list's live updates, replayed after `afterSeq`
then live, from the `devices` stream the fleet writes with its domain facts."""

from __future__ import annotations

import asyncio
from typing import Any

from app import events
from app.db import Sessionmaker, unit_of_work
from app.devices import service
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory

CHANGES = """subscription($after: Int!) { devicesChanged(afterSeq: $after) {
  seq type deviceId status previousStatus reason device { id status } } }"""


async def _device(db: Sessionmaker, address: str) -> int:
    async with unit_of_work(db) as session:
        made = await service.create_device(
            session, service.DeviceInput(address=address, name=address)
        )
    return made.id


async def _status(db: Sessionmaker, device_id: int, status: str) -> None:
    async with unit_of_work(db) as session:
        await service.set_status(session, device_id, status, reason="probe")


async def _next(ws: gqlws.Subscriber) -> dict[str, Any]:
    data = await asyncio.wait_for(ws.next_data(), 10)
    change: dict[str, Any] = data["devicesChanged"]
    return change


class TestDevicesChanged:
    async def test_replays_after_seq_then_goes_live(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        device_id = await _device(db, "127.0.0.21")
        gid = global_id(Device, device_id)
        await _status(db, device_id, "down")
        await _status(db, device_id, "up")
        token = await make_user("v", roles=("viewer",))
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(CHANGES, {"after": 1})
            replayed = await _next(ws)
            await _status(db, device_id, "down")
            live = await _next(ws)
        assert replayed == {
            "seq": 2,
            "type": "device.status.changed",
            "deviceId": gid,
            "status": "up",
            "previousStatus": "down",
            "reason": "probe",
            "device": {"id": gid, "status": "up"},
        }
        assert (live["seq"], live["status"], live["device"]) == (
            3,
            "down",
            {"id": gid, "status": "down"},
        )

    async def test_discoveries_and_domain_facts_agree(
        self, db: Sessionmaker, app: RunningApp, make_user: TokenFactory
    ) -> None:
        async with unit_of_work(db) as session:
            found = await service.mark_discovered(
                session,
                [service.Discovered("127.0.0.22", "sw22", {})],
                reason="scan",
            )
        listed = await events.history(db, service.DEVICES_STREAM, 0)
        facts = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [(e.type, e.data) for e in listed] == [(e.type, e.data) for e in facts]
        kinds = [e.type for e in listed]
        assert kinds == ["device.discovered", "device.status.changed"]
        token = await make_user()
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(CHANGES, {"after": 0})
            first = await _next(ws)
        assert (first["type"], first["deviceId"], first["status"]) == (
            "device.discovered",
            global_id(Device, found[0].id),
            None,
        )
