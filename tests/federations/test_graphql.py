"""Federations over GraphQL: CRUD and routing through the same service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker, unit_of_work
from app.federations import service
from app.federations.graphql.types import Federation
from app.federations.inputs import FederationInput
from app.graphql.nodes import global_id
from app.pipelines.graphql.types import Pipeline
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.connections import PAGE, assert_constant_statements, walk
from tests.federations.test_rest import MISSING, ORG, federation

LISTING = f"""query($first: Int, $after: String, $last: Int, $before: String) {{
  federations(first: $first, after: $after, last: $last, before: $before,
              orderBy: {{field: NAME, direction: DESC}}) {{
    {PAGE} edges {{ cursor node {{ id name }} }} }} }}"""

CREATE = """
mutation($input: JSON!) {
  createFederation(input: $input) {
    __typename
    ... on FederationSuccess { federation { id name services } }
    ... on Error { message }
  }
}"""
ROUTE = """
mutation($id: ID!, $request: JSON!) {
  routeFederationRequest(id: $id, request: $request) {
    __typename
    ... on RouteSuccess { route }
    ... on Error { message code field }
  }
}"""
LIST = """query($org: UUID!) {
  federations(filter: {orgId: $org}) { edges { node { name } } } }"""


@pytest.fixture
async def api(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    async with serve(pg_settings(pg_url)) as running:
        yield running


class TestFederationsGraphql:
    async def test_create_list_route(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = (await api.gql(CREATE, {"input": federation()}, token))["data"]
        fid = created["createFederation"]["federation"]["id"]
        listed = await api.gql(LIST, {"org": ORG}, token)
        edges = listed["data"]["federations"]["edges"]
        assert edges == [{"node": {"name": "e-commerce-platform"}}]
        routed = await api.gql(
            ROUTE, {"id": fid, "request": {"path": "/payments/x"}}, token
        )
        route = routed["data"]["routeFederationRequest"]["route"]
        assert (route["service"]["name"], route["service_path"]) == ("payments", "/x")
        none = await api.gql(ROUTE, {"id": fid, "request": {"path": "/zzz"}}, token)
        assert none["data"]["routeFederationRequest"] == {
            "__typename": "NoServiceForPath",
            "message": "No service handles path /zzz",
            "code": "NO_SERVICE_FOR_PATH",
            "field": "request",
        }
        other = global_id(Pipeline, MISSING)
        for raw in (other, global_id(Federation, MISSING)):
            missing = await api.gql(ROUTE, {"id": raw, "request": {"path": "/"}}, token)
            answer = missing["data"]["routeFederationRequest"]
            assert (answer["code"], answer["field"]) == ("FEDERATION_NOT_FOUND", "id")

    async def test_duplicate_and_invalid(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        await api.gql(CREATE, {"input": federation()}, token)
        again = (await api.gql(CREATE, {"input": federation()}, token))["data"]
        assert again["createFederation"]["__typename"] == "FederationNameTaken"
        bad = federation(name="other", services=[{"name": "a"}])
        invalid = (await api.gql(CREATE, {"input": bad}, token))["data"]
        assert invalid["createFederation"]["__typename"] == "InvalidFederationInput"


class TestFederationConnection:
    async def test_pages_both_ways_in_constant_statements(
        self, api: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        have = [0]

        async def grow(n: int) -> None:
            async with unit_of_work(db) as session:
                for k in range(have[0], n):
                    data = FederationInput.model_validate(
                        federation(name=f"fed-{k % 5}-{k}")
                    )
                    await service.create_federation(session, api.settings, data)
            have[0] = max(have[0], n)

        await assert_constant_statements(api, token, LISTING, "federations", grow)
        assert len(await walk(api, token, LISTING, "federations", 6)) == 40

    async def test_getter_is_null_when_absent_malformed_or_another_type(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = (await api.gql(CREATE, {"input": federation()}, token))["data"]
        made = created["createFederation"]["federation"]
        query = "query($id: ID!) { federation(id: $id) { uuid name } }"
        found = await api.gql(query, {"id": made["id"]}, token)
        assert found["data"]["federation"]["name"] == "e-commerce-platform"
        other = global_id(Pipeline, found["data"]["federation"]["uuid"])
        for raw in (global_id(Federation, MISSING), "zz", other):
            assert (await api.gql(query, {"id": raw}, token)) == {
                "data": {"federation": None}
            }
