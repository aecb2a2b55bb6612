"""The NetBox token: sealed at rest, masked everywhere, never in a response or log."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from app.credentials import vault
from app.db import Sessionmaker, unit_of_work
from app.runtime_settings import repository as settings_repository
from app.runtime_settings import service as settings_service
from app.runtime_settings.keys import KEYS
from app.settings import Settings
from tests.conftest import TEST_KEY, RunningApp, TokenFactory, pg_settings
from tests.credentials.test_cli import NEW_KEY, rotate
from tests.netbox.conftest import TOKEN, Netbox, auth, configure

WRONG = "feedfacefeedfacefeedfacefeedfacefeedface"


class TestStoredToken:
    async def test_sealed_masked_and_kept_when_the_mask_comes_back(
        self, app: RunningApp, make_user: TokenFactory, netbox: Netbox, db: Sessionmaker
    ) -> None:
        token = await make_user()
        shown = await configure(app, token, netbox, netbox_url=f"{netbox.url}/api/")
        assert (shown["netbox_token"], shown["netbox_url"]) == ("********", netbox.url)
        assert shown["netbox_verify_tls"] is True
        async with db() as session:
            rows = (
                await session.execute(text("SELECT value FROM runtime_setting"))
            ).all()
            trail = (
                await session.execute(
                    text("SELECT old_value, new_value FROM runtime_setting_change")
                )
            ).all()
        assert TOKEN not in str(rows)
        assert "key_id" in str(rows)
        assert TOKEN not in str(trail)
        assert ("********",) in {(r[1],) for r in trail}
        again = await configure(app, token, netbox, netbox_token="********")
        assert again["netbox_token"] == "********"
        status = await app.http.get("/api/netbox/status", headers=auth(token))
        assert status.json()["data"]["connected"] is True
        gql = await app.gql(
            "query { runtimeSettings { netboxUrl netboxToken netboxTimeoutSeconds } }",
            token=token,
        )
        assert gql["data"]["runtimeSettings"] == {
            "netboxUrl": netbox.url,
            "netboxToken": "********",
            "netboxTimeoutSeconds": 10,
        }

    async def test_graphql_update_and_validation(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(
            """mutation { updateRuntimeSettings(input: {
                 netboxUrl: "ftp://x", netboxToken: "abc"}) {
                 __typename ... on InvalidSetting { field } } }""",
            token=token,
        )
        assert body["data"]["updateRuntimeSettings"] == {
            "__typename": "InvalidSetting",
            "field": "netbox_url",
        }


class TestKeyRotation:
    async def test_rotate_key_reseals_the_token(
        self, db: Sessionmaker, pg_url: str
    ) -> None:
        vault.configure(pg_settings(pg_url))
        async with unit_of_work(db) as session:
            await settings_service.update(session, {"netbox_token": TOKEN}, None)
        done = await asyncio.to_thread(rotate, pg_url, [TEST_KEY])
        assert done.returncode == 0, done.stderr
        assert "re-encrypted 1 secrets" in done.stderr
        assert TOKEN not in done.stdout + done.stderr
        vault.configure(Settings(_env_file=None, secret_key=SecretStr(NEW_KEY)))
        try:
            async with db() as session:
                stored = await settings_repository.stored_values(session)
            assert stored["netbox_token"]["key_id"] == vault.derive(NEW_KEY)[0]
            token = KEYS["netbox_token"].read("netbox_token", stored["netbox_token"])
            assert token.get_secret_value() == TOKEN
        finally:
            vault.configure(pg_settings(pg_url))

    async def test_control_characters_are_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.put(
            "/api/settings", json={"netbox_token": "abc\r\nX: y"}, headers=auth(token)
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"] == (
            "netbox_token: must be printable ASCII"
        )


class TestNeverLeaks:
    async def test_no_response_or_log_line_holds_a_token(
        self,
        app: RunningApp,
        admin: str,
        netbox: Netbox,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        bodies = []
        for path in ("status", "devices", "sites", "devices?site=nowhere"):
            response = await app.http.get(f"/api/netbox/{path}", headers=auth(admin))
            bodies.append(response.text)
        created = await app.http.post(
            "/api/devices",
            json={"name": "leak-1", "ip_address": "127.0.8.30"},
            headers=auth(admin),
        )
        device = created.json()["data"]["id"]
        for body in ({"role_id": 999, "site_id": 1}, {}, {"site_id": 1, "role_id": 1}):
            response = await app.http.post(
                f"/api/netbox/sync/{device}", json=body, headers=auth(admin)
            )
            bodies.append(response.text)
        await configure(app, admin, netbox, netbox_token=WRONG)
        for path in ("status", "devices"):
            response = await app.http.get(f"/api/netbox/{path}", headers=auth(admin))
            bodies.append(response.text)
        bodies.append((await app.http.get("/api/settings", headers=auth(admin))).text)
        assert "Invalid token" in bodies[-2]
        for secret in (TOKEN, WRONG):
            assert not [b for b in bodies if secret in b]
            assert not [r for r in caplog.records if secret in _everything(r)]
        assert any("NetBox" in r.getMessage() for r in caplog.records)


def _everything(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {record.__dict__!r} {record.exc_text or ''}"
