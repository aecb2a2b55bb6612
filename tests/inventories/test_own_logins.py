"""Each Ansible Hub inventory's host logins are its own (issue 15.6, issue 22).

Two inventories naming the same address and port keep separate passwords,
and an inventory naming a fleet device's address does not get that device's
login unless its author may use stored credentials.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory
from tests.sshd import SSHServer, asyncssh_server


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def host_line(server: SSHServer, password: str | None) -> str:
    line = f"web ansible_host=127.0.0.1 ansible_port={server.port} ansible_user=ops"
    return f"{line} ansible_ssh_pass={password}" if password else line


async def add(app: RunningApp, token: str, name: str, config: str) -> int:
    response = await app.http.post(
        "/api/inventories",
        json={"name": name, "config": config},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


async def ssh_test(app: RunningApp, token: str, ids: list[int]) -> list[Any]:
    response = await app.http.post(
        "/api/ssh/test", json={"inventory_ids": ids}, headers=bearer(token), timeout=30
    )
    assert response.status_code == 200, response.text
    return [(r["status"], r["error_code"]) for r in response.json()["data"]["results"]]


CONNECTED = ("Connected", None)
REFUSED = ("Unconnected", "SSH_AUTHENTICATION_FAILED")


async def test_two_inventories_on_one_address_keep_their_passwords(
    app: RunningApp, make_user: TokenFactory, server: SSHServer
) -> None:
    token = await make_user("hub")
    good = await add(app, token, "good", host_line(server, server.password))
    wrong = await add(app, token, "wrong", host_line(server, "not-the-password"))
    assert await ssh_test(app, token, [good, wrong]) == [CONNECTED, REFUSED]
    deleted = await app.http.delete(f"/api/inventories/{wrong}", headers=bearer(token))
    assert deleted.status_code == 200, deleted.text
    assert await ssh_test(app, token, [good]) == [CONNECTED]


async def test_an_operator_inventory_gets_no_fleet_login(
    app: RunningApp, make_user: TokenFactory, server: SSHServer
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    fleet = {
        "name": "admin-box",
        "hostname": "127.0.0.1",
        "port": server.port,
        "username": "ops",
        "auth_type": "password",
        "password": server.password,
    }
    created = await app.http.post(
        "/birun/api/servers/", json=fleet, headers=bearer(admin)
    )
    assert created.status_code == 201, created.text
    theirs = await add(app, operator, "theirs", host_line(server, None))
    mine = await add(app, admin, "mine", host_line(server, None))
    assert await ssh_test(app, operator, [theirs]) == [REFUSED]
    assert await ssh_test(app, admin, [mine]) == [CONNECTED]


async def test_a_masked_password_keeps_the_login_only_on_the_same_host(
    app: RunningApp, make_user: TokenFactory, server: SSHServer
) -> None:
    token = await make_user("hub")
    inventory = await add(app, token, "inv", host_line(server, server.password))
    url = f"/api/inventories/{inventory}"
    shown = (await app.http.get(url, headers=bearer(token))).json()["data"]["config"]
    assert server.password not in shown
    echoed = await app.http.put(url, json={"config": shown}, headers=bearer(token))
    assert echoed.status_code == 200, echoed.text
    assert await ssh_test(app, token, [inventory]) == [CONNECTED]
    async with asyncssh_server() as other:
        moved = shown.replace(str(server.port), str(other.port))
        put = await app.http.put(url, json={"config": moved}, headers=bearer(token))
        assert put.status_code == 200, put.text
        assert await ssh_test(app, token, [inventory]) == [REFUSED]
