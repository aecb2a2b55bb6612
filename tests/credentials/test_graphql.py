"""The vault's GraphQL face: a paged credential list, nullable getter, global ids."""

from __future__ import annotations

import pytest

from app.credentials import service
from app.credentials.graphql.types import Credential
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from tests.conftest import RunningApp, TokenFactory
from tests.connections import assert_constant_statements, walk

LIST = """query($first: Int, $after: String, $last: Int, $before: String,
  $filter: CredentialFilter, $orderBy: CredentialOrder) {
  credentials(first: $first, after: $after, last: $last, before: $before,
              filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number name credentialType } } } }"""
GET = "query($id: ID!) { credential(id: $id) { id number name } }"
ROTATE = """mutation($id: ID!) { rotateCredential(id: $id, input: {password: "x"}) {
  __typename ... on Error { code field message } } }"""
DELETE = """mutation($id: ID!) { deleteCredential(id: $id) {
  __typename ... on CredentialDeleted { deletedId }
  ... on Error { code field } } }"""


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("vault-gql-admin")


async def seed(db: Sessionmaker, count: int, start: int = 0) -> list[int]:
    """`count` credentials through the service, half ssh and half api_key."""
    ids = []
    async with unit_of_work(db) as s:
        for i in range(start, start + count):
            kind, secret = ("ssh", "password") if i % 2 else ("api_key", "api_key")
            made = await service.create_credential(
                s,
                service.SYSTEM,
                service.input_from(
                    {secret: f"s-{i}"},
                    name=f"cred-{i:03}",
                    credential_type=kind,
                    username="ops",
                ),
            )
            ids.append(made.id)
    return ids


class TestCredentialList:
    async def test_pages_both_ways(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await seed(db, 7)
        ids = await walk(app, token, LIST, "credentials", 3)
        assert len(ids) == 7
        by_name = await walk(
            app,
            token,
            LIST,
            "credentials",
            2,
            {"orderBy": {"field": "NAME", "direction": "DESC"}},
        )
        assert by_name == list(reversed(ids))
        by_creation = await walk(
            app,
            token,
            LIST,
            "credentials",
            4,
            {"orderBy": {"field": "CREATED_AT", "direction": "DESC"}},
        )
        assert by_creation == list(reversed(ids))

    async def test_filter_and_total(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await seed(db, 6)
        body = await app.gql(
            LIST, {"filter": {"credentialType": "ssh", "search": "cred-00"}}, token
        )
        page = body["data"]["credentials"]
        assert page["totalCount"] == 3
        assert {e["node"]["credentialType"] for e in page["edges"]} == {"ssh"}

    async def test_statements_do_not_grow(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        made: list[int] = []

        async def grow(n: int) -> None:
            made.extend(await seed(db, n - len(made), len(made)))

        await assert_constant_statements(app, token, LIST, "credentials", grow)


class TestCredentialGetter:
    async def test_present_absent_malformed_and_other_type(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        (key,) = await seed(db, 1)

        async def get(raw: str) -> object:
            body = await app.gql(GET, {"id": raw}, token)
            assert "errors" not in body, body
            return body["data"]["credential"]

        found = await get(global_id(Credential, key))
        assert found == {
            "id": global_id(Credential, key),
            "number": key,
            "name": "cred-000",
        }
        assert await get(global_id(Credential, key + 100)) is None
        assert await get("not-a-global-id") is None
        assert await get(str(key)) is None
        assert await get(global_id(Device, key)) is None


class TestCredentialMutations:
    async def test_other_types_id_is_not_found_with_field(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async with unit_of_work(db) as s:
            device = await devices_service.create_device(
                s, devices_service.DeviceInput(address="127.0.0.9", name="d")
            )
        body = await app.gql(ROTATE, {"id": global_id(Device, device.id)}, token)
        got = body["data"]["rotateCredential"]
        assert (got["__typename"], got["code"], got["field"]) == (
            "CredentialNotFound",
            "CREDENTIAL_NOT_FOUND",
            "id",
        )

    async def test_delete_answers_deleted_id_then_not_found(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:

        (key,) = await seed(db, 1)
        gid = global_id(Credential, key)
        first = (await app.gql(DELETE, {"id": gid}, token))["data"]["deleteCredential"]
        assert first == {"__typename": "CredentialDeleted", "deletedId": gid}
        again = (await app.gql(DELETE, {"id": gid}, token))["data"]["deleteCredential"]
        assert (again["code"], again["field"]) == ("CREDENTIAL_NOT_FOUND", "id")
