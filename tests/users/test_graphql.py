"""Users and roles on GraphQL: connections, nullable getters, global ids."""

from __future__ import annotations

import pytest

from app import auth
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.users import service
from app.users.graphql.types import Role, User
from tests.conftest import RunningApp, TokenFactory
from tests.connections import assert_constant_statements, walk

USERS = """query($first: Int, $after: String, $last: Int, $before: String,
  $filter: UserFilter, $order: UserOrder) {
  users(first: $first, after: $after, last: $last, before: $before,
        filter: $filter, orderBy: $order) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number username
      roles { edges { node { id name } } } } } } }"""
ROLES = """query($first: Int, $after: String, $last: Int, $before: String,
  $direction: OrderDirection! = ASC, $filter: RoleFilter) {
  roles(first: $first, after: $after, last: $last, before: $before,
        direction: $direction, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number name builtin } } } }"""
USER = "query($id: ID!) { user(id: $id) { id number username } }"
ROLE = "query($id: ID!) { role(id: $id) { id name } }"
UPDATE_USER = """mutation($id: ID!, $i: UpdateUserInput!) {
  updateUser(id: $id, input: $i) { __typename
    ... on UserSuccess { user { username roles { edges { node { name } } } } }
    ... on Error { code field message } } }"""
DELETE_ROLE = """mutation($id: ID!) { deleteRole(id: $id) { __typename
  ... on RoleDeleted { deletedId } ... on Error { code field } } }"""


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("root")


async def grow_users(db: Sessionmaker, count: int) -> None:
    """Users u0, u1, ... until there are `count` besides root; odd ones operators."""
    async with unit_of_work(db) as s:
        have = await service.count_users(s) - 1
        for i in range(have, count):
            roles = ["operator", "viewer"] if i % 2 else ["viewer"]
            await service.create_user(s, f"u{i:03}", "pw-long-enough", roles=roles)


async def grow_roles(db: Sessionmaker, count: int) -> None:
    """Custom roles r0, r1, ... until there are `count` roles in all."""
    async with unit_of_work(db) as s:
        await service.ensure_builtin_roles(s)
        have = (await service.list_roles(s))[1]
        for i in range(have, count):
            await service.create_role(
                s, _system(), f"r{i:03}", "", ["devices.device.view"], None
            )


def _system() -> auth.Principal:
    return auth.Principal(0, "system", (), frozenset({"*"}))


