"""Global object identification and connections, on the fleet: node(id) and
nodes(ids) for every kind, nulls for what is absent or hidden, one query per
type, and pages that agree read forward and backward."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from app.credentials.graphql.types import Credential
from app.db import Sessionmaker, unit_of_work
from app.devices import service
from app.devices.graphql.types import Device, DeviceGroup
from app.graphql.nodes import Entity, global_id
from app.graphql.schema import possible_types, schema
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.devices.test_graphql import make_fleet
from tests.sqlcount import count_statements

NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on Device { number name } ... on DeviceGroup { number name }
  ... on Credential { number name } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
DEVICES = f"""query($first: Int, $after: String, $last: Int, $before: String,
  $order: DeviceOrder) {{ devices(first: $first, after: $after, last: $last,
  before: $before, orderBy: $order) {{ {PAGE} edges {{ cursor node {{ id name
  groups {{ edges {{ node {{ id }} }} }} credential {{ id }} }} }} }} }}"""
COUNT = """query($first: Int, $after: String, $last: Int, $before: String) {
  devices(first: $first, after: $after, last: $last, before: $before) {
  totalCount edges { cursor } } }"""
GROUPS = f"""query($first: Int, $after: String, $last: Int, $before: String) {{
  deviceGroups(first: $first, after: $after, last: $last, before: $before) {{
  {PAGE} edges {{ cursor node {{ id name
  devices {{ edges {{ node {{ id }} }} }} }} }} }} }}"""


@pytest.fixture
async def admin(make_user: TokenFactory) -> str:
    return await make_user("node-admin")


def test_every_node_type_loads_rows_of_a_table() -> None:
    names = possible_types()["Node"]
    assert len(names) > 30
    for name in names:
        definition = schema.schema_converter.type_map[name].definition
        origin = definition.origin
        assert issubclass(origin, Entity), name
        assert hasattr(origin.table, "__table__"), name


class TestNode:
    async def test_every_kind_resolves_in_one_query_per_type(
        self, app: RunningApp, db: Sessionmaker, admin: str
    ) -> None:
        await make_fleet(db, 6)
        ids = [global_id(Device, n) for n in range(1, 7)]
        ids += [global_id(DeviceGroup, 2), global_id(Credential, 3)]
        with count_statements() as seen:
            body = await app.gql(NODES, {"ids": ids}, admin)
        nodes = body["data"]["nodes"]
        assert [n["__typename"] for n in nodes] == ["Device"] * 6 + [
            "DeviceGroup",
            "Credential",
        ]
        assert [n["id"] for n in nodes] == ids
        assert [n["number"] for n in nodes] == [1, 2, 3, 4, 5, 6, 2, 3]
        # The caller (one statement), then one per type.
        assert len(seen) == 4, seen

    async def test_absent_malformed_and_foreign_ids_are_null(
        self, app: RunningApp, db: Sessionmaker, admin: str
    ) -> None:
        await make_fleet(db, 1)
        for raw in (
            global_id(Device, 999),
            global_id(Device, 2**40),
            "not base64!",
            "",
            "RGV2aWNlOg==",  # "Device:" with no key
            global_id(Device, "abc"),
            "Tm90aGluZzox",  # "Nothing:1": not a node type
        ):
            body = await app.gql(NODE, {"id": raw}, admin)
            assert body == {"data": {"node": None}}, (raw, body)
        typed = await app.gql(
            "query($id: ID!) { device(id: $id) { id } }",
            {"id": global_id(DeviceGroup, 1)},
            admin,
        )
        assert typed == {"data": {"device": None}}

    async def test_what_a_caller_may_not_see_is_null(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await make_fleet(db, 1)
        nobody = await make_user("no-role", roles=())
        ids = [global_id(Device, 1), global_id(Credential, 1)]
        body = await app.gql(NODES, {"ids": ids}, nobody)
        assert body["data"]["nodes"] == [None, None]
        anonymous = await app.gql(NODES, {"ids": ids})
        assert anonymous["data"] is None
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_too_many_ids_are_refused(self, app: RunningApp, admin: str) -> None:
        ids = [global_id(Device, n) for n in range(1, 1002)]
        body = await app.gql(
            NODE.replace("node(id: $id)", "nodes(ids: $id)").replace(
                "$id: ID!", "$id: [ID!]!"
            ),
            {"id": ids},
            admin,
        )
        assert "At most 1000 ids" in body["errors"][0]["message"]


class TestFleetConnections:
    async def test_devices_page_both_ways_in_every_order(
        self, app: RunningApp, db: Sessionmaker, admin: str
    ) -> None:
        await make_fleet(db, 23)
        by_id = await walk(app, admin, DEVICES, "devices", 5)
        assert by_id == [global_id(Device, n) for n in range(1, 24)]
        for field in ("NAME", "LAST_SEEN", "ADDRESS", "CREATED_AT"):
            for direction in ("ASC", "DESC"):
                order = {"field": field, "direction": direction}
                found = await walk(app, admin, DEVICES, "devices", 4, {"order": order})
                assert sorted(found) == sorted(by_id)
        names = await walk(
            app,
            admin,
            DEVICES,
            "devices",
            7,
            {"order": {"field": "NAME", "direction": "DESC"}},
        )
        expected = sorted(range(23), key=lambda i: f"d{i}", reverse=True)
        assert names == [global_id(Device, i + 1) for i in expected]

    async def test_a_page_stays_put_while_rows_come_and_go(
        self, app: RunningApp, db: Sessionmaker, admin: str
    ) -> None:
        await make_fleet(db, 6)
        first = (await app.gql(DEVICES, {"first": 3}, admin))["data"]["devices"]
        async with unit_of_work(db) as s:
            await service.delete_device(s, 1)
        after = first["pageInfo"]["endCursor"]
        second = await app.gql(DEVICES, {"first": 3, "after": after}, admin)
        numbers = [e["node"]["id"] for e in second["data"]["devices"]["edges"]]
        assert numbers == [global_id(Device, n) for n in (4, 5, 6)]

    async def test_bad_paging_arguments_are_named(
        self, app: RunningApp, admin: str
    ) -> None:
        for variables, field in (
            ({"first": -1}, "first"),
            ({"first": 1001}, "first"),
            ({"last": -5}, "last"),
            ({"first": 1, "last": 1}, "last"),
            ({"after": "garbage"}, "after"),
            ({"before": "WyJ4Il0="}, "before"),  # ["x"]: no device number
        ):
            body = await app.gql(COUNT, variables, admin)
            assert body["data"] is None, body
            error = body["errors"][0]
            assert error["extensions"]["field"] == field, (variables, error)

    async def test_statements_do_not_grow_with_the_page(
        self, app: RunningApp, db: Sessionmaker, admin: str
    ) -> None:
        await make_fleet(db, 3)
        await assert_constant_statements(app, admin, DEVICES, "devices", grower(db))
        await assert_constant_statements(
            app, admin, GROUPS, "deviceGroups", grow_groups(db)
        )

    async def test_groups_page_both_ways(
        self, app: RunningApp, db: Sessionmaker, admin: str
    ) -> None:
        await grow_groups(db)(11)
        found = await walk(app, admin, GROUPS, "deviceGroups", 4)
        assert len(found) == 11


def grower(db: Sessionmaker) -> Callable[[int], Awaitable[None]]:
    """Adds devices (with groups and a credential) until there are `n`."""

    async def grow(n: int) -> None:
        async with unit_of_work(db) as s:
            have = len(await service.all_device_ids(s))
            for i in range(have, n):
                await service.create_device(
                    s,
                    service.DeviceInput(
                        address=f"127.1.{i // 250}.{i % 250}",
                        name=f"more{i}",
                        credential_id=1,
                        group_ids=[1, 2],
                    ),
                    may_use_credentials=True,
                )

    return grow


def grow_groups(db: Sessionmaker) -> Callable[[int], Awaitable[None]]:
    """Adds groups of two devices each until there are `n` groups."""

    async def grow(n: int) -> None:
        async with unit_of_work(db) as s:
            ids = await service.all_device_ids(s)
            have = (await service.list_groups(s, None))[1]
            for i in range(have, n):
                await service.create_group(s, f"grown{i}", device_ids=ids[:2])

    return grow
