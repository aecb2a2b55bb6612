"""Alerts over GraphQL: a keyset connection, nullable getter, payload unions
with global ids, and `alertsChanged`."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import service
from app.alerts.graphql.types import Alert
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from tests import gqlws
from tests.alerts.test_alerts import raise_one
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk

CHANGES = """subscription($after: Int!) { alertsChanged(afterSeq: $after) {
  seq type alert { id number status severity } } }"""
ACK = """mutation($id: ID!) { acknowledgeAlert(id: $id) { __typename
  ... on AlertSuccess { alert { id status } } ... on Error { code field } } }"""
DELETE = """mutation($id: ID!) { deleteAlert(id: $id) { __typename
  ... on DeleteAlertSuccess { deletedId } ... on Error { code field } } }"""
LIST = f"""query($first: Int, $after: String, $last: Int, $before: String,
  $filter: AlertFilter, $orderBy: AlertOrder) {{
  alerts(first: $first, after: $after, last: $last, before: $before,
         filter: $filter, orderBy: $orderBy) {{
    {PAGE} edges {{ cursor node {{ id number severity deviceId
                                   device {{ id name }} }} }} }} }}"""
ONE = "query($id: ID!) { alert(id: $id) { id number title } }"


async def seed(db: Sessionmaker, count: int, device_id: int | None = None) -> None:
    """Open alerts up to `count` in all, through the service."""
    async with unit_of_work(db) as session:
        for i in range(count):
            await _raise(session, f"seed-{i}", ("critical", "info")[i % 2], device_id)


async def _raise(
    session: AsyncSession, key: str, severity: str, device: int | None
) -> None:
    await service.raise_alert(
        session,
        key=key,
        title=key,
        severity=severity,
        device_id=device,
    )


class TestAlertList:
    async def test_walk_both_ways_newest_first(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await seed(db, 7)
        token = await make_user("v", roles=("viewer",))
        ids = await walk(app, token, LIST, "alerts", 3)
        assert ids == [global_id(Alert, n) for n in range(7, 0, -1)]

    async def test_filter_and_order_by_severity(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await seed(db, 6)
        token = await make_user("v", roles=("viewer",))
        ids = await walk(
            app,
            token,
            LIST,
            "alerts",
            2,
            {
                "filter": {"severity": "info"},
                "orderBy": {"field": "SEVERITY", "direction": "ASC"},
            },
        )
        assert ids == [global_id(Alert, n) for n in (2, 4, 6)]

    async def test_bad_filter_is_an_error(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(LIST, {"filter": {"status": "open"}}, token)
        assert body["data"] is None
        assert "status: must be one of" in body["errors"][0]["message"]

    async def test_statements_do_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        async with unit_of_work(db) as session:
            device = await devices_service.create_device(
                session, devices_service.DeviceInput(address="127.0.0.7", name="r7")
            )
        token = await make_user()
        have = 0

        async def grow(n: int) -> None:
            nonlocal have
            async with unit_of_work(db) as session:
                for i in range(have, n):
                    await _raise(session, f"g{i}", "warning", device.id)
            have = n

        await assert_constant_statements(app, token, LIST, "alerts", grow)
        body = await app.gql(LIST, {"first": 1}, token)
        node = body["data"]["alerts"]["edges"][0]["node"]
        assert node["deviceId"] == global_id(Device, device.id)
        assert node["device"] == {"id": global_id(Device, device.id), "name": "r7"}


class TestAlertGetter:
    async def test_present_absent_malformed_and_other_type(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        alert_id = await raise_one(db)
        token = await make_user("v", roles=("viewer",))
        asked = [
            global_id(Alert, alert_id),
            global_id(Alert, 999),
            "not-an-id",
            global_id(Device, alert_id),
        ]
        found = [(await app.gql(ONE, {"id": i}, token))["data"]["alert"] for i in asked]
        assert found == [
            {"id": asked[0], "number": alert_id, "title": "Device Unreachable"},
            None,
            None,
            None,
        ]
        node = await app.gql(
            "query($id: ID!) { node(id: $id) { ... on Alert { number } } }",
            {"id": asked[0]},
            token,
        )
        assert node["data"]["node"] == {"number": alert_id}


class TestAlertMutations:
    async def test_acknowledge_then_subscribe_and_resume(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        gid = global_id(Alert, await raise_one(db))
        ack = await app.gql(ACK, {"id": gid}, token)
        assert ack["data"]["acknowledgeAlert"] == {
            "__typename": "AlertSuccess",
            "alert": {"id": gid, "status": "acknowledged"},
        }
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(CHANGES, {"after": 1})
            first = (await asyncio.wait_for(ws.next_data(), 10))["alertsChanged"]
            gone = await app.gql(DELETE, {"id": gid}, token)
            second = (await asyncio.wait_for(ws.next_data(), 10))["alertsChanged"]
        assert gone["data"]["deleteAlert"] == {
            "__typename": "DeleteAlertSuccess",
            "deletedId": gid,
        }
        assert [first["seq"], first["type"], second["seq"], second["type"]] == [
            2,
            "alert.acknowledged",
            3,
            "alert.deleted",
        ]
        assert second["alert"]["id"] == gid

    async def test_other_type_and_unknown_ids_are_not_found_members(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        alert_id = await raise_one(db)
        for raw in (global_id(Device, alert_id), global_id(Alert, 999), "junk"):
            body = await app.gql(ACK, {"id": raw}, token)
            assert body["data"]["acknowledgeAlert"] == {
                "__typename": "AlertNotFound",
                "code": "ALERT_NOT_FOUND",
                "field": "id",
            }

    async def test_resolved_alert_cannot_be_acknowledged(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        gid = global_id(Alert, await raise_one(db))
        resolve = "mutation($id: ID!) { resolveAlert(id: $id) { __typename } }"
        await app.gql(resolve, {"id": gid}, token)
        body = await app.gql(ACK, {"id": gid}, token)
        assert body["data"]["acknowledgeAlert"] == {
            "__typename": "AlertAlreadyResolved",
            "code": "ALERT_ALREADY_RESOLVED",
            "field": "id",
        }
