"""The query cost limit (list sizes multiply), refused before execution; the
response size limit; the event loop stays free during a big allowed query."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.devices.test_graphql import make_fleet

NESTED = """{ deviceGroups(first: 50) { edges { node {
  devices(first: 50) { edges { node { groups(first: 50) { edges { node {
    devices(first: 50) { edges { node { name } } } } } } } } } } } } }"""
CREATE = """mutation { createDeviceGroup(name: "sneaky") {
  ... on DeviceGroupSuccess { group { devices(first: 100) { edges { node {
    groups(first: 100) { edges { node { devices(first: 100) { edges { node {
      name } } } } } } } } } } } } }"""
FIRST = "query($n: Int!) { devices(first: $n) { edges { node { name } } } }"
BIG = """{ deviceGroups(first: 5) { edges { node { name
  devices(first: 240) { totalCount edges { node { name address
    groups(first: 2) { edges { node { name } } } } } } } } } }"""
GROUPS = "{ deviceGroups { totalCount edges { node { name } } } }"


def _code(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["extensions"]["code"])


class TestCost:
    async def test_the_nested_groups_query_is_refused_at_once(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        started = time.monotonic()
        body = await app.gql(NESTED, token=token)
        assert time.monotonic() - started < 1
        assert body["data"] is None
        assert _code(body) == "QUERY_TOO_COSTLY"
        assert "Query too costly" in body["errors"][0]["message"]

    async def test_the_nested_groups_query_is_refused_over_a_websocket(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(NESTED)
            message = await ws.receive()
        assert message["type"] in ("next", "error"), message
        assert "QUERY_TOO_COSTLY" in json.dumps(message["payload"])

    async def test_a_refused_mutation_runs_no_resolver(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(CREATE, token=token)
        assert _code(body) == "QUERY_TOO_COSTLY"
        groups = await app.gql(GROUPS, token=token)
        assert groups["data"] == {"deviceGroups": {"totalCount": 0, "edges": []}}

    async def test_first_argument_multiplies(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        huge = await app.gql(FIRST, {"n": 100_000}, token=token)
        assert _code(huge) == "QUERY_TOO_COSTLY"
        fine = await app.gql(FIRST, {"n": 10}, token=token)
        assert fine == {"data": {"devices": {"edges": []}}}


@pytest.fixture
async def small_responses(app: RunningApp) -> AsyncIterator[RunningApp]:
    settings = pg_settings(
        str(app.settings.database_url), graphql_max_response_bytes=2_000
    )
    async with serve(settings) as running:
        yield running


class TestResponseSize:
    async def test_a_response_over_the_limit_is_an_error(
        self, small_responses: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        await make_fleet(db, 100)
        response = await small_responses.http.post(
            "/graphql",
            json={"query": BIG},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert len(response.content) < 2_000
        body = response.json()
        assert body["data"] is None
        assert _code(body) == "RESPONSE_TOO_LARGE"
        small = await small_responses.gql(GROUPS, token=token)
        assert small["data"]["deviceGroups"]["totalCount"] == 5


class TestEventLoop:
    async def test_healthz_answers_while_a_big_allowed_query_runs(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        await make_fleet(db, 600)
        query = asyncio.create_task(app.gql(BIG, token=token))
        slowest = 0.0
        while not query.done():
            started = time.monotonic()
            assert (await app.http.get("/healthz")).status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            await asyncio.sleep(0.05)
        body = await query
        assert "errors" not in body
        groups = [e["node"] for e in body["data"]["deviceGroups"]["edges"]]
        assert sum(len(g["devices"]["edges"]) for g in groups) == 1_200
        assert sum(g["devices"]["totalCount"] for g in groups) == 1_200
        assert slowest < 1