class TestUserList:
    async def test_pages_both_ways(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await grow_users(db, 7)
        ids = await walk(app, token, USERS, "users", 3)
        assert ids[0] == global_id(User, 1)
        assert len(ids) == 8
        order = {"field": "USERNAME", "direction": "DESC"}
        named = await walk(app, token, USERS, "users", 3, {"order": order})
        assert named == [global_id(User, n) for n in (8, 7, 6, 5, 4, 3, 2, 1)]

    async def test_filters(self, app: RunningApp, db: Sessionmaker, token: str) -> None:
        await grow_users(db, 4)
        async with db() as s:
            operator = next(
                r for r in (await service.list_roles(s))[0] if r.name == "operator"
            )
        body = await app.gql(
            USERS, {"filter": {"roleId": global_id(Role, operator.id)}}, token=token
        )
        found = [e["node"]["username"] for e in body["data"]["users"]["edges"]]
        assert found == ["u001", "u003"]
        first = body["data"]["users"]["edges"][0]["node"]
        assert [e["node"]["name"] for e in first["roles"]["edges"]] == [
            "operator",
            "viewer",
        ]
        body = await app.gql(USERS, {"filter": {"search": "U00"}}, token=token)
        assert body["data"]["users"]["totalCount"] == 4

    async def test_statements_do_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async def grow(n: int) -> None:
            await grow_users(db, n)

        await assert_constant_statements(
            app, token, USERS, "users", grow, sizes=(3, 25)
        )


class TestRoleList:
    async def test_pages_both_ways(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await grow_roles(db, 8)
        names = await walk(app, token, ROLES, "roles", 3)
        assert len(names) == 8
        back = await walk(app, token, ROLES, "roles", 3, {"direction": "DESC"})
        assert back == list(reversed(names))
        custom = await app.gql(ROLES, {"filter": {"builtin": False}}, token=token)
        assert custom["data"]["roles"]["totalCount"] == 5

    async def test_statements_do_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async def grow(n: int) -> None:
            await grow_roles(db, n)

        await assert_constant_statements(app, token, ROLES, "roles", grow)


class TestGetters:
    async def test_user_and_role_by_global_id(
        self, app: RunningApp, token: str
    ) -> None:
        user = await app.gql(USER, {"id": global_id(User, 1)}, token=token)
        assert user["data"]["user"] == {
            "id": global_id(User, 1),
            "number": 1,
            "username": "root",
        }
        node = await app.gql(
            "query($id: ID!) { node(id: $id) { ... on User { username } } }",
            {"id": global_id(User, 1)},
            token=token,
        )
        assert node["data"]["node"] == {"username": "root"}

    @pytest.mark.parametrize(
        ("query", "field"), [(USER, "user"), (ROLE, "role")], ids=["user", "role"]
    )
    async def test_absent_malformed_or_other_type_is_null(
        self, app: RunningApp, token: str, query: str, field: str
    ) -> None:
        for raw in (
            global_id(User if field == "user" else Role, 4040),
            "not-a-global-id",
            "1",
            global_id(Device, 1),
        ):
            body = await app.gql(query, {"id": raw}, token=token)
            assert body == {"data": {field: None}}, raw


class TestMutationIds:
    async def test_another_types_id_is_not_found_with_field(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async with unit_of_work(db) as s:
            device = await devices_service.create_device(
                s, devices_service.DeviceInput(address="192.0.2.1")
            )
        wrong = global_id(Device, device.id)
        user = await app.gql(UPDATE_USER, {"id": wrong, "i": {}}, token=token)
        assert user["data"]["updateUser"] == {
            "__typename": "UserNotFound",
            "code": "USER_NOT_FOUND",
            "field": "id",
            "message": f"No User with id '{wrong}'",
        }
        roles = await app.gql(
            UPDATE_USER,
            {"id": global_id(User, 1), "i": {"roleIds": [global_id(User, 1)]}},
            token=token,
        )
        assert roles["data"]["updateUser"]["__typename"] == "RoleNotFound"
        assert roles["data"]["updateUser"]["field"] == "roleIds"
        role = await app.gql(DELETE_ROLE, {"id": wrong}, token=token)
        assert role["data"]["deleteRole"] == {
            "__typename": "RoleNotFound",
            "code": "ROLE_NOT_FOUND",
            "field": "id",
        }

    async def test_roles_by_global_id_and_deleted_id(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await grow_roles(db, 4)
        await grow_users(db, 1)
        async with db() as s:
            custom = next(
                r for r in (await service.list_roles(s))[0] if r.name == "r003"
            )
        role_id = global_id(Role, custom.id)
        changed = await app.gql(
            UPDATE_USER,
            {"id": global_id(User, 2), "i": {"roleIds": [role_id]}},
            token=token,
        )
        assert changed["data"]["updateUser"] == {
            "__typename": "UserSuccess",
            "user": {
                "username": "u000",
                "roles": {"edges": [{"node": {"name": "r003"}}]},
            },
        }
        deleted = await app.gql(DELETE_ROLE, {"id": role_id}, token=token)
        assert deleted["data"]["deleteRole"] == {
            "__typename": "RoleDeleted",
            "deletedId": role_id,
        }
        again = await app.gql(DELETE_ROLE, {"id": role_id}, token=token)
        assert again["data"]["deleteRole"] == {
            "__typename": "RoleNotFound",
            "code": "ROLE_NOT_FOUND",
            "field": "id",
        }

    async def test_logout_is_a_payload(self, app: RunningApp, token: str) -> None:
        body = await app.gql(
            "mutation { logout { __typename ... on Done { ok } } }", token=token
        )
        assert body["data"]["logout"] == {"__typename": "Done", "ok": True}
