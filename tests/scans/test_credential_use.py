"""Vault credentials go to an address the caller names only with
`credentials.credential.use`, which operators do not hold by default:
scans, device logins and credential tests."""

from __future__ import annotations

from typing import Any

from app.db import Sessionmaker, unit_of_work
from app.users import service as users_service
from app.users.models import Role
from tests.conftest import RunningApp, TokenFactory
from tests.sshpeers import closed_port

MESSAGE = "Permission 'credentials.credential.use' required"
FORBIDDEN = {"success": False, "error": {"code": "FORBIDDEN", "message": MESSAGE}}
START_SCAN = """
mutation ($input: StartScanInput!) {
  startScan(input: $input) { __typename }
}
"""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def vault_credential(app: RunningApp, admin: str, **body: Any) -> int:
    response = await app.http.post(
        "/api/credentials", json={"name": "vault-cred", **body}, headers=bearer(admin)
    )
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


async def role_user(
    db: Sessionmaker, make_user: TokenFactory, name: str, permissions: list[str]
) -> str:
    """A user whose only role, `name`, grants `permissions`."""
    async with unit_of_work(db) as session:
        await users_service.ensure_builtin_roles(session)
        session.add(Role(name=name, description=name, permissions=permissions))
    return await make_user(name, (name,))


async def test_scans_with_vault_credentials_need_credential_use(
    app: RunningApp, db: Sessionmaker, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    snmp = await vault_credential(
        app, admin, credential_type="snmp", community="vault-community-1"
    )
    ssh = await vault_credential(
        app, admin, name="ssh-cred", credential_type="ssh", username="u", password="p"
    )
    answers = []
    for options in ({"snmp_credential_ids": [snmp]}, {"ssh_credential_id": ssh}):
        body = {"type": "discovery", "targets": ["127.0.0.1"], "options": options}
        response = await app.http.post(
            "/api/scans", json=body, headers=bearer(operator)
        )
        answers.append((response.status_code, response.json()))
    assert answers == [(403, FORBIDDEN)] * 2
    graphql = await app.gql(
        START_SCAN,
        {"input": {"targets": ["127.0.0.1"], "options": {"ssh_credential_id": ssh}}},
        token=operator,
    )
    assert graphql["errors"][0]["message"] == MESSAGE
    listed = await app.http.get("/api/scans", headers=bearer(admin))
    assert listed.json()["data"]["total"] == 0
    allowed = await app.http.post(
        "/api/scans",
        json={"targets": ["127.0.0.1"], "options": {"snmp_credential_ids": [snmp]}},
        headers=bearer(
            await role_user(
                db, make_user, "scanner", ["scans.*.*", "credentials.credential.use"]
            )
        ),
    )
    assert allowed.status_code == 201, allowed.text


async def test_linking_a_vault_credential_to_a_device_needs_credential_use(
    app: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    ssh = await vault_credential(
        app, admin, credential_type="ssh", username="u", password="p"
    )
    device = {"hostname": "sw-1", "ip_address": "127.0.0.9", "credential_id": ssh}
    refused = await app.http.post("/api/devices", json=device, headers=bearer(operator))
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    plain = {**device, "credential_id": None}
    created = await app.http.post("/api/devices", json=plain, headers=bearer(operator))
    assert created.status_code == 201, created.text
    url = f"/api/devices/{created.json()['data']['id']}"
    linked = await app.http.put(
        url, json={"credential_id": ssh}, headers=bearer(operator)
    )
    assert (linked.status_code, linked.json()) == (403, FORBIDDEN)


async def test_trying_a_credential_on_a_target_needs_credential_use(
    app: RunningApp, db: Sessionmaker, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    ssh = await vault_credential(
        app, admin, credential_type="ssh", username="u", password="p"
    )
    tester = await role_user(db, make_user, "tester", ["credentials.credential.test"])
    body = {"target": "127.0.0.1", "port": closed_port()}
    url = f"/api/credentials/{ssh}/test"
    refused = await app.http.post(url, json=body, headers=bearer(tester))
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    tried = await app.http.post(url, json=body, headers=bearer(admin))
    assert (tried.status_code, tried.json()["data"]["success"]) == (200, False)
