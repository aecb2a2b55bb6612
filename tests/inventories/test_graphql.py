"""Inventories' GraphQL face: a paged list with hosts by loader, a nullable getter."""

from __future__ import annotations

import pytest

from app.credentials import service as credentials_service
from app.db import Sessionmaker, unit_of_work
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.inventories import service
from app.inventories.graphql.schema import Inventory
from tests.conftest import RunningApp, TokenFactory
from tests.connections import assert_constant_statements, walk

LIST = """query($first: Int, $after: String, $last: Int, $before: String,
  $filter: InventoryFilter, $orderBy: InventoryOrder) {
  inventories(first: $first, after: $after, last: $last, before: $before,
              filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number name
      hosts { hostName device { id address } } } } } }"""
GET = "query($id: ID!) { inventory(id: $id) { id number name hosts { hostName } } }"
CREATE = """mutation($name: String!, $config: String!) {
  createInventory(name: $name, config: $config) { __typename
    ... on InventorySuccess { inventory { id number hosts { hostName } } }
    ... on Error { code field message } } }"""


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("inventory-gql-admin")


async def seed(db: Sessionmaker, count: int, start: int = 0) -> list[int]:
    """`count` inventories of one host each, through the service."""
    ids = []
    async with unit_of_work(db) as s:
        for i in range(start, start + count):
            made = await service.create_inventory(
                s,
                credentials_service.SYSTEM,
                f"inv-{i:03}",
                f"h{i} ansible_host=127.0.1.{i % 250} ansible_port=22",
            )
            ids.append(made.id)
    return ids


class TestInventoryList:
    async def test_pages_both_ways(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        keys = await seed(db, 5)
        ids = await walk(app, token, LIST, "inventories", 2)
        assert ids == [global_id(Inventory, k) for k in keys]
        by_name = await walk(
            app,
            token,
            LIST,
            "inventories",
            3,
            {"orderBy": {"field": "NAME", "direction": "DESC"}},
        )
        assert by_name == list(reversed(ids))

    async def test_filter_and_hosts(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await seed(db, 3)
        body = await app.gql(LIST, {"filter": {"search": "inv-001"}}, token)
        page = body["data"]["inventories"]
        assert page["totalCount"] == 1
        (host,) = page["edges"][0]["node"]["hosts"]
        assert (host["hostName"], host["device"]["address"]) == ("h1", "127.0.1.1")

    async def test_statements_do_not_grow(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        made: list[int] = []

        async def grow(n: int) -> None:
            made.extend(await seed(db, n - len(made), len(made)))

        # first: 30 keeps the nested host lists under the query cost limit
        await assert_constant_statements(
            app, token, LIST, "inventories", grow, (3, 25), {"first": 30}
        )


class TestInventoryGetter:
    async def test_present_absent_malformed_and_other_type(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        (key,) = await seed(db, 1)

        async def get(raw: str) -> object:
            body = await app.gql(GET, {"id": raw}, token)
            assert "errors" not in body, body
            return body["data"]["inventory"]

        assert await get(global_id(Inventory, key)) == {
            "id": global_id(Inventory, key),
            "number": key,
            "name": "inv-000",
            "hosts": [{"hostName": "h0"}],
        }
        assert await get(global_id(Inventory, key + 100)) is None
        assert await get("%%%") is None
        assert await get(global_id(Device, key)) is None


class TestCreateInventory:
    async def test_success_and_failures(self, app: RunningApp, token: str) -> None:
        made = await app.gql(CREATE, {"name": "a", "config": "h1"}, token)
        inventory = made["data"]["createInventory"]["inventory"]
        assert inventory["id"] == global_id(Inventory, inventory["number"])
        assert inventory["hosts"] == [{"hostName": "h1"}]
        dup = await app.gql(CREATE, {"name": "a", "config": "h2"}, token)
        assert dup["data"]["createInventory"]["code"] == "INVENTORY_NAME_DUPLICATE"
        bad = await app.gql(CREATE, {"name": "b", "config": "[web:vars]\nfoo"}, token)
        assert bad["data"]["createInventory"]["code"] == "INVALID_INVENTORY_CONFIG"
