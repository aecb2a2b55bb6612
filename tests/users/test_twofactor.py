"""TOTP 2FA: enrolment, the requires_2fa login, single-use codes."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
from sqlalchemy import select

from app.db import Sessionmaker, unit_of_work
from app.users.models import User
from app.users.sealing import seal, unseal
from tests.conftest import TEST_KEY, RunningApp, TokenFactory
from tests.users.helpers import bearer

PASSWORD = "correct-horse-battery"
ENROLL = """mutation { enrollTwoFactor { __typename
  ... on TwoFactorEnrolment { secret provisioningUri recoveryCodes } } }"""
CONFIRM = """mutation($c: String!) { confirmTwoFactor(code: $c) {
  __typename ... on Error { message } } }"""
VERIFY = """mutation($t: String!, $c: String!, $m: String!) {
  verifyTwoFactor(challengeToken: $t, code: $c, method: $m) {
  __typename ... on LoginSuccess { accessToken user { username } } } }"""


async def _enrolled(app: RunningApp, token: str) -> tuple[pyotp.TOTP, list[str]]:
    body = await app.gql(ENROLL, token=token)
    enrolment = body["data"]["enrollTwoFactor"]
    totp = pyotp.TOTP(enrolment["secret"])
    confirmed = await app.gql(CONFIRM, {"c": totp.now()}, token=token)
    assert confirmed["data"]["confirmTwoFactor"] == {"__typename": "Done"}
    return totp, enrolment["recoveryCodes"]


async def _challenge(app: RunningApp, username: str) -> dict[str, Any]:
    response = await app.http.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    body: dict[str, Any] = response.json()
    return body


def _next_code(totp: pyotp.TOTP) -> str:
    """A code of the next time step, which the verifier's window still accepts."""
    return totp.at(time.time() + totp.interval)


