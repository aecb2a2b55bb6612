"""OpsConductor /api/devices and /api/groups: exact shapes, filters, errors."""

from __future__ import annotations

from typing import Any

from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from tests.conftest import RunningApp, TokenFactory

DATE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


async def create(app: RunningApp, h: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await app.http.post("/api/devices", json=body, headers=h)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


class TestDevices:
    async def test_create_and_get(self, app: RunningApp, admin: dict[str, str]) -> None:
        group = await app.http.post("/api/groups", json={"name": "Core"}, headers=admin)
        gid = group.json()["data"]["id"]
        created = await create(
            app,
            admin,
            ip_address="127.0.0.50",
            hostname="switch-01",
            device_type="switch",
            vendor="Ciena",
            model="3930",
            groups=[gid],
        )
        response = await app.http.get(f"/api/devices/{created['id']}", headers=admin)
        assert response.status_code == 200
        assert response.json() == {
            "success": True,
            "data": {
                "id": created["id"],
                "ip_address": "127.0.0.50",
                "hostname": "switch-01",
                "device_type": "switch",
                "vendor": "Ciena",
                "model": "3930",
                "software_version": None,
                "status": "unknown",
                "last_seen": None,
                "interfaces": [],
                "groups": [{"id": gid, "name": "Core"}],
            },
        }

    async def test_list_filters_sorts_and_pages(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        for i in range(3):
            await create(app, admin, ip_address=f"127.0.1.{i}", hostname=f"h{i}")
        await create(app, admin, ip_address="127.0.2.1", hostname="other")
        response = await app.http.get(
            "/api/devices",
            params={"search": "127.0.1", "sort": "hostname", "order": "desc"}
            | {"limit": 2, "offset": 0},
            headers=admin,
        )
        data = response.json()["data"]
        assert [d["hostname"] for d in data["devices"]] == ["h2", "h1"]
        assert (data["total"], data["limit"], data["offset"]) == (3, 2, 0)
        assert data["devices"][0]["groups"] == []

    async def test_filter_by_group_and_status(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        group = await app.http.post("/api/groups", json={"name": "G"}, headers=admin)
        gid = group.json()["data"]["id"]
        inside = await create(app, admin, ip_address="127.0.3.1", groups=[gid])
        await create(app, admin, ip_address="127.0.3.2")
        listed = await app.http.get(
            "/api/devices", params={"group_id": gid}, headers=admin
        )
        assert [d["id"] for d in listed.json()["data"]["devices"]] == [inside["id"]]
        down = await app.http.get(
            "/api/devices", params={"status": "down"}, headers=admin
        )
        assert down.json()["data"]["devices"] == []

    async def test_update_and_delete(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await create(app, admin, ip_address="127.0.4.1", hostname="a")
        url = f"/api/devices/{created['id']}"
        changed = await app.http.put(
            url, json={"hostname": "b", "software_version": "8.15.0"}, headers=admin
        )
        assert changed.json()["data"]["hostname"] == "b"
        assert changed.json()["data"]["software_version"] == "8.15.0"
        assert (await app.http.delete(url, headers=admin)).json() == {
            "success": True,
            "data": None,
            "message": "Device deleted",
        }
        missing = await app.http.get(url, headers=admin)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "NOT_FOUND"

    async def test_interfaces(self, app: RunningApp, admin: dict[str, str]) -> None:
        interfaces = [{"name": "eth0", "mac": "00:11:22:33:44:55"}]
        created = await create(
            app, admin, ip_address="127.0.5.1", interfaces=interfaces
        )
        response = await app.http.get(
            f"/api/devices/{created['id']}/interfaces", headers=admin
        )
        assert response.json()["data"] == {
            "device_id": created["id"],
            "interfaces": interfaces,
        }

    async def test_bad_input(self, app: RunningApp, admin: dict[str, str]) -> None:
        response = await app.http.post(
            "/api/devices", json={"hostname": "x"}, headers=admin
        )
        assert response.status_code == 400
        assert response.json() == {
            "success": False,
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "ip_address is required",
                "details": {"field": "ip_address"},
            },
        }
        bad_key = await app.http.post(
            "/api/devices",
            json={"ip_address": "127.0.0.1", "host_key": "not a key"},
            headers=admin,
        )
        assert bad_key.json()["error"]["details"] == {"field": "host_key"}
        bad_status = await app.http.get(
            "/api/devices", params={"status": "sideways"}, headers=admin
        )
        assert bad_status.status_code == 400

    async def test_viewer_cannot_create(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("viewer-oc", roles=("viewer",))
        response = await app.http.post(
            "/api/devices",
            json={"ip_address": "127.0.0.1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 403


class TestGroups:
    async def test_membership_round_trip(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await app.http.post(
            "/api/groups",
            json={"name": "Edge Routers", "description": "Edge routing devices"},
            headers=admin,
        )
        assert created.status_code == 201
        group = created.json()["data"]
        assert set(group) == {"id", "name", "description", "device_count", "created_at"}
        device = await create(app, admin, ip_address="127.0.6.1", hostname="r1")
        base = f"/api/groups/{group['id']}"
        added = await app.http.post(
            f"{base}/devices", json={"device_id": device["id"]}, headers=admin
        )
        assert added.json()["success"] is True
        members = await app.http.get(f"{base}/devices", headers=admin)
        assert [d["id"] for d in members.json()["data"]["devices"]] == [device["id"]]
        listed = await app.http.get("/api/groups", headers=admin)
        (row,) = listed.json()["data"]["groups"]
        assert (row["name"], row["device_count"]) == ("Edge Routers", 1)
        await app.http.delete(f"{base}/devices/{device['id']}", headers=admin)
        assert (await app.http.get(base, headers=admin)).json()["data"][
            "device_count"
        ] == 0

    async def test_duplicate_and_missing(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        await app.http.post("/api/groups", json={"name": "Dup"}, headers=admin)
        again = await app.http.post("/api/groups", json={"name": "Dup"}, headers=admin)
        assert again.status_code == 409
        assert again.json()["error"]["details"]["reason"] == "GROUP_NAME_DUPLICATE"
        missing = await app.http.post(
            "/api/groups/999/devices", json={"device_id": 1}, headers=admin
        )
        assert missing.status_code == 404


class TestMovedDevice:
    QUERY = "query ($id: ID!) { device(id: $id) { credential { id } } }"

    async def linked_device(self, app: RunningApp, admin: dict[str, str]) -> str:
        cred = await app.http.post(
            "/api/credentials",
            json={
                "name": "fleet-login",
                "credential_type": "ssh",
                "username": "ops",
                "password": "fleet-pw-1",
            },
            headers=admin,
        )
        device = await create(
            app,
            admin,
            hostname="sw-9",
            ip_address="127.0.0.9",
            credential_id=cred.json()["data"]["id"],
        )
        return str(device["id"])

    async def login_of(self, app: RunningApp, token: str, device_id: str) -> Any:
        gid = global_id(Device, device_id)
        body = await app.gql(self.QUERY, {"id": gid}, token=token)
        return body["data"]["device"]["credential"]

    async def test_operator_moving_a_device_unlinks_its_login(
        self, app: RunningApp, make_user: TokenFactory, admin: dict[str, str]
    ) -> None:
        device_id = await self.linked_device(app, admin)
        op = {"Authorization": f"Bearer {await make_user('op', ('operator',))}"}
        renamed = await app.http.put(
            f"/api/devices/{device_id}", json={"hostname": "sw-9b"}, headers=op
        )
        assert renamed.status_code == 200, renamed.text
        token = admin["Authorization"].split()[1]
        assert await self.login_of(app, token, device_id) is not None
        moved = await app.http.put(
            f"/api/devices/{device_id}", json={"ip_address": "127.0.0.10"}, headers=op
        )
        assert moved.status_code == 200, moved.text
        assert await self.login_of(app, token, device_id) is None

    async def test_admin_moving_a_device_keeps_its_login(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        device_id = await self.linked_device(app, admin)
        moved = await app.http.put(
            f"/api/devices/{device_id}", json={"port": 2222}, headers=admin
        )
        assert moved.status_code == 200, moved.text
        token = admin["Authorization"].split()[1]
        assert await self.login_of(app, token, device_id) is not None
