"""Email as a second factor, with codes mailed to a real aiosmtpd server on loopback."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select, update

from app.db import Sessionmaker, unit_of_work, utcnow
from app.users import service as users_service
from app.users.models import EmailCode
from tests.conftest import TEST_KEY, RunningApp, pg_settings, serve
from tests.notifications.peers import _Inbox, smtp_peer
from tests.users.helpers import bearer

PASSWORD = "correct-horse-battery"
SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-pass-0123"
SEND = "mutation { sendEmailVerification { __typename ... on Error { message } } }"
CONFIRM = """mutation($c: String!) { confirmEmail(code: $c) {
  __typename ... on Error { message } } }"""
SET = """mutation($on: Boolean!, $p: String!) { setEmailTwoFactor(enabled: $on,
  password: $p) { __typename ... on Error { message } } }"""
LOGIN = """mutation { login(username: "eve", password: "correct-horse-battery") {
  __typename ... on TwoFactorRequired { methods challengeToken } } }"""
VERIFY = """mutation($t: String!, $c: String!) {
  verifyTwoFactor(challengeToken: $t, code: $c, method: "email") {
  __typename ... on LoginSuccess { user { username } } } }"""


@dataclass
class Mail:
    app: RunningApp
    inbox: _Inbox

    def last_code(self) -> str:
        """The code of the last mail received, checking it went to eve."""
        envelope, message = self.inbox.messages[-1]
        assert envelope.rcpt_tos == ["eve@example.test"]
        body = message.get_payload(decode=True).decode()
        found = re.search(r"\b(\d{6})\b", body)
        assert found is not None, body
        return found.group(1)


@pytest.fixture
async def mail(db: Sessionmaker, pg_url: str) -> AsyncIterator[Mail]:
    async with smtp_peer(SMTP_USER, SMTP_PASSWORD) as (port, inbox):
        settings = pg_settings(
            pg_url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_user=SMTP_USER,
            smtp_password=SMTP_PASSWORD,
            smtp_security="none",
            smtp_from="opsgraph@example.test",
            allow_loopback_urls=True,
        )
        async with serve(settings) as app:
            yield Mail(app, inbox)


async def _eve(db: Sessionmaker) -> str:
    async with unit_of_work(db) as s:
        await users_service.ensure_builtin_roles(s)
        user = await users_service.create_user(
            s, "eve", PASSWORD, email="eve@example.test", roles=["viewer"]
        )
        issued = await users_service.start_session(
            s,
            user,
            TEST_KEY,
            timedelta(minutes=30),
        )
    return issued.access_token


async def _enabled(mail: Mail, token: str) -> None:
    assert (await mail.app.gql(SEND, token=token))["data"] == {
        "sendEmailVerification": {"__typename": "Done"}
    }
    confirmed = await mail.app.gql(CONFIRM, {"c": mail.last_code()}, token=token)
    assert confirmed["data"]["confirmEmail"] == {"__typename": "Done"}
    on = await mail.app.gql(SET, {"on": True, "p": PASSWORD}, token=token)
    assert on["data"]["setEmailTwoFactor"] == {"__typename": "Done"}


async def _rest_verify(app: RunningApp, challenge: str, code: str) -> Any:
    return await app.http.post(
        "/api/auth/verify-2fa",
        json={"session_token": challenge, "code": code, "method": "email"},
    )


class TestEmailVerification:
    async def test_a_wrong_code_does_not_verify_and_the_mailed_one_does(
        self, mail: Mail, db: Sessionmaker
    ) -> None:
        token = await _eve(db)
        await mail.app.gql(SEND, token=token)
        wrong = await mail.app.gql(CONFIRM, {"c": "000000x"}, token=token)
        assert wrong["data"]["confirmEmail"] == {
            "__typename": "InvalidEmailCode",
            "message": "Invalid email code",
        }
        right = await mail.app.gql(CONFIRM, {"c": mail.last_code()}, token=token)
        assert right["data"]["confirmEmail"] == {"__typename": "Done"}
        me = await mail.app.gql("{ me { emailVerified } }", token=token)
        assert me["data"]["me"] == {"emailVerified": True}
        assert mail.inbox.logins == [True]

    async def test_email_factor_needs_a_verified_address_and_the_password(
        self, mail: Mail, db: Sessionmaker
    ) -> None:
        token = await _eve(db)
        unverified = await mail.app.gql(SET, {"on": True, "p": PASSWORD}, token=token)
        assert unverified["data"]["setEmailTwoFactor"]["__typename"] == (
            "TwoFactorStateConflict"
        )
        wrong = await mail.app.gql(SET, {"on": False, "p": "nope"}, token=token)
        assert wrong["data"]["setEmailTwoFactor"]["__typename"] == (
            "WrongCurrentPassword"
        )

    async def test_without_smtp_settings_nothing_can_be_sent(
        self, app: RunningApp, db: Sessionmaker
    ) -> None:
        token = await _eve(db)
        body = await app.gql(SEND, token=token)
        assert body["data"]["sendEmailVerification"] == {
            "__typename": "EmailUnavailable",
            "message": "No SMTP server is configured",
        }


class TestEmailLogin:
    async def test_rest_login_mails_a_single_use_code(
        self, mail: Mail, db: Sessionmaker
    ) -> None:
        await _enabled(mail, await _eve(db))
        login = await mail.app.http.post(
            "/api/auth/login", json={"username": "eve", "password": PASSWORD}
        )
        assert login.json()["methods"] == ["email"]
        challenge, code = login.json()["session_token"], mail.last_code()
        verified = await _rest_verify(mail.app, challenge, code)
        assert verified.status_code == 200, verified.text
        data = verified.json()["data"]
        me = await mail.app.http.get(
            "/api/auth/me", headers=bearer(data["session_token"])
        )
        assert me.json()["data"]["username"] == "eve"
        replay = await _rest_verify(mail.app, challenge, code)
        error = replay.json()["error"]
        assert (replay.status_code, error["code"], error["details"]["reason"]) == (
            401,
            "UNAUTHORIZED",
            "INVALID_2FA_CODE",
        )

    async def test_graphql_offers_both_and_a_new_send_kills_the_old_code(
        self, mail: Mail, db: Sessionmaker
    ) -> None:
        token = await _eve(db)
        await _enabled(mail, token)
        enrol = await mail.app.gql(
            "mutation { enrollTwoFactor { ... on TwoFactorEnrolment { secret } } }",
            token=token,
        )
        totp = pyotp.TOTP(enrol["data"]["enrollTwoFactor"]["secret"])
        await mail.app.gql(
            "mutation($c: String!) { confirmTwoFactor(code: $c) { __typename } }",
            {"c": totp.now()},
            token=token,
        )
        first = (await mail.app.gql(LOGIN))["data"]["login"]
        old_code = mail.last_code()
        second = (await mail.app.gql(LOGIN))["data"]["login"]
        assert second["methods"] == ["totp", "email"]
        results = []
        for code in (old_code, mail.last_code()):
            body = await mail.app.gql(
                VERIFY, {"t": second["challengeToken"], "c": code}
            )
            results.append(body["data"]["verifyTwoFactor"]["__typename"])
        assert old_code != mail.last_code()
        assert results == ["InvalidTwoFactorCode", "LoginSuccess"]
        assert first["challengeToken"] != second["challengeToken"]

    async def test_expired_and_overtried_codes_are_refused(
        self, mail: Mail, db: Sessionmaker
    ) -> None:
        await _enabled(mail, await _eve(db))
        login = (await mail.app.gql(LOGIN))["data"]["login"]
        async with unit_of_work(db) as s:
            await s.execute(
                update(EmailCode).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        expired = await _rest_verify(
            mail.app, login["challengeToken"], mail.last_code()
        )
        login = (await mail.app.gql(LOGIN))["data"]["login"]
        for _ in range(5):
            await _rest_verify(mail.app, login["challengeToken"], "999999x")
        overtried = await _rest_verify(
            mail.app, login["challengeToken"], mail.last_code()
        )
        assert [expired.status_code, overtried.status_code] == [401, 401]

    async def test_codes_are_stored_hashed_and_never_logged(
        self, mail: Mail, db: Sessionmaker, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        await _enabled(mail, await _eve(db))
        login = (await mail.app.gql(LOGIN))["data"]["login"]
        code = mail.last_code()
        async with db() as s:
            stored = await s.scalar(select(EmailCode.code_hash))
        assert stored is not None
        assert code not in stored
        await _rest_verify(mail.app, login["challengeToken"], code)
        # aiosmtpd's own "mail.log" is the test's peer logging what it received.
        ours = [r.getMessage() for r in caplog.records if r.name != "mail.log"]
        assert ours, "nothing was logged: the capture is not working"
        assert [m for m in ours if code in m] == []
