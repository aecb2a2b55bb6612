"""The audit trail: what is recorded, and the admin query."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory
from tests.users.helpers import bearer, rest_login

AUDIT = """query($a: String) { auditLog(action: $a) {
  action username client target details userId } }"""
PASSWORD = "correct-horse-battery"


async def _entries(app: RunningApp, token: str, action: str) -> list[dict[str, Any]]:
    body = await app.gql(AUDIT, {"a": action}, token=token)
    entries: list[dict[str, Any]] = body["data"]["auditLog"]
    return entries


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
                "userId": "1",
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
