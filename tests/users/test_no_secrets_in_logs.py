"""Passwords and tokens never reach the logs or error bodies."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import RunningApp, TokenFactory
from tests.users.helpers import bearer

PASSWORD = "Sup3r-Secret-Passw0rd"
WRONG = "Wr0ng-Guess-Passw0rd"
NEW = "Br4nd-New-Passw0rd"


class TestNoSecretsInLogs:
    async def test_login_refresh_and_failures_log_no_secret(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        await make_user("lena", password=PASSWORD)
        caplog.set_level(logging.DEBUG)
        login = await app.http.post(
            "/api/auth/login", json={"username": "lena", "password": PASSWORD}
        )
        data = login.json()["data"]
        secrets = [PASSWORD, WRONG, NEW, data["session_token"], data["refresh_token"]]
        refreshed = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": data["refresh_token"]}
        )
        secrets += [
            refreshed.json()["data"]["session_token"],
            refreshed.json()["data"]["refresh_token"],
        ]
        bodies = await self._failures(app, data, refreshed.json()["data"])
        gql = await app.gql(
            f'mutation {{ login(username: "lena", password: "{WRONG}") '
            "{ __typename ... on Error { message } } }"
        )
        assert [b.status_code for b in bodies] == [400, 401, 401, 401, 401]
        assert gql["data"]["login"]["__typename"] == "InvalidCredentials"
        assert caplog.records, "the flow logged nothing: the capture is not working"
        texts = [caplog.text, str(gql), *(b.text for b in bodies)]
        leaked = [s[:12] for s in secrets for text in texts if s in text]
        assert leaked == []

    async def _failures(
        self, app: RunningApp, first: dict[str, str], second: dict[str, str]
    ) -> list[httpx.Response]:
        """Every refused auth call, each carrying a secret in its request."""
        return [
            await app.http.post(
                "/api/auth/change-password",
                json={"current_password": WRONG, "new_password": NEW},
                headers=bearer(second["session_token"]),
            ),
            await app.http.post(
                "/api/auth/login", json={"username": "lena", "password": WRONG}
            ),
            await app.http.post(
                "/birun/api/auth/login", json={"username": "lena", "password": WRONG}
            ),
            await app.http.post(
                "/api/auth/refresh", json={"refresh_token": first["refresh_token"]}
            ),
            await app.http.get("/api/auth/me", headers=bearer(first["session_token"])),
        ]
