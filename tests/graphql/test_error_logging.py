"""A caller's GraphQL mistake is one warning line; a crash keeps its traceback."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from app.errors import ForbiddenError
from app.graphql import errors
from app.graphql.schema import schema
from tests.conftest import RunningApp, TokenFactory


def _graphql_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith(("app.graphql", "strawberry"))
        and r.levelno >= logging.WARNING
    ]


async def test_unauthenticated_and_forbidden_fields_log_one_line_each(
    app: RunningApp, make_user: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = await make_user("vic", roles=("viewer",))
    anonymous = (
        "{ " + " ".join(f'a{i}: user(id: "1") {{ username }}' for i in range(20)) + " }"
    )
    caplog.set_level(logging.INFO)
    body = await app.gql(anonymous)
    assert len(body["errors"]) == 20
    forbidden = await app.gql(
        "mutation { pingWorkers { ... on PingWorkersSuccess { pingId } } }",
        token=viewer,
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    records = _graphql_records(caplog)
    assert 1 <= len(records) <= 21
    for record in records:
        assert record.levelno == logging.WARNING
        assert record.exc_info is None
        assert "\n" not in record.getMessage()
    assert "a0 -> UNAUTHENTICATED" in records[0].getMessage()
    assert "pingWorkers -> FORBIDDEN" in records[-1].getMessage()


def test_a_crash_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    crash = GraphQLError("boom", original_error=RuntimeError("boom"))
    refused = GraphQLError("no", original_error=ForbiddenError("no"))
    caplog.set_level(logging.INFO)
    masked = [errors.is_internal(e) for e in (crash, refused)]  # as MaskErrors asks
    schema.process_errors([crash, refused])
    assert masked == [True, False]
    crashed, warned = _graphql_records(caplog)
    assert crashed.levelno == logging.ERROR
    assert crashed.exc_info is not None
    assert warned.levelno == logging.WARNING
    assert warned.exc_info is None


TWO_OPERATIONS = "query A { __typename } subscription B { alertsChanged { seq } }"


@pytest.mark.parametrize(
    ("body", "token_needed"),
    [
        ({"query": "subscription { alertsChanged { seq } }"}, False),
        ({"query": "subscription { alertsChanged { seq } }"}, True),
        (
            {"query": TWO_OPERATIONS, "operationName": "B"},
            True,
        ),
    ],
)
async def test_subscription_over_plain_http_is_a_400_naming_the_transports(
    app: RunningApp,
    make_user: TokenFactory,
    caplog: pytest.LogCaptureFixture,
    body: dict[str, str],
    token_needed: bool,
) -> None:
    headers = {"Authorization": f"Bearer {await make_user()}"} if token_needed else {}
    response = await app.http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert "websocket" in response.text
    assert "multipart" in response.text
    records = _graphql_records(caplog)
    assert [r.levelno for r in records] == [logging.WARNING]
    assert records[0].exc_info is None


async def test_query_beside_a_subscription_still_runs_over_http(
    app: RunningApp, make_user: TokenFactory
) -> None:
    token = await make_user()
    body = {"query": TWO_OPERATIONS, "operationName": "A"}
    response = await app.http.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json() == {"data": {"__typename": "Query"}}
