"""Federations over GraphQL: CRUD and routing through the same service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.federations.test_rest import ORG, federation

CREATE = """
mutation($input: JSON!) {
  createFederation(input: $input) {
    __typename
    ... on FederationSuccess { federation { id name services } }
    ... on Error { message }
  }
}"""
ROUTE = """
mutation($id: UUID!, $request: JSON!) {
  routeFederationRequest(id: $id, request: $request) {
    __typename
    ... on RouteSuccess { route }
    ... on Error { message }
  }
}"""
LIST = "query($org: UUID!) { federations(orgId: $org) { name } }"


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
        assert listed["data"]["federations"] == [{"name": "e-commerce-platform"}]
        routed = await api.gql(
            ROUTE, {"id": fid, "request": {"path": "/payments/x"}}, token
        )
        route = routed["data"]["routeFederationRequest"]["route"]
        assert (route["service"]["name"], route["service_path"]) == ("payments", "/x")
        none = await api.gql(ROUTE, {"id": fid, "request": {"path": "/zzz"}}, token)
        assert none["data"]["routeFederationRequest"] == {
            "__typename": "NoServiceForPath",
            "message": "No service handles path /zzz",
        }

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
