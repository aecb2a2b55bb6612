"""The OpsConductor NetBox routes on the real app, against the NetBox 4.4 stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.audit import service as audit_service
from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, free_port, pg_settings, serve
from tests.netbox.conftest import TOKEN, Netbox, auth, configure, running, self_signed
from tests.netbox.fake_netbox import FakeNetbox


async def _get(app: RunningApp, token: str, path: str, **params: str) -> Any:
    response = await app.http.get(f"/api{path}", params=params, headers=auth(token))
    assert response.status_code == 200, response.text
    assert TOKEN not in response.text
    return response.json()["data"]


async def _device(app: RunningApp, token: str, name: str, address: str) -> int:
    response = await app.http.post(
        "/api/devices",
        json={"name": name, "ip_address": address},
        headers=auth(token),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


class TestStatus:
    async def test_connected_shows_netbox_version(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        data = await _get(app, admin, "/netbox/status")
        assert data == {"connected": True, "url": netbox.url, "version": "4.4.10"}
        assert netbox.fake.requests[-1][:2] == ("GET", "/api/status/")

    async def test_wrong_token_says_so_without_the_token(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        await configure(app, admin, netbox, netbox_token="f" * 40)
        data = await _get(app, admin, "/netbox/status")
        assert data["connected"] is False
        assert data["error"] == "NetBox refused the token: Invalid token"
        assert "f" * 40 not in str(data)

    async def test_unreachable_and_not_configured(
        self, app: RunningApp, make_user: TokenFactory, netbox: Netbox
    ) -> None:
        token = await make_user()
        data = await _get(app, token, "/netbox/status")
        assert data["connected"] is False
        assert data["error"].startswith("NetBox is not configured")
        await configure(
            app, token, netbox, netbox_url=f"http://127.0.0.1:{free_port()}"
        )
        data = await _get(app, token, "/netbox/status")
        assert (data["connected"], data["version"]) == (False, None)
        assert data["error"] == "cannot connect to NetBox: ConnectError"

    async def test_tls_failure_says_so_and_verify_off_connects(
        self, app: RunningApp, admin: str, tmp_path: Path
    ) -> None:
        async with running(
            FakeNetbox(token=TOKEN), "https", **self_signed(tmp_path)
        ) as tls:
            await configure(app, admin, tls)
            failed = await _get(app, admin, "/netbox/status")
            await configure(app, admin, tls, netbox_verify_tls=False)
            passed = await _get(app, admin, "/netbox/status")
        assert failed["connected"] is False
        assert failed["error"].startswith("TLS verification of NetBox failed")
        assert (passed["connected"], passed["version"]) == (True, "4.4.10")

    async def test_loopback_url_obeys_the_outbound_policy(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory, netbox: Netbox
    ) -> None:
        async with serve(pg_settings(pg_url)) as strict:
            token = await make_user()
            await configure(strict, token, netbox)
            data = await _get(strict, token, "/netbox/status")
        assert data["connected"] is False
        assert data["error"] == (
            "NetBox URL not allowed: Loopback addresses are not allowed"
        )
        assert netbox.fake.requests == []


class TestReading:
    async def test_devices_with_their_shape(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        found = await _get(app, admin, "/netbox/devices")
        assert [d["name"] for d in found] == ["nb-dev-1", "nb-dev-2", "nb-dev-3"]
        assert found[0] == {
            "id": found[0]["id"],
            "name": "nb-dev-1",
            "status": "active",
            "site": {"id": 1, "name": "Amsterdam DC1", "slug": "ams-dc1"},
            "role": {"id": 1, "name": "Core Router", "slug": "core-router"},
            "device_type": {
                "id": 1,
                "name": "MX204",
                "slug": "mx204",
                "model": "MX204",
                "manufacturer": "Juniper",
            },
            "platform": {"id": 1, "name": "Junos", "slug": "junos"},
            "primary_ip": "127.0.9.1",
            "opsgraph_device_id": None,
        }

    async def test_filters_reach_netbox_by_slug_id_status_and_search(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        async def names(**params: str) -> list[str]:
            return [
                d["name"] for d in await _get(app, admin, "/netbox/devices", **params)
            ]

        assert await names(site="ams-dc1") == ["nb-dev-1", "nb-dev-2"]
        assert await names(site="2") == ["nb-dev-3"]
        assert await names(role="access-switch") == ["nb-dev-2", "nb-dev-3"]
        assert await names(role="1") == ["nb-dev-1"]
        assert await names(status="planned") == ["nb-dev-3"]
        assert await names(search="127.0.9.2") == ["nb-dev-2"]
        assert await names(search="DEV-1") == ["nb-dev-1"]
        queries = [q for m, p, q in netbox.fake.requests if p == "/api/dcim/devices/"]
        assert "site=ams-dc1" in queries[0]
        assert "site_id=2" in queries[1]
        assert "q=DEV-1" in queries[-1]

    async def test_unknown_site_is_400_with_netbox_message(
        self, app: RunningApp, admin: str
    ) -> None:
        response = await app.http.get(
            "/api/netbox/devices", params={"site": "nowhere"}, headers=auth(admin)
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"] == (
            "site: Select a valid choice. nowhere is not one of the available choices."
        )

    async def test_every_page_is_followed(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        netbox.fake.max_page_size = 4
        for n in range(4, 12):
            netbox.fake.add(
                "devices", name=f"nb-dev-{n:02}", site=1, role=1, device_type=1
            )
        found = await _get(app, admin, "/netbox/devices")
        assert len(found) == 11
        assert len({d["id"] for d in found}) == 11
        pages = [q for m, p, q in netbox.fake.requests if p == "/api/dcim/devices/"]
        assert len(pages) == 3
        assert "offset=8" in pages[-1]

    async def test_sites_roles_and_types(self, app: RunningApp, admin: str) -> None:
        sites = await _get(app, admin, "/netbox/sites")
        assert sites == [
            {"id": 1, "name": "Amsterdam DC1", "slug": "ams-dc1"},
            {"id": 2, "name": "Frankfurt DC1", "slug": "fra-dc1"},
        ]
        roles = await _get(app, admin, "/netbox/device-roles")
        assert [r["slug"] for r in roles] == ["access-switch", "core-router"]
        types = await _get(app, admin, "/netbox/device-types")
        assert [(t["manufacturer"], t["model"]) for t in types] == [
            ("Arista", "DCS-7050"),
            ("Juniper", "MX204"),
        ]


class TestSync:
    async def test_create_then_idempotent_then_update(
        self, app: RunningApp, admin: str, netbox: Netbox, db: Sessionmaker
    ) -> None:
        device_id = await _device(app, admin, "edge-9", "127.0.8.9")
        placed = {"site_id": 1, "role_id": 2, "device_type_id": 2}
        data = await _sync(app, admin, device_id, placed)
        assert (data["created"], data["changed"]) == (True, True)
        made = netbox.fake.tables["devices"][data["netbox_id"]]
        placement = (made["site"], made["role"], made["device_type"])
        assert (made["name"], placement) == ("edge-9", (1, 2, 2))
        ip = netbox.fake.tables["ips"][made["primary_ip4"]]
        interface = netbox.fake.tables["interfaces"][ip["assigned_object_id"]]
        assert (ip["address"], interface["name"]) == ("127.0.8.9/32", "mgmt0")
        assert interface["device"] == made["id"]
        before, writes = netbox.fake.count(), _writes(netbox)
        again = await _sync(app, admin, device_id, placed)
        assert again == {**data, "created": False, "changed": False}
        assert (netbox.fake.count(), _writes(netbox)) == (before, writes)
        renamed = await app.http.put(
            f"/api/devices/{device_id}", json={"name": "edge-9b"}, headers=auth(admin)
        )
        assert renamed.status_code == 200
        third = await _sync(app, admin, device_id, {})
        assert third["netbox_id"] == data["netbox_id"]
        assert netbox.fake.tables["devices"][data["netbox_id"]]["name"] == "edge-9b"
        assert netbox.fake.count() == before
        async with db() as session:
            audit = await audit_service.list_entries(session, action="netbox.write")
        assert len(audit) == _writes(netbox) == 5
        assert f"netbox:dcim/devices/{data['netbox_id']}" in {a.target for a in audit}

    async def test_matches_existing_netbox_device_by_primary_ip(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        device_id = await _device(app, admin, "other-name", "127.0.9.2")
        response = await app.http.post(
            f"/api/netbox/sync/{device_id}", headers=auth(admin)
        )
        data = response.json()["data"]
        assert (data["netbox_id"], data["created"]) == (2, False)
        listed = await _get(app, admin, "/netbox/devices", search="other-name")
        assert listed[0]["opsgraph_device_id"] == device_id

    async def test_unknown_device_is_404(self, app: RunningApp, admin: str) -> None:
        response = await app.http.post("/api/netbox/sync/999", headers=auth(admin))
        assert response.status_code == 404

    async def test_netbox_refusals_are_400_with_its_message(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        device_id = await _device(app, admin, "edge-10", "127.0.8.10")
        response = await app.http.post(
            f"/api/netbox/sync/{device_id}",
            json={"site_id": 1, "role_id": 999},
            headers=auth(admin),
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"] == (
            "role: Related object not found using the provided numeric ID: 999"
        )
        missing = await app.http.post(
            f"/api/netbox/sync/{device_id}", json={"role_id": 1}, headers=auth(admin)
        )
        assert missing.status_code == 400
        assert missing.json()["error"]["message"] == "site: This field is required."


async def _sync(
    app: RunningApp, token: str, device_id: int, body: dict[str, int]
) -> Any:
    response = await app.http.post(
        f"/api/netbox/sync/{device_id}", json=body, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _writes(netbox: Netbox) -> int:
    return sum(m in ("POST", "PATCH") for m, _, _ in netbox.fake.requests)
