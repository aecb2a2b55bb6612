"""Depth, alias and token limits; the introspection policy; error masking."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from graphql import GraphQLError

from app.errors import NotFoundError
from app.graphql.errors import is_internal
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
async def tight_app(app: RunningApp) -> AsyncIterator[RunningApp]:
    """The API with small limits, on the same test database."""
    settings = pg_settings(
        str(app.settings.database_url),
        graphql_max_depth=1,
        graphql_max_aliases=3,
        graphql_max_tokens=40,
    )
    async with serve(settings) as running:
        yield running


class TestLimits:
    async def test_query_deeper_than_the_limit_is_refused(
        self, tight_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        shallow = await tight_app.gql("{ me { username } }", token=token)
        assert shallow["data"]["me"]["username"] == "alice"
        deep = await tight_app.gql(
            "{ me { roles { edges { node { name } } } } }", token=token
        )
        assert "exceeds maximum operation depth" in deep["errors"][0]["message"]

    async def test_fragments_count_towards_depth(
        self, tight_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        query = (
            "fragment F on User { roles { edges { node { name } } } } { me { ...F } }"
        )
        body = await tight_app.gql(query, token=token)
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]

    async def test_too_many_aliases_are_refused(self, tight_app: RunningApp) -> None:
        many = "{ " + " ".join(f"a{i}: __typename" for i in range(4)) + " }"
        body = await tight_app.gql(many)
        assert "aliases" in body["errors"][0]["message"]

    async def test_too_many_tokens_are_refused(self, tight_app: RunningApp) -> None:
        huge = "{ " + " ".join("__typename" for _ in range(50)) + " }"
        body = await tight_app.gql(huge)
        assert "token" in body["errors"][0]["message"].lower()


class TestIntrospection:
    async def test_anonymous_caller_is_told_to_log_in(self, app: RunningApp) -> None:
        body = await app.gql(INTROSPECTION)
        assert len(body["errors"]) == 1
        assert body["errors"][0]["message"].startswith("Log in first: introspection")
        assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}

    async def test_off_policy_names_the_setting(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        settings = pg_settings(
            str(app.settings.database_url), graphql_introspection="off"
        )
        async with serve(settings) as off:
            body = await off.gql(INTROSPECTION, token=token)
        assert body["errors"][0]["message"] == (
            "Introspection is turned off on this server "
            "(OPSGRAPH_GRAPHQL_INTROSPECTION)"
        )
        assert body["errors"][0]["extensions"] == {"code": "INTROSPECTION_DISABLED"}

    async def test_authenticated_caller_can_introspect(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("viewer",))
        body = await app.gql(INTROSPECTION, token=token)
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"


class TestPermissions:
    @pytest.mark.parametrize(
        ("token", "message"),
        [(None, "Authentication required"), ("not-a-jwt", "Invalid token")],
    )
    async def test_me_needs_a_valid_token(
        self, app: RunningApp, token: str | None, message: str
    ) -> None:
        body = await app.gql("{ me { username } }", token=token)
        assert body["data"] is None
        assert body["errors"][0]["message"] == message

    async def test_viewer_cannot_ping_workers(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("viewer",))
        body = await app.gql(
            "mutation { pingWorkers { ... on PingWorkersSuccess { pingId } } }",
            token=token,
        )
        assert (
            body["errors"][0]["message"] == "Permission 'system.worker.ping' required"
        )


class TestMasking:
    def test_crash_is_masked_and_domain_error_is_not(self) -> None:
        crash = GraphQLError("db password is hunter2", original_error=RuntimeError("x"))
        expected = GraphQLError("Not found", original_error=NotFoundError("Not found"))
        assert is_internal(crash)
        assert not is_internal(expected)
        assert not is_internal(GraphQLError("Syntax Error"))