class TestEnrolment:
    async def test_enrolment_gives_a_uri_and_ten_recovery_codes(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("tia", roles=("viewer",))
        body = await app.gql(ENROLL, token=token)
        enrolment = body["data"]["enrollTwoFactor"]
        uri = urlparse(enrolment["provisioningUri"])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert parse_qs(uri.query)["issuer"] == ["OpsGraph"]
        assert parse_qs(uri.query)["secret"] == [enrolment["secret"]]
        assert len(set(enrolment["recoveryCodes"])) == 10
        me = await app.gql("{ me { twoFactorEnabled } }", token=token)
        assert me["data"]["me"] == {"twoFactorEnabled": False}

    async def test_wrong_confirmation_code_leaves_2fa_off(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("tia")
        await app.gql(ENROLL, token=token)
        wrong = await app.gql(CONFIRM, {"c": "000000x"}, token=token)
        assert wrong["data"]["confirmTwoFactor"] == {
            "__typename": "InvalidTwoFactorCode",
            "message": "Invalid two-factor code",
        }
        login = await _challenge(app, "tia")
        assert "requires_2fa" not in login

    async def test_enrolling_twice_is_a_state_conflict(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("tia")
        await _enrolled(app, token)
        again = await app.gql(ENROLL, token=token)
        assert again["data"]["enrollTwoFactor"] == {
            "__typename": "TwoFactorStateConflict"
        }

    async def test_secret_is_sealed_at_rest(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("tia")
        body = await app.gql(ENROLL, token=token)
        secret = body["data"]["enrollTwoFactor"]["secret"]
        async with db() as session:
            stored = await session.scalar(select(User.totp_secret))
        assert stored is not None
        assert secret not in stored
        assert unseal(TEST_KEY, stored) == secret

    async def test_recovery_code_still_works_after_the_key_changed(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        totp, codes = await _enrolled(app, await make_user("tia"))
        async with unit_of_work(db) as session:
            user = await session.scalar(select(User))
            assert user is not None
            user.totp_secret = seal("a-rotated-key-0123456789abcdef", totp.secret)
        results = []
        for code, method in ((_next_code(totp), "totp"), (codes[0], "recovery")):
            challenge = (await _challenge(app, "tia"))["session_token"]
            body = await app.gql(VERIFY, {"t": challenge, "c": code, "m": method})
            results.append(body["data"]["verifyTwoFactor"]["__typename"])
        assert results == ["InvalidTwoFactorCode", "LoginSuccess"]


class TestTwoFactorLogin:
    async def test_login_answers_requires_2fa_exactly(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await _enrolled(app, await make_user("tia"))
        body = await _challenge(app, "tia")
        assert set(body) == {"success", "requires_2fa", "session_token", "methods"}
        assert body["success"] is True
        assert body["requires_2fa"] is True
        assert body["methods"] == ["totp"]
        me = await app.http.get("/api/auth/me", headers=bearer(body["session_token"]))
        assert me.status_code == 401

    async def test_verify_completes_the_login_and_a_code_works_once(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        totp, _ = await _enrolled(app, await make_user("tia"))
        code = _next_code(totp)
        first = await _challenge(app, "tia")
        verified = await app.http.post(
            "/api/auth/verify-2fa",
            json={
                "session_token": first["session_token"],
                "code": code,
                "method": "totp",
            },
        )
        assert verified.status_code == 200
        data = verified.json()["data"]
        assert set(data) == {"user", "session_token", "refresh_token", "expires_at"}
        me = await app.http.get("/api/auth/me", headers=bearer(data["session_token"]))
        assert me.json()["data"]["username"] == "tia"
        second = await _challenge(app, "tia")
        replay = await app.http.post(
            "/api/auth/verify-2fa",
            json={"session_token": second["session_token"], "code": code},
        )
        assert (replay.status_code, replay.json()) == (
            401,
            {
                "success": False,
                "error": {
                    "code": "UNAUTHORIZED",
                    "message": "Invalid two-factor code",
                    "details": {"reason": "INVALID_2FA_CODE"},
                },
            },
        )

    async def test_recovery_codes_are_single_use_on_graphql(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        _, codes = await _enrolled(app, await make_user("tia"))
        results = []
        for _ in range(2):
            challenge = (await _challenge(app, "tia"))["session_token"]
            body = await app.gql(
                VERIFY, {"t": challenge, "c": codes[0], "m": "recovery"}
            )
            results.append(body["data"]["verifyTwoFactor"]["__typename"])
        assert results == ["LoginSuccess", "InvalidTwoFactorCode"]

    async def test_graphql_login_returns_two_factor_required(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await _enrolled(app, await make_user("tia"))
        body = await app.gql(
            """mutation { login(username: "tia", password: "correct-horse-battery") {
              __typename ... on TwoFactorRequired { methods challengeToken } } }"""
        )
        login = body["data"]["login"]
        assert login["__typename"] == "TwoFactorRequired"
        assert login["methods"] == ["totp"]
        wrong = await app.gql(
            VERIFY, {"t": login["challengeToken"], "c": "123", "m": "totp"}
        )
        assert wrong["data"]["verifyTwoFactor"] == {
            "__typename": "InvalidTwoFactorCode"
        }

    async def test_forged_challenge_token_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        totp, _ = await _enrolled(app, await make_user("tia"))
        response = await app.http.post(
            "/api/auth/verify-2fa",
            json={"session_token": "not-a-token", "code": _next_code(totp)},
        )
        assert response.status_code == 401
        assert response.json()["error"]["details"]["reason"] == "INVALID_2FA_CODE"

    async def test_disable_needs_a_valid_code(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("tia")
        _, codes = await _enrolled(app, token)
        disable = "mutation($c: String!) { disableTwoFactor(code: $c) { __typename } }"
        wrong = await app.gql(disable, {"c": "nope"}, token=token)
        assert wrong["data"]["disableTwoFactor"] == {
            "__typename": "InvalidTwoFactorCode"
        }
        right = await app.gql(disable, {"c": codes[1]}, token=token)
        assert right["data"]["disableTwoFactor"] == {"__typename": "Done"}
        assert "requires_2fa" not in await _challenge(app, "tia")
