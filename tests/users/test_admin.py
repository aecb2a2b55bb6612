"""Users and roles administration on OpsConductor REST, GraphQL and biRun register."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.users import service
from app.users.errors import InvalidPermissionError, UnknownPermissionError
from app.users.graphql.types import User
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.users.helpers import bearer

CREATE_ROLE = """mutation($i: CreateRoleInput!) { createRole(input: $i) {
  __typename ... on RoleSuccess { role { id name permissions builtin } }
  ... on Error { message } } }"""


class TestUsersRest:
    async def test_create_and_list(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        created = await app.http.post(
            "/api/auth/users",
            json={
                "username": "newuser",
                "email": "newuser@example.com",
                "password": "SecurePass123!",
                "roles": ["operator"],
            },
            headers=admin,
        )
        assert created.status_code == 201
        body = created.json()
        created_at = body["data"].pop("created_at")
        assert created_at.endswith("Z")
        assert body == {
            "success": True,
            "data": {
                "id": 2,
                "username": "newuser",
                "email": "newuser@example.com",
                "roles": ["operator"],
                "is_active": True,
            },
            "message": "User created",
        }
        listed = await app.http.get("/api/auth/users", headers=admin)
        assert [u["username"] for u in listed.json()["data"]] == ["root", "newuser"]

    async def test_update_then_delete(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        await make_user("newuser", roles=("operator",))
        updated = await app.http.put(
            "/api/auth/users/2", json={"roles": ["viewer"]}, headers=admin
        )
        assert updated.json()["data"]["roles"] == ["viewer"]
        deleted = await app.http.delete("/api/auth/users/2", headers=admin)
        assert deleted.json() == {
            "success": True,
            "data": None,
            "message": "User deleted",
        }
        gone = await app.http.delete("/api/auth/users/2", headers=admin)
        assert (gone.status_code, gone.json()) == (
            404,
            {
                "success": False,
                "error": {"code": "NOT_FOUND", "message": "User not found"},
            },
        )

    async def test_duplicate_username_and_unknown_role(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        taken = await app.http.post(
            "/api/auth/users",
            json={"username": "root", "password": "long-enough-1"},
            headers=admin,
        )
        assert (taken.status_code, taken.json()["error"]["details"]["reason"]) == (
            409,
            "USERNAME_TAKEN",
        )
        unknown = await app.http.post(
            "/api/auth/users",
            json={"username": "x", "password": "long-enough-1", "roles": ["nope"]},
            headers=admin,
        )
        assert unknown.status_code == 400
        assert unknown.json()["error"] == {
            "code": "VALIDATION_ERROR",
            "message": "Unknown role 'nope'",
            "details": {"role": "nope"},
        }

    async def test_admin_cannot_delete_or_deactivate_themselves(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        deleted = await app.http.delete("/api/auth/users/1", headers=admin)
        off = await app.http.put(
            "/api/auth/users/1", json={"is_active": False}, headers=admin
        )
        for response in (deleted, off):
            assert response.status_code == 409
            assert response.json()["error"]["details"]["reason"] == "SELF_LOCKOUT"

    async def test_the_last_active_admin_is_kept(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        await app.http.post(
            "/api/auth/roles",
            json={"name": "user_admin", "permissions": ["users.*.*"]},
            headers=admin,
        )
        helper = bearer(await make_user("helper", roles=("user_admin",)))
        demote = await app.http.put(
            "/api/auth/users/1", json={"roles": ["viewer"]}, headers=admin
        )
        delete = await app.http.delete("/api/auth/users/1", headers=helper)
        for response in (demote, delete):
            assert (response.status_code, response.json()["error"]) == (
                409,
                {
                    "code": "VALIDATION_ERROR",
                    "message": "The last active admin cannot be removed or deactivated",
                    "details": {"reason": "LAST_ADMIN"},
                },
            )
        await make_user("second", roles=("admin",))
        allowed = await app.http.put(
            "/api/auth/users/1", json={"roles": ["viewer"]}, headers=admin
        )
        assert allowed.json()["data"]["roles"] == ["viewer"]

    async def test_viewer_may_list_but_not_create(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        viewer = bearer(await make_user("val", roles=("viewer",)))
        assert (
            await app.http.get("/api/auth/users", headers=viewer)
        ).status_code == 200
        refused = await app.http.post(
            "/api/auth/users",
            json={"username": "x", "password": "long-enough-1"},
            headers=viewer,
        )
        assert (refused.status_code, refused.json()) == (
            403,
            {
                "success": False,
                "error": {
                    "code": "FORBIDDEN",
                    "message": "Permission 'users.user.create' required",
                },
            },
        )


class TestRolesRest:
    async def test_create_update_delete_custom_role(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        created = await app.http.post(
            "/api/auth/roles",
            json={
                "name": "network_admin",
                "description": "Network administrators",
                "permissions": ["devices.*.*", "scans.scan.view", "devices.*.*"],
            },
            headers=admin,
        )
        assert created.status_code == 201
        role = created.json()["data"]
        assert role == {
            "id": role["id"],
            "name": "network_admin",
            "description": "Network administrators",
            "permissions": ["devices.*.*", "scans.scan.view"],
            "builtin": False,
        }
        updated = await app.http.put(
            f"/api/auth/roles/{role['id']}",
            json={"permissions": ["devices.device.view"]},
            headers=admin,
        )
        assert updated.json()["data"]["permissions"] == ["devices.device.view"]
        listed = await app.http.get("/api/auth/roles", headers=admin)
        names = [r["name"] for r in listed.json()["data"]]
        assert names == ["admin", "network_admin", "operator", "viewer"]
        deleted = await app.http.delete(f"/api/auth/roles/{role['id']}", headers=admin)
        assert deleted.json()["message"] == "Role deleted"

    async def test_builtin_roles_cannot_be_deleted_or_rescoped(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        roles = (await app.http.get("/api/auth/roles", headers=admin)).json()["data"]
        viewer_id = next(r["id"] for r in roles if r["name"] == "viewer")
        deleted = await app.http.delete(f"/api/auth/roles/{viewer_id}", headers=admin)
        assert (deleted.status_code, deleted.json()["error"]) == (
            409,
            {
                "code": "VALIDATION_ERROR",
                "message": "Built-in role 'viewer' cannot be changed that way",
                "details": {"reason": "BUILTIN_ROLE"},
            },
        )
        rescoped = await app.http.put(
            f"/api/auth/roles/{viewer_id}", json={"permissions": ["*"]}, headers=admin
        )
        assert rescoped.status_code == 409
        described = await app.http.put(
            f"/api/auth/roles/{viewer_id}",
            json={"description": "Read only"},
            headers=admin,
        )
        assert described.json()["data"]["description"] == "Read only"

    async def test_malformed_permission_is_a_validation_error(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = bearer(await make_user("root"))
        response = await app.http.post(
            "/api/auth/roles",
            json={"name": "bad", "permissions": ["devices.view"]},
            headers=admin,
        )
        assert (response.status_code, response.json()) == (
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Invalid permission 'devices.view': "
                    "expected domain.object.action",
                    "details": {"permission": "devices.view"},
                },
            },
        )


class TestPermissionStrings:
    @pytest.mark.parametrize(
        "good", ["*", "devices.*.*", "devices.device.execute", "*.*.view", "*.secret.*"]
    )
    def test_accepted(self, good: str) -> None:
        assert service.validate_permissions([good]) == [good]

    @pytest.mark.parametrize("unknown", ["jobs.job.fly", "a_b.c-d.e1", "devices.*.fly"])
    def test_unknown_refused(self, unknown: str) -> None:
        with pytest.raises(UnknownPermissionError):
            service.validate_permissions([unknown])

    @pytest.mark.parametrize(
        "bad", ["", "devices", "a.b", "a.b.c.d", "A.b.c", "a..c", "a.b.*x", "**"]
    )
    def test_refused(self, bad: str) -> None:
        with pytest.raises(InvalidPermissionError):
            service.validate_permissions([bad])


class TestAdminGraphql:
    async def test_create_user_and_role(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("root")
        role = await app.gql(
            CREATE_ROLE,
            {"i": {"name": "auditor", "permissions": ["audit.log.read"]}},
            token=token,
        )
        made = role["data"]["createRole"]
        assert made == {
            "__typename": "RoleSuccess",
            "role": {
                "id": made["role"]["id"],
                "name": "auditor",
                "permissions": ["audit.log.read"],
                "builtin": False,
            },
        }
        user = await app.gql(
            """mutation($r: [ID!]) { createUser(input: {username: "aud",
              password: "pw-long-enough", roleIds: $r}) { __typename
              ... on UserSuccess { user { username
                roles { edges { node { name } } } } } } }""",
            {"r": [made["role"]["id"]]},
            token=token,
        )
        assert user["data"]["createUser"] == {
            "__typename": "UserSuccess",
            "user": {
                "username": "aud",
                "roles": {"edges": [{"node": {"name": "auditor"}}]},
            },
        }
        users = await app.gql(
            "{ users { edges { node { username isActive } } } }", token=token
        )
        assert [e["node"] for e in users["data"]["users"]["edges"]] == [
            {"username": "root", "isActive": True},
            {"username": "aud", "isActive": True},
        ]

    async def test_expected_failures_are_union_members(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("root")
        bad = await app.gql(
            CREATE_ROLE, {"i": {"name": "x", "permissions": ["nope"]}}, token=token
        )
        assert bad["data"]["createRole"]["__typename"] == "InvalidPermission"
        builtin = await app.gql(
            """{ roles(filter: {search: "admin"}) { edges { node { id } } } }""",
            token=token,
        )
        admin_id = builtin["data"]["roles"]["edges"][0]["node"]["id"]
        refused = await app.gql(
            "mutation($id: ID!) { deleteRole(id: $id) { __typename } }",
            {"id": admin_id},
            token=token,
        )
        assert refused["data"]["deleteRole"] == {"__typename": "BuiltinRoleProtected"}
        missing = await app.gql(
            "mutation($id: ID!) { deleteUser(id: $id) { __typename "
            "... on Error { code field } } }",
            {"id": global_id(User, 999)},
            token=token,
        )
        assert missing["data"]["deleteUser"] == {
            "__typename": "UserNotFound",
            "code": "USER_NOT_FOUND",
            "field": "id",
        }

    async def test_operator_is_refused_user_administration(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("op", roles=("operator",))
        body = await app.gql(
            "mutation($id: ID!) { deleteUser(id: $id) { __typename } }",
            {"id": global_id(User, 1)},
            token=token,
        )
        assert body["data"] is None
        error: dict[str, Any] = body["errors"][0]
        assert error["message"] == "Permission 'users.user.delete' required"
        assert error["extensions"] == {"code": "FORBIDDEN"}


class TestRegister:
    async def test_refused_when_the_setting_is_off(self, app: RunningApp) -> None:
        response = await app.http.post(
            "/birun/api/auth/register",
            json={"username": "newuser", "password": "long-enough-1"},
        )
        assert (response.status_code, response.json()) == (
            403,
            {
                "error": "Registration is disabled",
                "status": "error",
                "details": {"code": "REGISTRATION_DISABLED"},
            },
        )

    async def test_creates_a_viewer_when_allowed(
        self, db: Sessionmaker, pg_url: str
    ) -> None:
        async with unit_of_work(db) as session:
            await service.ensure_builtin_roles(session)
        async with serve(pg_settings(pg_url, allow_registration=True)) as app:
            response = await app.http.post(
                "/birun/api/auth/register",
                json={
                    "username": "newuser",
                    "password": "long-enough-1",
                    "email": "newuser@example.com",
                },
            )
            login = await app.http.post(
                "/birun/api/auth/login",
                json={"username": "newuser", "password": "long-enough-1"},
            )
        assert (response.status_code, response.json()) == (
            201,
            {
                "message": "User created successfully",
                "user": {
                    "id": 1,
                    "username": "newuser",
                    "email": "newuser@example.com",
                    "role": "viewer",
                },
            },
        )
        assert login.status_code == 200

    async def test_closed_registration_is_403_whatever_the_body(
        self, app: RunningApp
    ) -> None:
        response = await app.http.post("/birun/api/auth/register", json={"x": 1})
        assert response.status_code == 403

    async def test_invalid_body_is_422_in_birun_shape(
        self, db: Sessionmaker, pg_url: str
    ) -> None:
        async with serve(pg_settings(pg_url, allow_registration=True)) as app:
            response = await app.http.post("/birun/api/auth/register", json={"x": 1})
        assert response.status_code == 422
        assert response.json()["status"] == "error"
        assert response.json()["error"] == "username: Field required"
