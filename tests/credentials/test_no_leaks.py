"""No secret the suite creates shows up in a response, a log line or an event."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.credentials.models import CredentialAudit
from app.db import Sessionmaker
from app.events.models import StoredEvent
from tests.conftest import RunningApp, TokenFactory
from tests.sshd import SSHServer, new_private_key, private_text
from tests.sshpeers import closed_port

PLAINTEXTS = {
    "ssh_password": "leak-canary-ssh-password-7f3a",
    "new_password": "leak-canary-rotated-password-91c2",
    "passphrase": "leak-canary-passphrase-55d1",
    "community": "leak-canary-community-0b8e",
    "auth_password": "leak-canary-auth-password-c4d7",
    "priv_password": "leak-canary-priv-password-e2a9",
    "api_key": "leak-canary-api-key-6f10",
    "server_password": "leak-canary-server-password-3b7e",
    "inventory_password": "leak-canary-inventory-password-d803",
    "graphql_password": "leak-canary-graphql-password-a61f",
}
GQL_CREATE = """mutation($i: CredentialInput!) { createCredential(input: $i) {
  __typename ... on CredentialSuccess { credential { id name attributes } }
  ... on InvalidCredentialInput { message field } } }"""
GQL_TEST = """mutation($id: ID!, $port: Int!) { testCredential(id: $id,
  target: "127.0.0.1", port: $port) { __typename
  ... on CredentialTestResult { success errorCode message } } }"""


class Recorder:
    """Every response body the client received."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        self.bodies.append(response.text)


async def exercise(
    app: RunningApp, h: dict[str, str], server: SSHServer, key_text: str
) -> None:
    async def call(method: str, url: str, **kw: Any) -> dict[str, Any]:
        response = await app.http.request(method, url, headers=h, timeout=30, **kw)
        assert response.status_code < 500, response.text
        body: dict[str, Any] = response.json()
        return body

    p = PLAINTEXTS
    ssh = await call(
        "POST",
        "/api/credentials",
        json={
            "name": "ssh",
            "credential_type": "ssh",
            "username": "ops",
            "password": p["ssh_password"],
        },
    )
    cid = ssh["data"]["id"]
    await call(
        "POST",
        "/api/credentials",
        json={
            "name": "key",
            "credential_type": "ssh",
            "username": "ops",
            "private_key": key_text,
            "passphrase": p["passphrase"],
        },
    )
    await call(
        "POST",
        "/api/credentials",
        json={"name": "v2", "credential_type": "snmp", "community": p["community"]},
    )
    await call(
        "POST",
        "/api/credentials",
        json={
            "name": "v3",
            "credential_type": "snmp",
            "snmp_version": "3",
            "security_name": "u",
            "auth_password": p["auth_password"],
            "priv_password": p["priv_password"],
        },
    )
    await call(
        "POST",
        "/api/credentials",
        json={"name": "api", "credential_type": "api_key", "api_key": p["api_key"]},
    )
    # A bad body carrying a secret must not echo it back.
    await call(
        "POST",
        "/api/credentials",
        json={"name": "bad", "credential_type": "ssh", "password": p["ssh_password"]},
    )
    await call("GET", "/api/credentials")
    await call("GET", f"/api/credentials/{cid}")
    await call("PUT", f"/api/credentials/{cid}", json={"password": p["new_password"]})
    await call("POST", f"/api/credentials/{cid}/rotate", json={"password": "x" * 12})
    for port in (server.port, closed_port()):
        await call(
            "POST",
            f"/api/credentials/{cid}/test",
            json={"target": "127.0.0.1", "port": port},
        )
    await call("GET", "/api/credentials/audit")
    created = await call(
        "POST",
        "/birun/api/servers/",
        json={
            "name": "s",
            "hostname": "127.0.0.1",
            "username": "ops",
            "port": server.port,
            "auth_type": "password",
            "password": p["server_password"],
        },
    )
    await call("POST", f"/birun/api/servers/{created['id']}/health/check")
    await call("GET", "/birun/api/servers/")
    inventory_line = (
        f"h ansible_host=127.0.0.2 ansible_port={server.port} "
        f"ansible_user=ops ansible_ssh_pass={p['inventory_password']}"
    )
    await call("POST", "/api/inventories", json={"name": "i", "config": inventory_line})
    await call("POST", "/api/ssh/test", json={"inventory_ids": None})
    await call("DELETE", f"/api/credentials/{cid}")
    await exercise_graphql(app, h, server)


async def exercise_graphql(
    app: RunningApp, h: dict[str, str], server: SSHServer
) -> None:
    token = h["Authorization"].split()[1]
    secret = PLAINTEXTS["graphql_password"]
    made = await app.gql(
        GQL_CREATE,
        {
            "i": {
                "name": "g",
                "credentialType": "ssh",
                "username": "ops",
                "password": secret,
            }
        },
        token=token,
    )
    gid = made["data"]["createCredential"]["credential"]["id"]
    bad = await app.gql(
        GQL_CREATE,
        {"i": {"name": "g2", "credentialType": "ssh", "password": secret}},
        token=token,
    )
    assert bad["data"]["createCredential"]["field"] == "username"
    tested = await app.gql(GQL_TEST, {"id": gid, "port": server.port}, token=token)
    assert tested["data"]["testCredential"]["errorCode"] == "SSH_AUTHENTICATION_FAILED"
    await app.gql(
        """mutation($id: ID!, $i: CredentialInput!) { rotateCredential(id: $id,
        input: $i) { __typename } }""",
        {"id": gid, "i": {"password": secret + "-2"}},
        token=token,
    )
    await app.gql(
        "{ credentials { edges { node { id name attributes } } } }", token=token
    )


class TestNoLeaks:
    async def test_no_plaintext_anywhere(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        server: SSHServer,
        db: Sessionmaker,
        caplog: pytest.LogCaptureFixture,
        tmp_path: Path,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        recorder = Recorder()
        app.http.event_hooks["response"].append(recorder)
        key = new_private_key()
        key_text = key.export_private_key(
            "pkcs8-pem", PLAINTEXTS["passphrase"]
        ).decode()
        token = await make_user("leak-admin")
        await exercise(app, {"Authorization": f"Bearer {token}"}, server, key_text)
        async with db() as s:
            stored = [str(e.data) for e in await s.scalars(select(StoredEvent))]
            audit = [str(a.details) for a in await s.scalars(select(CredentialAudit))]
        haystacks = {
            "response": recorder.bodies,
            "log": [r.getMessage() for r in caplog.records],
            "event": stored,
            "audit": audit,
        }
        assert len(recorder.bodies) >= 15
        assert len(audit) >= 8
        secrets = [*PLAINTEXTS.values(), private_text(key).splitlines()[1], key_text]
        for where, texts in haystacks.items():
            for text in texts:
                for secret in secrets:
                    assert secret not in text, f"secret found in {where}: {text[:200]}"
