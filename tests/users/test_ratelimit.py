"""Rate limits: 5 logins a minute per client, a per-user budget elsewhere."""

from __future__ import annotations

from typing import Any

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.users.helpers import bearer

CREDENTIALS = {"username": "rita", "password": "correct-horse-battery"}
SPEC_LIMITS = {"rate_limit_auth": "5/minute", "rate_limit_default": "100/minute"}


class TestAuthBudget:
    async def test_sixth_login_in_a_minute_is_429_with_headers(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        await make_user("rita")
        async with serve(pg_settings(pg_url, **SPEC_LIMITS)) as app:
            answers = [
                await app.http.post("/api/auth/login", json=CREDENTIALS)
                for _ in range(6)
            ]
        assert [r.status_code for r in answers] == [200] * 5 + [429]
        assert [r.headers["X-RateLimit-Remaining"] for r in answers] == [
            "4",
            "3",
            "2",
            "1",
            "0",
            "0",
        ]
        last = answers[-1]
        assert last.headers["X-RateLimit-Limit"] == "5"
        assert int(last.headers["X-RateLimit-Reset"]) >= int(
            answers[0].headers["X-RateLimit-Reset"]
        )
        assert last.json() == {
            "success": False,
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Rate limit exceeded: 5 per 1 minute",
                "details": {"reason": "RATE_LIMITED"},
            },
        }

    async def test_auth_budget_is_shared_by_surfaces_and_graphql(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        await make_user("rita")
        async with serve(pg_settings(pg_url, **SPEC_LIMITS)) as app:
            for _ in range(5):
                await app.http.post("/api/auth/login", json=CREDENTIALS)
            birun = await app.http.post("/birun/api/auth/login", json=CREDENTIALS)
            gql = await app.gql(
                'mutation { login(username: "rita", password: "x") { __typename } }'
            )
        assert (birun.status_code, birun.json()) == (
            429,
            {
                "error": "Rate limit exceeded: 5 per 1 minute",
                "status": "error",
                "details": {"code": "RATE_LIMITED"},
            },
        )
        assert gql["data"] is None
        assert gql["errors"][0]["message"] == "Rate limit exceeded: 5 per 1 minute"


class TestUserBudget:
    async def test_budget_is_per_user(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        first = bearer(await make_user("rita"))
        second = bearer(await make_user("sam", roles=("viewer",)))
        settings = pg_settings(pg_url, rate_limit_default="3/minute")
        async with serve(settings) as app:
            mine = [await app.http.get("/api/auth/me", headers=first) for _ in range(4)]
            other = await app.http.get("/api/auth/me", headers=second)
        assert [r.status_code for r in mine] == [200, 200, 200, 429]
        assert mine[0].headers["X-RateLimit-Limit"] == "3"
        assert mine[3].json()["error"]["details"]["reason"] == "RATE_LIMITED"
        assert other.status_code == 200
        assert other.headers["X-RateLimit-Remaining"] == "2"


class TestProxies:
    async def _logins(self, settings_kw: dict[str, str], pg_url: str) -> list[int]:
        settings = pg_settings(pg_url, rate_limit_auth="2/minute", **settings_kw)
        statuses = []
        async with serve(settings) as app:
            for client in ("203.0.113.7", "203.0.113.7", "203.0.113.8"):
                response = await app.http.post(
                    "/api/auth/login",
                    json=CREDENTIALS,
                    headers={"X-Forwarded-For": client},
                )
                statuses.append(response.status_code)
        return statuses

    async def test_a_trusted_proxy_gives_each_forwarded_client_its_budget(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        await make_user("rita")
        trusted = {"trusted_proxies": "127.0.0.0/8"}
        assert await self._logins(trusted, pg_url) == [200, 200, 200]

    async def test_forwarded_headers_of_an_untrusted_peer_are_ignored(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        await make_user("rita")
        assert await self._logins({}, pg_url) == [200, 200, 429]
        other = {"trusted_proxies": "198.51.100.1"}
        assert await self._logins(other, pg_url) == [200, 200, 429]


class TestDistributedStorage:
    async def test_replicas_share_the_budget_through_redis(
        self, db: Sessionmaker, pg_url: str, redis_url: str, make_user: TokenFactory
    ) -> None:
        await make_user("rita")
        settings = pg_settings(pg_url, redis_url=redis_url, rate_limit_auth="3/minute")
        statuses = []
        async with serve(settings) as one, serve(settings) as two:
            for app in (one, two, one, two):
                response = await app.http.post("/api/auth/login", json=CREDENTIALS)
                statuses.append(response.status_code)
        assert statuses == [200, 200, 200, 429]


class TestDefaults:
    def test_spec_limits_are_the_defaults(self) -> None:
        from app.settings import Settings

        settings = Settings(_env_file=None)
        assert (settings.rate_limit_auth, settings.rate_limit_default) == (
            "5/minute",
            "100/minute",
        )


async def test_unthrottled_fixture_app_is_not_limited(
    app: RunningApp, make_user: TokenFactory
) -> None:
    await make_user("rita")
    answers = [
        (await app.http.post("/api/auth/login", json=CREDENTIALS)).status_code
        for _ in range(7)
    ]
    assert answers == [200] * 7


class TestGraphqlUserBudget:
    async def test_operations_spend_the_user_budget(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        token = await make_user("rita")
        settings = pg_settings(pg_url, rate_limit_default="2/minute")
        async with serve(settings) as app:
            answers = [
                await app.http.post(
                    "/graphql",
                    json={"query": "{ me { username } }"},
                    headers=bearer(token),
                )
                for _ in range(3)
            ]
        assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
        assert answers[1].json() == {"data": {"me": {"username": "rita"}}}
        assert answers[2].json() == {
            "data": None,
            "errors": [
                {
                    "message": "Rate limit exceeded: 2 per 1 minute",
                    "extensions": {"code": "RATE_LIMITED"},
                }
            ],
        }


def _refused(body: dict[str, Any]) -> list[str]:
    """The aliases refused by the rate limit (every error must be that)."""
    assert {e["message"] for e in body["errors"]} == {
        "Rate limit exceeded: 5 per 1 minute"
    }
    return [e["path"][0] for e in body["errors"]]


def _aliased(field: str, count: int) -> str:
    return "mutation { " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


class TestAliasedAuthFields:
    async def test_each_aliased_change_password_spends_the_auth_budget(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        token = await make_user("rita")
        field = (
            'changePassword(currentPassword: "wrong-password", '
            'newPassword: "another-horse-9") { __typename }'
        )
        async with serve(pg_settings(pg_url, **SPEC_LIMITS)) as app:
            response = await app.http.post(
                "/graphql", json={"query": _aliased(field, 30)}, headers=bearer(token)
            )
        # Five run their argon2 check; the sixth is refused and, the field being
        # non-null, ends the operation: the 24 after it never run.
        assert _refused(response.json()) == ["a5"]
        assert response.headers["X-RateLimit-Remaining"] == "0"

    async def test_aliased_logins_and_two_factor_codes_are_throttled(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        token = await make_user("rita")
        login = 'login(username: "rita", password: "wrong") { __typename }'
        disable = 'disableTwoFactor(code: "000000") { __typename }'
        async with serve(pg_settings(pg_url, **SPEC_LIMITS)) as app:
            logins = await app.gql(_aliased(login, 8))
            codes = await app.gql(_aliased(disable, 8), token=token)
        assert _refused(logins) == ["a5"]
        assert _refused(codes) == ["a0"]
