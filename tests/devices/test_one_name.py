"""One device, one name: OpsConductor `hostname` and biRun `name` are the same."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def oc_device(app: RunningApp, headers: Any, device_id: int) -> dict[str, Any]:
    listed = (await app.http.get("/api/devices", headers=headers)).json()
    return next(d for d in listed["data"]["devices"] if d["id"] == device_id)


async def birun_server(app: RunningApp, headers: Any, server_id: int) -> Any:
    response = await app.http.get(f"/birun/api/servers/{server_id}", headers=headers)
    return response.json()


async def test_birun_server_shows_in_opsconductor_by_name(
    app: RunningApp, make_user: TokenFactory
) -> None:
    headers = bearer(await make_user("root", roles=("admin",)))
    body = {
        "name": "web-01",
        "hostname": "127.0.0.5",
        "username": "ops",
        "password": "pw-1",
    }
    created = await app.http.post("/birun/api/servers/", json=body, headers=headers)
    assert created.status_code == 201, created.text
    server_id = created.json()["id"]
    device = await oc_device(app, headers, server_id)
    assert (device["hostname"], device["ip_address"]) == ("web-01", "127.0.0.5")
    renamed = await app.http.put(
        f"/api/devices/{server_id}",
        json={"hostname": "web-02", "ip_address": "127.0.0.15"},
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text
    server = await birun_server(app, headers, server_id)
    assert (server["name"], server["hostname"]) == ("web-02", "127.0.0.15")


async def test_opsconductor_device_shows_in_birun_by_name(
    app: RunningApp, make_user: TokenFactory
) -> None:
    headers = bearer(await make_user("root", roles=("admin",)))
    body = {"hostname": "switch-01", "ip_address": "127.0.0.6"}
    created = await app.http.post("/api/devices", json=body, headers=headers)
    assert created.status_code == 201, created.text
    device_id = created.json()["data"]["id"]
    server = await birun_server(app, headers, device_id)
    assert (server["name"], server["hostname"]) == ("switch-01", "127.0.0.6")
    moved = await app.http.put(
        f"/birun/api/servers/{device_id}",
        json={"name": "switch-02", "hostname": "127.0.0.16"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    device = await oc_device(app, headers, device_id)
    assert (device["hostname"], device["ip_address"]) == ("switch-02", "127.0.0.16")
    by_name = await app.http.get(
        "/api/devices?sort=hostname&search=switch-02", headers=headers
    )
    assert [d["id"] for d in by_name.json()["data"]["devices"]] == [device_id]
