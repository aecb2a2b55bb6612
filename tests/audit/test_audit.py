"""The audit trail: what is recorded, and the admin query."""

from __future__ import annotations

from typing import Any

from app.audit import service
from app.audit.graphql.types import AuditEntry
from app.db import Sessionmaker, unit_of_work
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.users.graphql.types import User
from tests.conftest import RunningApp, TokenFactory
from tests.connections import assert_constant_statements, walk
from tests.users.helpers import bearer, rest_login

AUDIT = """query($a: String) { auditLog(filter: {action: $a}) { edges { node {
  action username client target details userId } } } }"""
PAGES = """query($first: Int, $after: String, $last: Int, $before: String,
  $filter: AuditFilter, $direction: OrderDirection! = DESC) {
  auditLog(first: $first, after: $after, last: $last, before: $before,
           filter: $filter, direction: $direction) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number action userId } } } }"""
PASSWORD = "correct-horse-battery"


async def _entries(app: RunningApp, token: str, action: str) -> list[dict[str, Any]]:
    body = await app.gql(AUDIT, {"a": action}, token=token)
    return [e["node"] for e in body["data"]["auditLog"]["edges"]]


async def _record(db: Sessionmaker, count: int, user_id: int | None = None) -> None:
    """Add test entries until `count` of action `test.mark` exist."""
    async with unit_of_work(db) as session:
        have = len(await service.list_entries(session, action="test.mark", limit=500))
        for i in range(have, count):
            actor = service.Actor(user_id if i % 2 else None, f"n{i}")
            await service.record(session, "test.mark", actor, target=f"t:{i}")


class TestAuditTrail:
    async def test_login_success_and_failure_are_recorded(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = await make_user("root")
        await rest_login(app, "root", PASSWORD)
        await app.http.post(
            "/api/auth/login", json={"username": "root", "password": "wrong-one-99"}
        )
        ok = await _entries(app, admin, "auth.login.succeeded")
        failed = await _entries(app, admin, "auth.login.failed")
        assert ok == [
            {
                "action": "auth.login.succeeded",
                "username": "root",
                "client": "127.0.0.1",
                "target": None,
                "details": {},
                "userId": global_id(User, 1),
            }
        ]
        assert [(e["username"], e["client"], e["userId"]) for e in failed] == [
            ("root", "127.0.0.1", None)
        ]
        assert "wrong-one-99" not in str(failed)

    async def test_logout_reuse_and_password_change_are_recorded(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = await make_user("root")
        login = await rest_login(app, "root", PASSWORD)
        for _ in range(2):
            await app.http.post(
                "/api/auth/refresh", json={"refresh_token": login["refresh_token"]}
            )
        await app.http.post(
            "/api/auth/change-password",
            json={"current_password": PASSWORD, "new_password": "another-pass-1"},
            headers=bearer(admin),
        )
        await app.http.post("/api/auth/logout", headers=bearer(admin))
        fresh = (await rest_login(app, "root", "another-pass-1"))["session_token"]
        for action in ("auth.refresh.reused", "auth.password.changed", "auth.logout"):
            entries = await _entries(app, fresh, action)
            assert [(e["username"], e["client"]) for e in entries] == [
                ("root", "127.0.0.1")
            ], action

    async def test_user_and_role_changes_are_recorded(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        await app.http.post(
            "/api/auth/users",
            json={"username": "u2", "password": "long-enough-1", "roles": ["viewer"]},
            headers=admin,
        )
        await app.http.put(
            "/api/auth/users/2", json={"roles": ["operator"]}, headers=admin
        )
        role = await app.http.post(
            "/api/auth/roles",
            json={"name": "r1", "permissions": ["devices.*.view"]},
            headers=admin,
        )
        await app.http.delete("/api/auth/users/2", headers=admin)
        token = admin["Authorization"].split()[1]
        updated = await _entries(app, token, "user.updated")
        assert updated[0]["target"] == "user:2"
        assert updated[0]["details"] == {"roles": ["operator"]}
        created = await _entries(app, token, "role.created")
        assert created[0]["target"] == f"role:{role.json()['data']['id']}"
        deleted = await _entries(app, token, "user.deleted")
        assert deleted[0]["details"] == {"username": "u2"}
        assert deleted[0]["username"] == "root"

    async def test_anonymous_callers_cannot_read_the_log(self, app: RunningApp) -> None:
        body = await app.gql(AUDIT, {"a": None})
        assert body["data"] is None
        assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


class TestAuditConnection:
    async def test_pages_both_ways_newest_first(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("root")
        await _record(db, 7, user_id=1)
        marks = {"action": "test.mark"}
        ids = await walk(app, token, PAGES, "auditLog", 3, {"filter": marks})
        # Entry 1 is root's creation; the marks are 2 to 8.
        assert ids == [global_id(AuditEntry, n) for n in range(8, 1, -1)]
        oldest = await walk(
            app, token, PAGES, "auditLog", 2, {"filter": marks, "direction": "ASC"}
        )
        assert oldest == list(reversed(ids))
        mine = {"action": "test.mark", "userId": global_id(User, 1)}
        body = await app.gql(PAGES, {"filter": mine}, token=token)
        found = body["data"]["auditLog"]
        assert found["totalCount"] == 3
        assert {e["node"]["userId"] for e in found["edges"]} == {global_id(User, 1)}

    async def test_statements_do_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("root")

        async def grow(n: int) -> None:
            await _record(db, n)

        await assert_constant_statements(
            app, token, PAGES, "auditLog", grow, variables={"filter": {}}
        )

    async def test_another_types_user_id_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("root")
        body = await app.gql(
            PAGES, {"filter": {"userId": global_id(Device, 1)}}, token=token
        )
        assert body["data"] is None
        assert body["errors"][0]["message"].startswith("No User with id")

    async def test_node_resolves_an_entry_for_auditors_only(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("root")
        viewer = await make_user("val", roles=("viewer",))
        query = "query($id: ID!) { node(id: $id) { ... on AuditEntry { action } } }"
        first = {"id": global_id(AuditEntry, 1)}
        node = await app.gql(query, first, token=token)
        assert node["data"]["node"] == {"action": "user.created"}
        hidden = await app.gql(query, first, token=viewer)
        assert hidden["data"]["node"] is None
