"""Every REST operation and GraphQL field, fuzzed as an admin and as a viewer.

Counts: `OPSGRAPH_FUZZ_EXAMPLES` cases per operation and role (100 by default).
One test per REST document (or GraphQL root type) and role, so that
pytest-xdist spreads them over its workers. Failing operations are listed with
one example each.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import get_introspection_query

from app.compat import openapi
from tests.conftest import RunningApp, TokenFactory
from tests.fuzz import harness

ROLES = ("admin", "viewer")
# Hypothesis stops early on an operation once it has tried every input it can
# build (a field without arguments), so a test's floor is a share of
# EXAMPLES x operations, below what they reach at 100 examples: every REST
# operation gets all 100; GraphQL queries 87%, mutations 95%.
REST_SHARE = 0.9
GRAPHQL_SHARE = 0.8


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("document", sorted(openapi.DOCUMENTS))
async def test_rest_operations_answer_only_what_they_declare(
    app: RunningApp, make_user: TokenFactory, document: str, role: str
) -> None:
    token = await make_user(f"fuzz-{role}", roles=(role,))
    spec = (await app.http.get(f"/openapi/{document}.json")).json()
    with harness.session(token) as http:

        def call(case: Any) -> Any:
            return case.call(base_url=app.base_url, session=http, timeout=30)

        found = await asyncio.to_thread(
            harness.fuzz,
            harness.rest_operations(spec),
            call,
            harness.rest_validate,
            harness.self_ending,
        )
    assert found.operations > 0
    assert found.cases >= harness.EXAMPLES * found.operations * REST_SHARE
    assert not found.failures, found.report()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("root", ["Query", "Mutation"])
async def test_graphql_fields_never_crash(
    app: RunningApp, make_user: TokenFactory, root: str, role: str
) -> None:
    admin = await make_user("fuzz-introspection", roles=("admin",))
    token = await make_user(f"fuzz-gql-{role}", roles=(role,))
    introspection = await app.gql(get_introspection_query(), token=admin)
    with harness.session(token) as http:

        def call(case: Any) -> Any:
            return case.call(
                base_url=f"{app.base_url}/graphql", session=http, timeout=30
            )

        found = await asyncio.to_thread(
            harness.fuzz,
            harness.graphql_operations(introspection["data"], root),
            call,
            harness.graphql_validate,
            harness.self_ending,
        )
    assert found.operations > 0
    assert found.cases >= harness.EXAMPLES * found.operations * GRAPHQL_SHARE
    assert not found.failures, found.report()
