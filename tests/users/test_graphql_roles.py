"""A user's roles are a connection, by name, paged both ways from the roles
loader: a page of users costs the same statements whatever its size."""

from __future__ import annotations

import pytest

from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.users import service
from app.users.graphql.types import User
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.users.test_graphql import grow_roles, grow_users

ROLES_OF = f"""query($id: ID!, $first: Int, $after: String, $last: Int,
  $before: String) {{ node(id: $id) {{ ... on User {{ roles(first: $first,
  after: $after, last: $last, before: $before) {{ {PAGE}
  edges {{ cursor node {{ id name }} }} }} }} }} }}"""
USERS = f"""query($first: Int) {{ users(first: $first) {{ {PAGE}
  edges {{ node {{ id roles(last: 1) {{ totalCount edges {{ node {{ name }} }} }}
  }} }} }} }}"""


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("root")


class TestUserRoles:
    async def test_pages_forward_and_backward_by_name(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await grow_roles(db, 12)
        async with unit_of_work(db) as s:
            names = [r.name for r in (await service.list_roles(s))[0]]
            user = await service.create_user(s, "many", "pw-long-enough", roles=names)
        variables = {"id": global_id(User, user.id)}
        found = await walk(app, token, ROLES_OF, "node.roles", 5, variables)
        assert len(found) == 12
        body = await app.gql(ROLES_OF, {**variables, "first": 12}, token)
        listed = [e["node"]["name"] for e in body["data"]["node"]["roles"]["edges"]]
        assert listed == sorted(names)

    async def test_statements_do_not_grow_with_users(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async def grow(n: int) -> None:
            await grow_users(db, n)

        await assert_constant_statements(app, token, USERS, "users", grow)
        body = await app.gql(USERS, {"first": 3}, token)
        operator = body["data"]["users"]["edges"][2]["node"]["roles"]
        assert operator == {"totalCount": 2, "edges": [{"node": {"name": "viewer"}}]}
