"""The fleet's GraphQL face: constant SQL for lists, unions for failures."""

from __future__ import annotations

import pytest

from app.credentials import service as credentials_service
from app.credentials.graphql.types import Credential
from app.db import Sessionmaker, unit_of_work
from app.devices import service
from app.graphql.nodes import global_id
from tests.conftest import RunningApp, TokenFactory
from tests.sqlcount import count_statements
from tests.sshd import SSHServer, asyncssh_server
from tests.sshpeers import closed_port, silent_port

DEVICES = """query($first: Int!) { devices(first: $first) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name address status groups { edges { node { id name } } }
                 credential { id name credentialType attributes } } } } }"""


async def make_fleet(db: Sessionmaker, count: int) -> None:
    async with unit_of_work(db) as s:
        groups = [
            await service.create_group(s, f"g{i}", device_ids=[]) for i in range(5)
        ]
        creds = [
            await credentials_service.create_credential(
                s,
                credentials_service.SYSTEM,
                credentials_service.input_from(
                    {"password": f"pw-{i}"},
                    name=f"c{i}",
                    credential_type="ssh",
                    username="ops",
                ),
            )
            for i in range(5)
        ]
        for i in range(count):
            await service.create_device(
                s,
                service.DeviceInput(
                    address=f"127.0.{i // 250}.{i % 250}",
                    name=f"d{i}",
                    credential_id=creds[i % 5].id,
                    group_ids=[groups[i % 5].id, groups[(i + 1) % 5].id],
                ),
                may_use_credentials=True,
            )


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("gql-admin")


class TestDeviceList:
    async def test_statement_count_does_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await make_fleet(db, 100)
        with count_statements() as few:
            small = await app.gql(DEVICES, {"first": 10}, token=token)
        with count_statements() as many:
            body = await app.gql(DEVICES, {"first": 100}, token=token)
        assert "errors" not in body, body
        page = body["data"]["devices"]
        assert page["totalCount"] == 100
        assert len(page["edges"]) == 100
        assert len(small["data"]["devices"]["edges"]) == 10
        first = page["edges"][0]["node"]
        assert [e["node"]["name"] for e in first["groups"]["edges"]] == ["g0", "g1"]
        assert first["credential"]["attributes"] == {"auth_type": "password"}
        # auth (user, session and roles: one query) + count + page + one groups
        # + one credentials
        assert len(many) == len(few) == 5, many

    async def test_pages_with_cursors(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await make_fleet(db, 3)
        query = """query($after: String) { devices(first: 2, after: $after,
          orderBy: {field: NAME, direction: DESC}) {
          pageInfo { hasNextPage endCursor } edges { node { name } } } }"""
        one = (await app.gql(query, {"after": None}, token=token))["data"]["devices"]
        assert [e["node"]["name"] for e in one["edges"]] == ["d2", "d1"]
        assert one["pageInfo"]["hasNextPage"] is True
        cursor = one["pageInfo"]["endCursor"]
        two = (await app.gql(query, {"after": cursor}, token=token))["data"]["devices"]
        assert [e["node"]["name"] for e in two["edges"]] == ["d0"]
        assert two["pageInfo"]["hasNextPage"] is False

    async def test_viewer_sees_no_credential_secret_fields(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        viewer = await make_user("gql-viewer", roles=("viewer",))
        body = await app.gql(
            "{ credentials { edges { node { id password } } } }", token=viewer
        )
        assert "Cannot query field 'password'" in body["errors"][0]["message"]


TEST = """mutation($id: ID!) { testDeviceConnection(deviceId: $id) {
  __typename ... on DeviceReachability { ok errorCode message }
  ... on Error { code field } } }"""
CREATE = """mutation($input: DeviceInput!) { createDevice(input: $input) {
  __typename ... on DeviceSuccess { device { id } }
  ... on InvalidDeviceInput { field message } } }"""


class TestConnectionFailures:
    async def test_each_failure_has_its_code(
        self, app: RunningApp, db: Sessionmaker, token: str, server: SSHServer
    ) -> None:
        async with unit_of_work(db) as s:
            good = await credentials_service.create_credential(
                s,
                credentials_service.SYSTEM,
                credentials_service.input_from(
                    {"password": server.password},
                    name="good",
                    credential_type="ssh",
                    username="ops",
                ),
            )

        async def outcome(port: int, password: str | None = None) -> tuple:
            cred = global_id(Credential, good.id)
            if password is not None:
                made = await app.gql(
                    """mutation($i: CredentialInput!) { createCredential(input: $i) {
                      ... on CredentialSuccess { credential { id } } } }""",
                    {
                        "i": {
                            "name": f"bad{port}",
                            "credentialType": "ssh",
                            "username": "ops",
                            "password": password,
                        }
                    },
                    token=token,
                )
                cred = made["data"]["createCredential"]["credential"]["id"]
            created = await app.gql(
                CREATE,
                {"input": {"address": "127.0.0.1", "port": port, "credentialId": cred}},
                token=token,
            )
            device_id = created["data"]["createDevice"]["device"]["id"]
            result = (await app.gql(TEST, {"id": device_id}, token=token))["data"]
            r = result["testDeviceConnection"]
            return device_id, r["ok"], r["errorCode"]

        async with silent_port() as silent:
            first_id, ok, code = await outcome(server.port)
            assert (ok, code) == (True, None)
            assert (await outcome(server.port + 0, "wrong"))[1:] == (
                False,
                "SSH_AUTHENTICATION_FAILED",
            )
            assert (await outcome(closed_port()))[1:] == (
                False,
                "SSH_CONNECTION_FAILED",
            )
            assert (await outcome(silent))[1:] == (False, "SSH_TIMEOUT")
        async with asyncssh_server() as reinstalled:
            moved = await app.gql(
                """mutation($id: ID!, $p: Int!) { updateDevice(id: $id,
                  input: {port: $p}) { __typename } }""",
                {"id": first_id, "p": reinstalled.port},
                token=token,
            )
            assert moved["data"]["updateDevice"]["__typename"] == "DeviceSuccess"
            result = await app.gql(TEST, {"id": first_id}, token=token)
        assert result["data"]["testDeviceConnection"]["errorCode"] == (
            "SSH_HOST_KEY_CHANGED"
        )

    async def test_unknown_device_and_bad_input(
        self, app: RunningApp, token: str
    ) -> None:
        missing = await app.gql(TEST, {"id": "4040"}, token=token)
        assert missing["data"]["testDeviceConnection"] == {
            "__typename": "DeviceNotFound",
            "code": "DEVICE_NOT_FOUND",
            "field": "deviceId",
        }
        bad = await app.gql(CREATE, {"input": {"address": "", "port": 22}}, token=token)
        assert bad["data"]["createDevice"] == {
            "__typename": "InvalidDeviceInput",
            "field": "address",
            "message": "address is required",
        }
