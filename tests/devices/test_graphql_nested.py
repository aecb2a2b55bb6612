"""A device's groups and a group's devices are connections, paged both ways
from the fleet loaders: a page of parents costs the same statements whatever
its size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from app.db import Sessionmaker, unit_of_work
from app.devices import service
from app.devices.graphql.types import Device, DeviceGroup
from app.graphql.nodes import global_id
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk

ARGS = "first: $first, after: $after, last: $last, before: $before"
VARS = "$first: Int, $after: String, $last: Int, $before: String"
GROUPS_OF = f"""query($id: ID!, {VARS}) {{ node(id: $id) {{ ... on Device {{
  groups({ARGS}) {{ {PAGE} edges {{ cursor node {{ id }} }} }} }} }} }}"""
DEVICES_OF = f"""query($id: ID!, {VARS}) {{ node(id: $id) {{ ... on DeviceGroup {{
  devices({ARGS}) {{ {PAGE} edges {{ cursor node {{ id }} }} }} }} }} }}"""
DEVICES = f"""query($first: Int) {{ devices(first: $first) {{ {PAGE}
  edges {{ node {{ id groups(first: 2) {{ totalCount edges {{ node {{ id }} }} }}
  }} }} }} }}"""
GROUPS = f"""query($first: Int) {{ deviceGroups(first: $first) {{ {PAGE}
  edges {{ node {{ id devices(last: 2) {{ totalCount edges {{ node {{ id }} }} }}
  }} }} }} }}"""


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("nested-admin")


async def add_devices(
    db: Sessionmaker, first: int, count: int, groups: list[int]
) -> list[int]:
    """`count` devices numbered from `first`, each in every group of `groups`."""
    async with unit_of_work(db) as s:
        made = [
            await service.create_device(
                s,
                service.DeviceInput(
                    address=f"10.0.{i // 250}.{i % 250}", name=f"n{i}", group_ids=groups
                ),
            )
            for i in range(first, first + count)
        ]
    return [d.id for d in made]


async def add_groups(
    db: Sessionmaker, first: int, count: int, devices: list[int]
) -> list[int]:
    """`count` groups named from `first`, each holding `devices`."""
    async with unit_of_work(db) as s:
        made = [
            await service.create_group(s, f"ng{i}", device_ids=devices)
            for i in range(first, first + count)
        ]
    return [g.id for g in made]


def grower(
    add: Callable[[int, int], Awaitable[object]],
) -> Callable[[int], Awaitable[None]]:
    """A `grow(n)` for assert_constant_statements over `add(first, count)`."""
    have = [0]

    async def grow(n: int) -> None:
        await add(have[0], n - have[0])
        have[0] = max(have[0], n)

    return grow


class TestDeviceGroups:
    async def test_pages_forward_and_backward(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        groups = await add_groups(db, 0, 7, [])
        [device] = await add_devices(db, 0, 1, groups)
        found = await walk(
            app, token, GROUPS_OF, "node.groups", 3, {"id": global_id(Device, device)}
        )
        assert found == [global_id(DeviceGroup, g) for g in sorted(groups)]

    async def test_statements_do_not_grow_with_devices(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        groups = await add_groups(db, 0, 3, [])

        async def add(first: int, count: int) -> None:
            await add_devices(db, first, count, groups)

        await assert_constant_statements(app, token, DEVICES, "devices", grower(add))
        body = await app.gql(DEVICES, {"first": 1}, token)
        nested = body["data"]["devices"]["edges"][0]["node"]["groups"]
        assert nested["totalCount"] == 3
        assert len(nested["edges"]) == 2


class TestGroupDevices:
    async def test_pages_forward_and_backward(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        devices = await add_devices(db, 0, 8, [])
        [group] = await add_groups(db, 0, 1, devices)
        found = await walk(
            app,
            token,
            DEVICES_OF,
            "node.devices",
            3,
            {"id": global_id(DeviceGroup, group)},
        )
        assert found == [global_id(Device, d) for d in sorted(devices)]

    async def test_statements_do_not_grow_with_groups(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        devices = await add_devices(db, 0, 3, [])

        async def add(first: int, count: int) -> None:
            await add_groups(db, first, count, devices)

        await assert_constant_statements(
            app, token, GROUPS, "deviceGroups", grower(add)
        )
        body = await app.gql(GROUPS, {"first": 1}, token)
        nested = body["data"]["deviceGroups"]["edges"][0]["node"]["devices"]
        assert nested["totalCount"] == 3
        assert nested["edges"] == [
            {"node": {"id": global_id(Device, d)}} for d in sorted(devices)[1:]
        ]
