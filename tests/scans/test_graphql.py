"""Scans, their results and polled interfaces as GraphQL connections and Nodes."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.scans import repository, service
from app.scans.graphql.types import Scan
from app.scans.polling import repository as polling_repository
from app.scans.polling.models import DeviceInterface, PowerReading
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk

ARGS = "$first: Int, $after: String, $last: Int, $before: String"
WINDOW = "first: $first, after: $after, last: $last, before: $before"


def _list(field: str, extra_args: str = "", extra: str = "", node: str = "id") -> str:
    return (
        f"query({ARGS}{extra_args}) {{ {field}({WINDOW}{extra}) {{ "
        f"edges {{ cursor node {{ {node} }} }} {PAGE} }} }}"
    )


SCANS = _list("scans", ", $status: String", ", filter: {status: $status}")
RESULTS = _list("scanResults", ", $scan: ID!", ", scanId: $scan", "id address deviceId")
INTERFACES = _list("deviceInterfaces", ", $device: ID!", ", deviceId: $device")
POWER = _list(
    "powerHistory",
    ", $device: ID!, $name: String",
    ", deviceId: $device, filter: {interface: $name}",
)


async def _start(db: Sessionmaker, settings: Settings, n: int) -> Scan:
    scan = await service.start_scan(
        db,
        settings,
        scan_type="ping",
        target_list=[f"127.0.0.{n % 250 + 1}"],
        options={},
        user_id=None,
        may_use_credentials=True,
    )
    return Scan.from_model(scan)


class TestScans:
    async def test_pages_agree_both_ways_and_filter(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made = [await _start(db, settings, n) for n in range(7)]
        async with unit_of_work(db) as session:
            await service.cancel_scan(session, made[0].uuid)
        ids = await walk(app, token, SCANS, "scans", 3)
        assert ids == [global_id(Scan, s.uuid) for s in reversed(made)]
        running = await walk(app, token, SCANS, "scans", 2, {"status": "running"})
        assert running == ids[:-1]

    async def test_statements_do_not_grow_with_the_page(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made: list[Scan] = []

        async def grow(n: int) -> None:
            while len(made) < n:
                made.append(await _start(db, settings, len(made)))

        await assert_constant_statements(app, token, SCANS, "scans", grow)

    async def test_getter_is_null_for_absent_malformed_or_other_type(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
    ) -> None:
        token = await make_user(roles=("viewer",))
        scan = await _start(db, settings, 1)
        query = "query($id: ID!) { scan(id: $id) { id uuid status } }"
        body = await app.gql(query, {"id": global_id(Scan, scan.uuid)}, token)
        assert body["data"]["scan"] == {
            "id": global_id(Scan, scan.uuid),
            "uuid": scan.uuid,
            "status": "running",
        }
        for raw in (
            global_id(Scan, uuid4()),
            global_id(Scan, "nope"),
            scan.uuid,
            global_id(Device, 1),
        ):
            body = await app.gql(query, {"id": raw}, token)
            assert body == {"data": {"scan": None}}, raw

    async def test_cancel_with_another_types_id_is_not_found(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(
            """mutation($id: ID!) { cancelScan(id: $id) {
                 __typename ... on Error { code field } } }""",
            {"id": global_id(Device, 1)},
            token,
        )
        assert body["data"]["cancelScan"] == {
            "__typename": "ScanNotFound",
            "code": "SCAN_NOT_FOUND",
            "field": "id",
        }


class TestScanResults:
    async def test_pages_agree_and_statements_stay_constant(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
    ) -> None:
        token = await make_user(roles=("viewer",))
        scan = await _start(db, settings, 1)
        added = 0

        async def grow(n: int) -> None:
            nonlocal added
            rows = [
                {"scan_id": scan.uuid, "address": f"10.0.0.{i}", "method": "tcp"}
                | {"device_id": i}
                for i in range(added, n)
            ]
            if rows:
                async with unit_of_work(db) as session:
                    await repository.add_results(session, rows)
            added = max(added, n)

        node = {"scan": global_id(Scan, scan.uuid)}
        await grow(5)
        ids = await walk(app, token, RESULTS, "scanResults", 2, node)
        assert len(ids) == 5
        await assert_constant_statements(
            app, token, RESULTS, "scanResults", grow, variables=node
        )
        body = await app.gql(RESULTS, {"scan": global_id(Scan, uuid4())}, token)
        assert body["data"]["scanResults"]["totalCount"] == 0
        body = await app.gql(RESULTS, {**node, "first": 1}, token)
        assert body["data"]["scanResults"]["edges"][0]["node"]["deviceId"] == (
            global_id(Device, 0)
        )


class TestPolled:
    async def test_interfaces_page_both_ways_with_constant_statements(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user(roles=("viewer",))
        device = {"device": global_id(Device, 7)}

        async def grow(n: int) -> None:
            rows = [
                DeviceInterface(
                    device_id=7,
                    if_index=i,
                    name=f"ge-0/0/{i}",
                    admin_status="up",
                    oper_status="up",
                )
                for i in range(n)
            ]
            async with unit_of_work(db) as session:
                await polling_repository.replace_interfaces(session, 7, rows)

        await grow(5)
        assert (
            len(await walk(app, token, INTERFACES, "deviceInterfaces", 2, device)) == 5
        )
        await assert_constant_statements(
            app, token, INTERFACES, "deviceInterfaces", grow, variables=device
        )
        unknown = {"device": global_id(Scan, uuid4())}
        body = await app.gql(INTERFACES, unknown, token)
        assert body["data"]["deviceInterfaces"]["totalCount"] == 0

    async def test_power_history_pages_oldest_first_by_interface(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user(roles=("viewer",))
        now = utcnow()
        added = 0

        async def grow(n: int) -> None:
            nonlocal added
            rows = [
                PowerReading(
                    device_id=7,
                    if_index=i % 2,
                    interface=f"xe-0/0/{i % 2}",
                    rx_power_dbm=-2.0,
                    tx_power_dbm=-1.0,
                    recorded_at=now - timedelta(minutes=i // 2),
                )
                for i in range(2 * added, 2 * n)
            ]
            async with unit_of_work(db) as session:
                await polling_repository.add(session, rows)
            added = max(added, n)

        variables = {"device": global_id(Device, 7), "name": "xe-0/0/1"}
        await grow(4)
        ids = await walk(app, token, POWER, "powerHistory", 3, variables)
        assert len(ids) == 4
        await assert_constant_statements(
            app, token, POWER, "powerHistory", grow, variables=variables
        )
