"""The interface poller against an snmpsim agent with IF-MIB and Juniper DOM data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, insert

from app import events
from app.cli import upgrade_database
from app.db import (
    Sessionmaker,
    make_engine,
    make_sessionmaker,
    unit_of_work,
    utcnow,
)
from app.devices import service as devices_service
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.scans import runner, service
from app.scans.models import Scan, ScanResult
from app.scans.polling import service as polling_service
from app.scans.polling.models import PowerReading
from app.settings import Settings
from tests import snmpsim
from tests.conftest import RunningApp, TokenFactory
from tests.scans.conftest import JUNIPER, Lab

IF_MIB = {
    "1.3.6.1.2.1.2.2.1.1.1": (2, 1),
    "1.3.6.1.2.1.2.2.1.2.1": (4, "ge-0/0/0"),
    "1.3.6.1.2.1.2.2.1.4.1": (2, 1514),
    "1.3.6.1.2.1.2.2.1.5.1": (66, 1000000000),
    "1.3.6.1.2.1.2.2.1.6.1": ("4x", "0010db000001"),
    "1.3.6.1.2.1.2.2.1.7.1": (2, 1),
    "1.3.6.1.2.1.2.2.1.8.1": (2, 1),
    "1.3.6.1.2.1.2.2.1.10.1": (65, 123456),
    "1.3.6.1.2.1.2.2.1.14.1": (65, 3),
    "1.3.6.1.2.1.2.2.1.16.1": (65, 654321),
    "1.3.6.1.2.1.2.2.1.20.1": (65, 0),
    "1.3.6.1.2.1.2.2.1.1.2": (2, 2),
    "1.3.6.1.2.1.2.2.1.2.2": (4, "xe-0/0/1"),
    "1.3.6.1.2.1.2.2.1.5.2": (66, 4294967295),
    "1.3.6.1.2.1.2.2.1.7.2": (2, 1),
    "1.3.6.1.2.1.2.2.1.8.2": (2, 2),
    "1.3.6.1.2.1.31.1.1.1.1.1": (4, "ge-0/0/0"),
    "1.3.6.1.2.1.31.1.1.1.6.1": (70, 9000000000),
    "1.3.6.1.2.1.31.1.1.1.10.1": (70, 8000000000),
    "1.3.6.1.2.1.31.1.1.1.15.1": (66, 1000),
    "1.3.6.1.2.1.31.1.1.1.18.1": (4, "uplink-core"),
    "1.3.6.1.2.1.31.1.1.1.1.2": (4, "xe-0/0/1"),
    "1.3.6.1.2.1.31.1.1.1.15.2": (66, 10000),
    "1.3.6.1.4.1.2636.3.60.1.1.1.1.5.2": (2, -250),
    "1.3.6.1.4.1.2636.3.60.1.1.1.1.7.2": (2, -130),
}


@pytest.fixture
async def router(lab: Lab, tmp_path: Path) -> AsyncIterator[snmpsim.Agent]:
    """A Juniper router on .8 with two interfaces, one with optics."""
    agent = snmpsim.Agent(
        lab.host(8), lab.snmp_port, {"public": snmpsim.snmprec({**JUNIPER, **IF_MIB})}
    )
    async with snmpsim.agents(tmp_path, [agent]) as running:
        yield running[0]


async def _discover(db: Sessionmaker, settings: Settings, lab: Lab, *hosts: int) -> int:
    scan = await service.start_scan(
        db,
        settings,
        scan_type="snmp",
        target_list=[lab.host(h) for h in hosts],
        options={"ping": False, "snmp_port": lab.snmp_port, "timeout": 1.0},
        user_id=None,
        may_use_credentials=True,
    )
    await runner.run_scan(db, settings, scan.id)
    async with db() as session:
        _scan, results = await service.scan_results(session, scan.id)
    found = [r.device_id for r in results if r.device_id is not None]
    assert len(found) == 1
    return found[0]


class TestPollDevice:
    async def test_reads_if_mib_counters_and_optical_power(
        self, db: Sessionmaker, settings: Settings, lab: Lab, router: snmpsim.Agent
    ) -> None:
        device_id = await _discover(db, settings, lab, 8)
        runs = await polling_service.poll_all(db, settings)
        assert [(r.device_id, r.status, r.interfaces) for r in runs] == [
            (device_id, "ok", 2)
        ]
        async with db() as session:
            rows = await polling_service.interfaces(session, device_id)
            device = await devices_service.get_device(session, device_id)
        ge, xe = rows
        assert (ge.name, ge.alias, ge.admin_status, ge.oper_status) == (
            "ge-0/0/0",
            "uplink-core",
            "up",
            "up",
        )
        assert (ge.speed_bps, ge.mtu, ge.mac_address) == (
            1_000_000_000,
            1514,
            "00:10:db:00:00:01",
        )
        # 64-bit ifXTable counters win over the 32-bit ifTable ones.
        assert (ge.in_octets, ge.out_octets, ge.in_errors) == (
            9000000000,
            8000000000,
            3,
        )
        assert (ge.rx_power_dbm, ge.tx_power_dbm) == (None, None)
        assert (xe.oper_status, xe.speed_bps) == ("down", 10_000_000_000)
        assert (xe.rx_power_dbm, xe.tx_power_dbm) == (-2.5, -1.3)
        assert [i["name"] for i in device.interfaces] == ["ge-0/0/0", "xe-0/0/1"]
        assert device.status == "up"

    async def test_silent_device_goes_down_and_is_logged(
        self, db: Sessionmaker, settings: Settings, lab: Lab, tmp_path: Path
    ) -> None:
        agent = snmpsim.Agent(
            lab.host(9), lab.snmp_port, {"public": snmpsim.snmprec(JUNIPER)}
        )
        async with snmpsim.agents(tmp_path, [agent]):
            device_id = await _discover(db, settings, lab, 9)
        quick = settings.model_copy(update={"snmp_timeout_seconds": 0.3})
        run = await polling_service.poll_device(db, quick, device_id)
        assert (run.status, run.message) == ("failed", "No SNMP answer")
        async with db() as session:
            device = await devices_service.get_device(session, device_id)
            log = await polling_service.poll_log(session)
        assert device.status == "down"
        assert [(r.device_id, r.status) for r in log] == [(device_id, "failed")]
        changes = [
            e.data
            for e in await events.history(db, events.DOMAIN_STREAM, 0)
            if e.type == "device.status.changed"
        ]
        assert [(c["old"], c["new"]) for c in changes][-1] == ("up", "down")


async def _seed_readings(db: Sessionmaker, now: datetime) -> int:
    """A device with three hourly samples on each of two interfaces."""
    async with unit_of_work(db) as session:
        device = await devices_service.upsert_discovered(
            session, address="127.0.0.1", hostname="optic-1", facts={}
        )
        session.add_all(
            PowerReading(
                device_id=device.id,
                if_index=idx,
                interface=name,
                rx_power_dbm=-2.0 - hours,
                tx_power_dbm=-1.0,
                recorded_at=now - timedelta(hours=hours),
            )
            for hours in (3, 2, 1)
            for idx, name in ((1, "xe-0/0/1"), (2, "xe-0/0/2"))
        )
    return device.id


class TestPowerHistoryRoute:
    async def test_filters_by_interface_and_time(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        now = utcnow().replace(microsecond=0)
        device_id = await _seed_readings(db, now)
        start = (now - timedelta(hours=2, minutes=30)).isoformat()
        response = await app.http.get(
            f"/api/devices/{device_id}/power-history",
            params={"interface": "xe-0/0/1", "start": start},
            headers={"Authorization": f"Bearer {token}"},
        )
        stamp = [
            (now - timedelta(hours=h)).isoformat().replace("+00:00", "Z")
            for h in (2, 1)
        ]
        assert (response.status_code, response.json()) == (
            200,
            {
                "success": True,
                "data": {
                    "device_id": device_id,
                    "history": [
                        {
                            "interface": "xe-0/0/1",
                            "if_index": 1,
                            "rx_power": rx,
                            "tx_power": -1.0,
                            "recorded_at": at,
                        }
                        for rx, at in zip((-4.0, -3.0), stamp, strict=True)
                    ],
                    "total": 2,
                },
            },
        )

    async def test_bad_time_and_unknown_device(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        headers = {"Authorization": f"Bearer {token}"}
        bad = await app.http.get(
            "/api/devices/1/power-history",
            params={"start": "yesterday"},
            headers=headers,
        )
        missing = await app.http.get("/api/devices/999/power-history", headers=headers)
        assert (bad.status_code, bad.json()["error"]) == (
            400,
            {"code": "VALIDATION_ERROR", "message": "start: not an ISO-8601 date-time"},
        )
        assert (missing.status_code, missing.json()["error"]["code"]) == (
            404,
            "NOT_FOUND",
        )


class TestInterfacesGraphQL:
    async def test_device_interfaces_after_a_poll(
        self,
        app: RunningApp,
        db: Sessionmaker,
        settings: Settings,
        lab: Lab,
        router: snmpsim.Agent,
        make_user: TokenFactory,
    ) -> None:
        token = await make_user()
        device_id = await _discover(db, settings, lab, 8)
        await polling_service.poll_all(db, settings)
        body = await app.gql(
            """query($id: ID!) { deviceInterfaces(deviceId: $id) { edges { node {
                 ifIndex name operStatus speedBps rxPowerDbm } } } }""",
            {"id": global_id(Device, device_id)},
            token=token,
        )
        edges = body["data"]["deviceInterfaces"]["edges"]
        rows = [tuple(e["node"].values()) for e in edges]
        assert rows == [
            (1, "ge-0/0/0", "up", 1e9, None),
            (2, "xe-0/0/1", "down", 1e10, -2.5),
        ]
        rest = await app.http.get(
            f"/api/devices/{device_id}/interfaces",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert [i["name"] for i in rest.json()["data"]["interfaces"]] == [
            "ge-0/0/0",
            "xe-0/0/1",
        ]


class TestPollsOnlySnmpDevices:
    async def test_a_device_found_by_tcp_only_is_not_polled_nor_marked_down(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        lab: Lab,
        listeners: None,
    ) -> None:
        options = {
            "ping": True,
            "ping_method": "tcp",
            "tcp_ports": [lab.tcp_port],
            "ssh": True,
            "ssh_port": lab.tcp_port,
            "snmp": True,
            "snmp_port": lab.snmp_port,
            "timeout": 0.3,
        }
        scan = await service.start_scan(
            db,
            settings,
            scan_type="discovery",
            target_list=[lab.host(4)],
            options=options,
            user_id=None,
            may_use_credentials=False,
        )
        await runner.run_scan(db, settings, scan.id)
        async with db() as session:
            _scan, [result] = await service.scan_results(session, scan.id)
        assert (result.device_id is not None, result.snmp) == (True, None)
        assert await polling_service.poll_all(db, settings) == []
        token = await make_user()
        down = await app.http.get(
            "/api/devices?status=down", headers={"Authorization": f"Bearer {token}"}
        )
        assert down.json()["data"]["devices"] == []


@pytest.fixture(params=["postgresql", "sqlite"])
async def either_db(
    request: pytest.FixtureRequest, db: Sessionmaker, tmp_data_dir: Path
) -> AsyncIterator[Sessionmaker]:
    """The test PostgreSQL database, or a migrated embedded SQLite one."""
    if request.param == "postgresql":
        yield db
        return
    embedded = Settings(_env_file=None, data_dir=tmp_data_dir)
    await asyncio.to_thread(upgrade_database, embedded)
    engine = make_engine(embedded.sqlalchemy_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


class TestJsonNullIsNoAnswer:
    async def test_rows_stored_as_json_null_are_not_snmp_devices(
        self, either_db: Sessionmaker
    ) -> None:
        async with unit_of_work(either_db) as session:
            scan = Scan(type="snmp", targets=[], addresses=[], options={})
            session.add(scan)
            await session.flush()
            rows = [(1, JSON.NULL), (2, None), (3, {"sys_name": "sw-1"})]
            await session.execute(
                insert(ScanResult.__table__),
                [
                    {"scan_id": scan.id, "address": f"127.0.0.{n}", "method": "tcp"}
                    | {"device_id": n, "snmp": snmp}
                    for n, snmp in rows
                ],
            )
        async with either_db() as session:
            assert await service.snmp_device_ids(session) == {3}
