"""Logging in on GraphQL and both REST login routes; admin bootstrap."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import Sessionmaker, unit_of_work
from app.users import service
from app.users.errors import WeakPasswordError
from app.users.models import User
from tests.conftest import RunningApp, TokenFactory

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginSuccess { accessToken user { username } }
  ... on InvalidCredentials { message } } }"""


class TestBootstrap:
    async def test_no_admin_without_a_configured_password(
        self, db: Sessionmaker
    ) -> None:
        async with unit_of_work(db) as session:
            assert not await service.bootstrap_admin(session, "admin", None)
        async with db() as session:
            assert (await session.scalars(select(User))).all() == []

    async def test_admin_created_once_from_configuration(
        self, db: Sessionmaker
    ) -> None:
        async with unit_of_work(db) as session:
            assert await service.bootstrap_admin(session, "root", "s3cret-enough")
        async with unit_of_work(db) as session:
            assert not await service.bootstrap_admin(session, "root", "other-pass")
            user = await session.scalar(select(User).where(User.username == "root"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")

    async def test_short_password_is_refused(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as session:
            await service.ensure_builtin_roles(session)
            with pytest.raises(WeakPasswordError):
                await service.create_user(session, "bob", "short")


class TestLogin:
    async def test_graphql_login_issues_a_working_token(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("carol", roles=("operator",), password="carols-password")
        body = await app.gql(LOGIN, {"u": "carol", "p": "carols-password"})
        login = body["data"]["login"]
        assert login["__typename"] == "LoginSuccess"
        me = await app.gql(
            "{ me { username roles { edges { node { name } } } } }",
            token=login["accessToken"],
        )
        assert me["data"]["me"] == {
            "username": "carol",
            "roles": {"edges": [{"node": {"name": "operator"}}]},
        }

    async def test_wrong_password_is_an_expected_failure(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("carol", password="carols-password")
        body = await app.gql(LOGIN, {"u": "carol", "p": "wrong-password"})
        assert body["data"]["login"] == {
            "__typename": "InvalidCredentials",
            "message": "Invalid username or password",
        }

    async def test_token_from_birun_login_works_on_opsconductor(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("dave", roles=("viewer",), password="daves-password")
        login = await app.http.post(
            "/birun/api/auth/login",
            json={"username": "dave", "password": "daves-password"},
        )
        assert login.status_code == 200
        assert login.json()["user"] == {
            "id": 1,
            "username": "dave",
            "email": None,
            "role": "viewer",
        }
        token = login.json()["access_token"]
        me = await app.http.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.json()["data"]["username"] == "dave"

    async def test_logout_revokes_the_token(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("erin", password="erins-password")
        login = await app.http.post(
            "/api/auth/login", json={"username": "erin", "password": "erins-password"}
        )
        token = login.json()["data"]["session_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            await app.http.post("/api/auth/logout", headers=headers)
        ).status_code == 200
        after = await app.http.get("/api/auth/me", headers=headers)
        assert after.status_code == 401
        assert after.json()["error"]["details"]["reason"] == "INVALID_TOKEN"

    async def test_wrong_password_on_rest_never_echoes_it(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        await make_user("frank", password="franks-password")
        response = await app.http.post(
            "/api/auth/login", json={"username": "frank", "password": "guess-Zq81"}
        )
        assert response.status_code == 401
        assert response.json()["error"]["details"]["reason"] == "INVALID_CREDENTIALS"
        assert "guess-Zq81" not in response.text
