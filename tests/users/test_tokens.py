"""Access and refresh tokens: rotation, reuse detection, revocation, forgeries."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import func, select, update

from app import auth
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import UnauthenticatedError
from app.users import service as users_service
from app.users.models import AuthSession, RefreshToken
from app.users.sessions import token_digest
from tests.conftest import TEST_KEY, RunningApp, TokenFactory
from tests.users.helpers import bearer, rest_login

PASSWORD = "correct-horse-battery"
REFRESH = """mutation($t: String!) { refreshToken(refreshToken: $t) {
  __typename ... on LoginSuccess { accessToken refreshToken }
  ... on InvalidRefreshToken { message } } }"""


async def _me_status(app: RunningApp, token: str) -> tuple[int, str]:
    response = await app.http.get("/api/auth/me", headers=bearer(token))
    body = response.json()
    if body["success"]:
        return response.status_code, ""
    return response.status_code, body["error"]["details"]["reason"]


class TestRefresh:
    async def test_login_returns_a_refresh_token_that_rotates(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        login = await rest_login(app, "ann", PASSWORD)
        response = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": login["refresh_token"]}
        )
        assert response.status_code == 200
        data = response.json()["data"]
        assert set(data) == {"user", "session_token", "refresh_token", "expires_at"}
        assert data["user"] == {
            "id": 1,
            "username": "ann",
            "email": None,
            "roles": ["admin"],
        }
        assert data["refresh_token"] != login["refresh_token"]
        assert await _me_status(app, data["session_token"]) == (200, "")

    async def test_reusing_a_spent_refresh_token_revokes_the_family(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        first = await rest_login(app, "ann", PASSWORD)
        rotated = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
        second = rotated.json()["data"]
        reused = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
        assert reused.status_code == 401
        assert reused.json()["error"]["details"]["reason"] == "TOKEN_REUSED"
        assert await _me_status(app, second["session_token"]) == (401, "INVALID_TOKEN")
        again = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": second["refresh_token"]}
        )
        assert again.status_code == 401

    async def test_graphql_refresh_rotates_and_refuses_reuse(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        login = await rest_login(app, "ann", PASSWORD)
        first = await app.gql(REFRESH, {"t": login["refresh_token"]})
        assert first["data"]["refreshToken"]["__typename"] == "LoginSuccess"
        second = await app.gql(REFRESH, {"t": login["refresh_token"]})
        assert second["data"]["refreshToken"] == {
            "__typename": "InvalidRefreshToken",
            "message": "Refresh token was already used; the session is revoked",
        }

    async def test_logout_revokes_the_refresh_token(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        login = await rest_login(app, "ann", PASSWORD)
        out = await app.http.post(
            "/api/auth/logout", headers=bearer(login["session_token"])
        )
        assert out.json() == {"success": True, "data": None, "message": "Logged out"}
        response = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": login["refresh_token"]}
        )
        assert response.status_code == 401
        assert response.json()["error"]["details"]["reason"] == "INVALID_TOKEN"

    async def test_access_token_is_refused_as_refresh_token(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        login = await rest_login(app, "ann", PASSWORD)
        response = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": login["session_token"]}
        )
        assert response.status_code == 401
        assert response.json() == {
            "success": False,
            "error": {
                "code": "UNAUTHORIZED",
                "message": "Wrong token type",
                "details": {"reason": "INVALID_TOKEN"},
            },
        }


class TestChangePassword:
    async def test_other_sessions_end_and_the_new_password_works(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("bob", roles=("viewer",))
        keep = await rest_login(app, "bob", PASSWORD)
        other = await rest_login(app, "bob", PASSWORD)
        response = await app.http.post(
            "/api/auth/change-password",
            json={"current_password": PASSWORD, "new_password": "new-password-42"},
            headers=bearer(keep["session_token"]),
        )
        assert response.json() == {
            "success": True,
            "data": None,
            "message": "Password changed",
        }
        assert await _me_status(app, keep["session_token"]) == (200, "")
        assert await _me_status(app, other["session_token"]) == (401, "INVALID_TOKEN")
        await rest_login(app, "bob", "new-password-42")
        old = await app.http.post(
            "/api/auth/login", json={"username": "bob", "password": PASSWORD}
        )
        assert old.status_code == 401

    async def test_wrong_current_password_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("bob", roles=("viewer",))
        response = await app.http.post(
            "/api/auth/change-password",
            json={"current_password": "not-it-at-all", "new_password": "whatever-99"},
            headers=bearer(token),
        )
        assert response.status_code == 400
        assert response.json() == {
            "success": False,
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Current password is wrong",
                "details": {"reason": "INVALID_PASSWORD"},
            },
        }

    async def test_graphql_change_password_rejects_a_short_one(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("bob", roles=("viewer",))
        body = await app.gql(
            """mutation { changePassword(currentPassword: "correct-horse-battery",
              newPassword: "short") { __typename ... on Error { message } } }""",
            token=token,
        )
        assert body["data"]["changePassword"] == {
            "__typename": "WeakPassword",
            "message": "Password must be at least 8 characters",
        }


def _forge(payload: dict[str, object], header: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        raw = json.dumps(value, default=str).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


class TestTokenValidation:
    def _access(self, **claims: object) -> tuple[str, dict[str, object]]:
        token, _ = auth.issue_token(
            TEST_KEY, 1, "access", timedelta(minutes=5), session_id="s" * 32
        )
        payload = jwt.decode(token, TEST_KEY, algorithms=["HS256"], issuer="opsgraph")
        payload.update(claims)
        return token, payload

    def test_tampered_signature_is_refused(self) -> None:
        token, _ = self._access()
        head, body, sig = token.split(".")
        tampered = f"{head}.{body}.{sig[:-4]}AAAA"
        with pytest.raises(UnauthenticatedError, match="Invalid token"):
            auth.decode_token(TEST_KEY, tampered, "access")

    def test_tampered_payload_is_refused(self) -> None:
        token, payload = self._access(sub="2")
        _, _, sig = token.split(".")
        head, body, _ = _forge(payload, {"alg": "HS256", "typ": "JWT"}).split(".")
        with pytest.raises(UnauthenticatedError, match="Invalid token"):
            auth.decode_token(TEST_KEY, f"{head}.{body}.{sig}", "access")

    def test_alg_none_is_refused(self) -> None:
        _, payload = self._access()
        forged = _forge(payload, {"alg": "none", "typ": "JWT"})
        with pytest.raises(UnauthenticatedError, match="Invalid token"):
            auth.decode_token(TEST_KEY, forged, "access")

    def test_expired_token_is_refused(self) -> None:
        token, _ = auth.issue_token(
            TEST_KEY, 1, "access", timedelta(seconds=-5), session_id="s" * 32
        )
        with pytest.raises(UnauthenticatedError) as raised:
            auth.decode_token(TEST_KEY, token, "access")
        assert raised.value.code == "TOKEN_EXPIRED"

    def test_refresh_token_is_refused_as_access_token(self) -> None:
        token, _ = auth.issue_token(
            TEST_KEY, 1, "refresh", timedelta(minutes=5), session_id="s" * 32
        )
        with pytest.raises(UnauthenticatedError, match="Wrong token type"):
            auth.decode_token(TEST_KEY, token, "access")

    def test_token_signed_with_another_key_is_refused(self) -> None:
        token, _ = auth.issue_token(
            "another-key-entirely-0123456789abcdef", 1, "access", timedelta(minutes=5)
        )
        with pytest.raises(UnauthenticatedError, match="Invalid token"):
            auth.decode_token(TEST_KEY, token, "access")


class TestTokensOnTheWire:
    async def test_refresh_and_2fa_tokens_do_not_authenticate(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        login = await rest_login(app, "ann", PASSWORD)
        challenge, _ = auth.issue_token(TEST_KEY, 1, "2fa", timedelta(minutes=5))
        for token in (login["refresh_token"], challenge):
            assert await _me_status(app, token) == (401, "INVALID_TOKEN")
        body = await app.gql("{ me { username } }", token=login["refresh_token"])
        assert body["data"] is None
        assert body["errors"][0]["message"] == "Wrong token type"

    async def test_expired_and_forged_tokens_are_refused_on_rest(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        expired, _ = auth.issue_token(
            TEST_KEY, 1, "access", timedelta(seconds=-1), session_id="x" * 32
        )
        assert await _me_status(app, expired) == (401, "TOKEN_EXPIRED")
        payload = {"sub": "1", "typ": "access", "jti": "j", "iss": "opsgraph"}
        forged = _forge({**payload, "iat": 1, "exp": 4102444800}, {"alg": "none"})
        assert await _me_status(app, forged) == (401, "INVALID_TOKEN")

    async def test_token_without_a_session_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        sessionless, _ = auth.issue_token(TEST_KEY, 1, "access", timedelta(minutes=5))
        assert await _me_status(app, sessionless) == (401, "INVALID_TOKEN")

    async def test_deactivating_a_user_ends_its_sessions(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        admin = await make_user("root")
        victim = await make_user("vic", roles=("viewer",))
        login = await rest_login(app, "vic", PASSWORD)
        response = await app.http.put(
            "/api/auth/users/2", json={"is_active": False}, headers=bearer(admin)
        )
        assert response.status_code == 200
        assert response.json()["data"]["is_active"] is False
        assert await _me_status(app, victim) == (401, "INVALID_TOKEN")
        refreshed = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": login["refresh_token"]}
        )
        assert refreshed.status_code == 401


async def _sessions(db: Sessionmaker) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(AuthSession)))


class TestPruning:
    async def test_only_sessions_nothing_can_use_are_deleted(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        stale = await rest_login(app, "ann", PASSWORD)
        live = await rest_login(app, "ann", PASSWORD)
        # The stale session's refresh token expired a day ago: longer ago than
        # any access token issued beside it can live.
        async with unit_of_work(db) as session:
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.token_hash == token_digest(stale["refresh_token"]))
                .values(expires_at=utcnow() - timedelta(days=1))
            )

        before = await _sessions(db)

        assert await users_service.prune_sessions(db, app.settings) == 1
        assert await users_service.prune_sessions(db, app.settings) == 0

        assert await _sessions(db) == before - 1
        assert await _me_status(app, stale["session_token"]) == (401, "INVALID_TOKEN")
        assert await _me_status(app, live["session_token"]) == (200, "")
        rotated = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": live["refresh_token"]}
        )
        assert rotated.status_code == 200

    async def test_a_session_whose_access_token_may_still_live_is_kept(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await make_user("ann")
        login = await rest_login(app, "ann", PASSWORD)
        async with unit_of_work(db) as session:
            await session.execute(
                update(RefreshToken).values(expires_at=utcnow() - timedelta(minutes=1))
            )

        assert await users_service.prune_sessions(db, app.settings) == 0
        assert await _me_status(app, login["session_token"]) == (200, "")
