"""OpsConductor /api/credentials: CRUD, decrypt permission, rotate, test, audit."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from tests.conftest import ADMIN, RunningApp, TokenFactory
from tests.sshd import SSHServer
from tests.sshpeers import snmp_agent

SSH_BODY = {
    "name": "Network SSH",
    "credential_type": "ssh",
    "category": "network",
    "environment": "production",
    "username": "ops",
    "password": "rest-plain-ssh-pw-1",
    "port": 22,
    "expires_at": "2030-12-31T00:00:00Z",
}


async def create(app: RunningApp, h: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await app.http.post("/api/credentials", json=body, headers=h)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


class TestCreateAndRead:
    async def test_create_returns_no_secret(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await create(app, admin, **SSH_BODY)
        assert "rest-plain-ssh-pw-1" not in str(created)
        assert created == {
            "id": created["id"],
            "name": "Network SSH",
            "credential_type": "ssh",
            "category": "network",
            "environment": "production",
            "status": "active",
            "expires_at": "2030-12-31T00:00:00Z",
            "created_at": created["created_at"],
            "description": "",
            "username": "ops",
            "port": 22,
            "auth_type": "password",
            "version": 1,
            "last_rotated_at": None,
            "updated_at": created["updated_at"],
        }

    async def test_list_filters(self, app: RunningApp, admin: dict[str, str]) -> None:
        await create(app, admin, **SSH_BODY)
        await create(
            app,
            admin,
            name="SNMP v3",
            credential_type="snmp",
            snmp_version="3",
            security_name="snmpuser",
            auth_protocol="SHA",
            auth_password="authpass-plain",
            priv_protocol="AES",
            priv_password="privpass-plain",
        )
        await create(
            app,
            admin,
            name="old",
            credential_type="api_key",
            api_key="k-plain",
            expires_at="2001-01-01T00:00:00Z",
        )
        snmp = await app.http.get("/api/credentials?type=snmp", headers=admin)
        assert [c["name"] for c in snmp.json()["data"]["credentials"]] == ["SNMP v3"]
        live = await app.http.get(
            "/api/credentials?include_expired=false", headers=admin
        )
        names = [c["name"] for c in live.json()["data"]["credentials"]]
        assert names == ["Network SSH", "SNMP v3"]

    async def test_decrypt_needs_the_secret_read_permission(
        self, app: RunningApp, admin: dict[str, str], make_user: TokenFactory
    ) -> None:
        created = await create(app, admin, **SSH_BODY)
        url = f"/api/credentials/{created['id']}?decrypt=true"
        operator = await make_user("op-vault", roles=("operator",))
        refused = await app.http.get(
            url, headers={"Authorization": f"Bearer {operator}"}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "FORBIDDEN"
        shown = await app.http.get(url, headers=admin)
        assert shown.json()["data"]["decrypted_data"] == {
            "password": "rest-plain-ssh-pw-1"
        }
        audit = await app.http.get(
            f"/api/credentials/audit?credential_id={created['id']}&action=read_secret",
            headers=admin,
        )
        entries = audit.json()["data"]["entries"]
        assert [(e["username"], e["success"]) for e in entries] == [
            (ADMIN, True),
            ("op-vault", False),
        ]

    async def test_bad_bodies(self, app: RunningApp, admin: dict[str, str]) -> None:
        no_secret = await app.http.post(
            "/api/credentials",
            json={"name": "x", "credential_type": "ssh", "username": "u"},
            headers=admin,
        )
        assert no_secret.status_code == 400
        assert no_secret.json()["error"]["code"] == "VALIDATION_ERROR"
        bad_type = await app.http.post(
            "/api/credentials",
            json={"name": "x", "credential_type": "telnet"},
            headers=admin,
        )
        assert bad_type.status_code == 400
        await create(app, admin, **SSH_BODY)
        dup = await app.http.post("/api/credentials", json=SSH_BODY, headers=admin)
        assert dup.status_code == 409
        assert dup.json()["error"]["details"]["reason"] == "CREDENTIAL_NAME_DUPLICATE"


class TestChange:
    async def test_update_rotate_delete_are_audited(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await create(app, admin, **SSH_BODY)
        url = f"/api/credentials/{created['id']}"
        updated = await app.http.put(
            url, json={"category": "servers", "password": "pw-two"}, headers=admin
        )
        assert updated.json()["data"]["category"] == "servers"
        rotated = await app.http.post(
            f"{url}/rotate", json={"password": "pw-three"}, headers=admin
        )
        assert rotated.json()["data"]["version"] == 2
        shown = await app.http.get(f"{url}?decrypt=true", headers=admin)
        assert shown.json()["data"]["decrypted_data"]["password"] == "pw-three"
        deleted = await app.http.delete(url, headers=admin)
        assert deleted.json()["success"] is True
        assert (await app.http.get(url, headers=admin)).status_code == 404
        audit = await app.http.get(
            f"/api/credentials/audit?credential_id={created['id']}", headers=admin
        )
        actions = [e["action"] for e in audit.json()["data"]["entries"]]
        assert actions == ["delete", "read_secret", "rotate", "update", "create"]

    async def test_rotate_without_a_new_secret(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await create(app, admin, **SSH_BODY)
        response = await app.http.post(
            f"/api/credentials/{created['id']}/rotate", json={}, headers=admin
        )
        assert response.status_code == 400


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestTest:
    async def test_ssh_outcomes(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        good = await create(
            app,
            admin,
            name="good",
            credential_type="ssh",
            username="ops",
            password=server.password,
        )
        bad = await create(
            app,
            admin,
            name="bad",
            credential_type="ssh",
            username="ops",
            password="not-the-password",
        )

        async def run(cred: dict[str, Any], port: int) -> dict[str, Any]:
            response = await app.http.post(
                f"/api/credentials/{cred['id']}/test",
                json={"target": "127.0.0.1", "port": port},
                headers=admin,
            )
            assert response.status_code == 200, response.text
            data: dict[str, Any] = response.json()["data"]
            return data

        ok = await run(good, server.port)
        assert (ok["success"], ok["error_code"]) == (True, None)
        assert ok["details"] == {"host_key": server.host_key}
        denied = await run(bad, server.port)
        assert (denied["success"], denied["error_code"]) == (
            False,
            "SSH_AUTHENTICATION_FAILED",
        )
        closed = await run(good, closed_port())
        assert closed["error_code"] == "SSH_CONNECTION_FAILED"
        audit = await app.http.get("/api/credentials/audit?action=test", headers=admin)
        results = [
            (e["credential_name"], e["success"], e["details"]["code"])
            for e in audit.json()["data"]["entries"]
        ]
        assert results == [
            ("good", False, "SSH_CONNECTION_FAILED"),
            ("bad", False, "SSH_AUTHENTICATION_FAILED"),
            ("good", True, None),
        ]

    async def test_snmp_silent_agent_times_out(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        cred = await create(
            app,
            admin,
            name="snmp",
            credential_type="snmp",
            snmp_version="2c",
            community="public-plain",
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", 0))
            port = silent.getsockname()[1]
            response = await app.http.post(
                f"/api/credentials/{cred['id']}/test",
                json={"target": "127.0.0.1", "port": port},
                headers=admin,
                timeout=30,
            )
        data = response.json()["data"]
        assert (data["success"], data["protocol"], data["error_code"]) == (
            False,
            "snmp",
            "SNMP_TIMEOUT",
        )

    async def test_snmp_agent_answers_the_right_community(
        self, app: RunningApp, admin: dict[str, str], tmp_path: Path
    ) -> None:
        right = await create(
            app, admin, name="right", credential_type="snmp", community="public"
        )
        wrong = await create(
            app, admin, name="wrong", credential_type="snmp", community="private"
        )
        async with snmp_agent(tmp_path / "snmp") as port:
            results = [
                (
                    await app.http.post(
                        f"/api/credentials/{c['id']}/test",
                        json={"target": "127.0.0.1", "port": port},
                        headers=admin,
                        timeout=30,
                    )
                ).json()["data"]
                for c in (right, wrong)
            ]
        assert (results[0]["success"], results[0]["details"]) == (
            True,
            {"sysDescr": "fleet test agent"},
        )
        assert (results[1]["success"], results[1]["error_code"]) == (
            False,
            "SNMP_TIMEOUT",
        )
