"""What OpsConductor and biRun refuse at save instead of storing it."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def admin(make_user: TokenFactory) -> dict[str, str]:
    return bearer(await make_user("root", roles=("admin",)))


async def post(app: RunningApp, path: str, body: dict[str, Any], headers: Any) -> Any:
    return await app.http.post(path, json=body, headers=headers)


class TestOpsConductor:
    async def test_device_address_must_be_an_address(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await admin(make_user)
        bad = await post(app, "/api/devices", {"ip_address": "999.300.1.1"}, headers)
        assert bad.status_code == 400, bad.text
        assert bad.json()["error"]["code"] == "VALIDATION_ERROR"
        named = await post(app, "/api/devices", {"ip_address": "sw-1.lab"}, headers)
        assert named.status_code == 201, named.text

    async def test_duplicate_address_is_409(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await admin(make_user)
        body = {"ip_address": "127.0.0.9", "hostname": "one"}
        first = await post(app, "/api/devices", body, headers)
        assert first.status_code == 201, first.text
        again = await post(app, "/api/devices", {**body, "hostname": "two"}, headers)
        assert again.status_code == 409, again.text
        other = await post(app, "/api/devices", {"ip_address": "127.0.0.10"}, headers)
        moved = await app.http.put(
            f"/api/devices/{other.json()['data']['id']}",
            json={"ip_address": "127.0.0.9"},
            headers=headers,
        )
        assert moved.status_code == 409, moved.text

    async def test_role_permissions_must_exist(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await admin(make_user)
        for unknown in ("devices.device.fly", "nothing.at.all"):
            body = {"name": "odd", "permissions": [unknown]}
            refused = await post(app, "/api/auth/roles", body, headers)
            assert refused.status_code == 400, refused.text
            assert unknown in refused.json()["error"]["message"]
        body = {"name": "readers", "permissions": ["devices.*.view", "*.*.view"]}
        created = await post(app, "/api/auth/roles", body, headers)
        assert created.status_code == 201, created.text

    async def test_removing_a_non_member_is_404(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await admin(make_user)
        group = (await post(app, "/api/groups", {"name": "g"}, headers)).json()
        device = (
            await post(app, "/api/devices", {"ip_address": "127.0.0.11"}, headers)
        ).json()
        path = f"/api/groups/{group['data']['id']}/devices/{device['data']['id']}"
        response = await app.http.delete(path, headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "NOT_FOUND"


class TestBirun:
    async def test_schedule_naming_unknown_script_or_server(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await admin(make_user)
        script = await post(
            app,
            "/birun/api/scripts/",
            {"name": "hi", "content": "echo hi", "script_type": "bash"},
            headers,
        )
        assert script.status_code == 201, script.text
        script_id = script.json()["id"]
        base = {"name": "nightly", "cron_expression": "0 3 * * *"}
        for wrong in (
            {"script_id": 4242},
            {"script_id": script_id, "server_ids": [4242]},
        ):
            refused = await post(
                app, "/birun/api/schedules/", {**base, **wrong}, headers
            )
            assert refused.status_code == 404, refused.text
        listed = await app.http.get("/birun/api/schedules/", headers=headers)
        assert "nightly" not in listed.text

    async def test_workflow_naming_unknown_script(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await admin(make_user)
        nodes = [
            {"id": "start", "type": "trigger:manual", "config": {}},
            {
                "id": "run",
                "type": "script",
                "config": {"script_id": 4242, "server_ids": [4243]},
            },
        ]
        body = {"name": "wf", "nodes": nodes, "edges": [{"from": "start", "to": "run"}]}
        refused = await post(app, "/birun/api/workflows/", body, headers)
        assert refused.status_code == 404, refused.text
