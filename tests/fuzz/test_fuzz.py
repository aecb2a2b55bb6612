"""Every REST operation and GraphQL field, fuzzed as an admin and as a viewer.

Counts: `OPSGRAPH_FUZZ_EXAMPLES` cases per operation and role (25 by default).
Failing operations are listed with one example each.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests
from graphql import get_introspection_query

from app.compat import openapi
from tests.conftest import RunningApp, TokenFactory
from tests.fuzz import harness

ROLES = ("admin", "viewer")


def _session(token: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


@pytest.mark.parametrize("role", ROLES)
async def test_rest_operations_answer_only_what_they_declare(
    app: RunningApp, make_user: TokenFactory, role: str
) -> None:
    token = await make_user(f"fuzz-{role}", roles=(role,))
    http = _session(token)
    findings = harness.Findings()
    for name in openapi.DOCUMENTS:
        document = (await app.http.get(f"/openapi/{name}.json")).json()

        def call(case: Any) -> Any:
            return case.call(base_url=app.base_url, session=http, timeout=30)

        found = await asyncio.to_thread(
            harness.fuzz,
            harness.rest_operations(document),
            call,
            harness.rest_validate,
            harness.self_ending,
        )
        findings.cases += found.cases
        findings.failures.update(found.failures)
    assert findings.cases >= harness.EXAMPLES * 150
    assert not findings.failures, findings.report()


@pytest.mark.parametrize("role", ROLES)
async def test_graphql_fields_never_crash(
    app: RunningApp, make_user: TokenFactory, role: str
) -> None:
    admin = await make_user("fuzz-introspection", roles=("admin",))
    token = await make_user(f"fuzz-gql-{role}", roles=(role,))
    introspection = await app.gql(get_introspection_query(), token=admin)
    http = _session(token)

    def call(case: Any) -> Any:
        return case.call(base_url=f"{app.base_url}/graphql", session=http, timeout=30)

    findings = await asyncio.to_thread(
        harness.fuzz,
        harness.graphql_operations(introspection["data"]),
        call,
        harness.graphql_validate,
        harness.self_ending,
    )
    assert findings.cases >= harness.EXAMPLES * 50
    assert not findings.failures, findings.report()
