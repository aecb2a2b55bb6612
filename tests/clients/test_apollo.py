"""The API through Apollo Client 4 and graphql-ws from npm, as an application
uses it: the exported possibleTypes in a normalized cache, relay-style pages
merged by the cache and read backward, node(id), a mutation's Error member,
and a subscription resumed after the last sequence number it saw.

The npm packages are installed by `.ci/run` (`npm ci` in tests/clients/apollo).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from app.alerts import service as alerts
from app.credentials.graphql.types import Credential
from app.db import Sessionmaker, unit_of_work
from app.devices.graphql.types import Device, DeviceGroup
from app.graphql.nodes import global_id
from tests.conftest import RunningApp, TokenFactory
from tests.devices.test_graphql import make_fleet

CLIENT = Path(__file__).parent / "apollo"

DEVICES = """query Devices($first: Int, $after: String, $last: Int, $before: String) {
  devices(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number name } } } }"""
NODE = """query Node($id: ID!) { node(id: $id) { __typename id
  ... on Device { name } ... on DeviceGroup { name } ... on Credential { name } } }"""
BAD_DEVICE = """mutation Bad($input: DeviceInput!) { createDevice(input: $input) {
  __typename ... on DeviceSuccess { device { id } }
  ... on Error { message code field } } }"""
ALERTS = """subscription Alerts($afterSeq: Int!) { alertsChanged(afterSeq: $afterSeq) {
  seq type } }"""


@pytest.fixture(scope="module")
def node_client() -> Path:
    """The client's packages, which `.ci/run` installs; their absence fails."""
    assert shutil.which("node"), "Node.js is needed for the npm client tests"
    assert (CLIENT / "node_modules" / "@apollo" / "client").is_dir(), (
        "run `npm ci --prefix tests/clients/apollo` (as .ci/run does)"
    )
    return CLIENT / "client.mjs"


async def run(*command: str, stdin: str = "") -> str:
    """Run `command` without blocking the server's event loop; its stdout."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def run_plan(
    client: Path, app: RunningApp, token: str, tmp: Path, steps: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run `steps` in the Apollo client against `app`; one result per step."""
    possible = tmp / "possibleTypes.json"
    export = ("schema", "export", "--possible-types", str(possible))
    await run(sys.executable, "-m", "app.cli", *export)
    plan = {
        "url": f"{app.base_url}/graphql",
        "wsUrl": app.ws_url,
        "token": token,
        "possibleTypes": str(possible),
        "steps": steps,
    }
    results: list[dict[str, Any]] = json.loads(
        await run("node", str(client), stdin=json.dumps(plan))
    )
    return results


async def test_an_apollo_application_pages_resolves_and_reads_errors(
    app: RunningApp,
    db: Sessionmaker,
    make_user: TokenFactory,
    node_client: Path,
    tmp_path: Path,
) -> None:
    token = await make_user("apollo")
    await make_fleet(db, 12)
    ids = [global_id(Device, 3), global_id(DeviceGroup, 2), global_id(Credential, 4)]
    pages, found, bad = await run_plan(
        node_client,
        app,
        token,
        tmp_path,
        [
            {"kind": "pages", "query": DEVICES, "field": "devices", "size": 5},
            {"kind": "nodes", "query": NODE, "ids": [*ids, global_id(Device, 99)]},
            {
                "kind": "mutate",
                "mutation": BAD_DEVICE,
                "variables": {
                    "input": {"address": "127.0.0.1", "credentialId": ids[0]}
                },
            },
        ],
    )
    every = [global_id(Device, n) for n in range(1, 13)]
    assert pages["forward"] == every  # three pages, merged by the cache
    assert pages["rounds"] == 3
    assert pages["backward"] == every
    assert pages["totalCount"] == 12
    assert [n and n["__typename"] for n in found["found"]] == [
        "Device",
        "DeviceGroup",
        "Credential",
        None,
    ]
    assert [n["name"] for n in found["found"][:3]] == ["d2", "g1", "c3"]
    # Without possibleTypes Apollo drops these fields of `... on Error`.
    assert bad["data"]["createDevice"] == {
        "__typename": "CredentialNotFound",
        "message": f"No Credential with id '{ids[0]}'",
        "code": "CREDENTIAL_NOT_FOUND",
        "field": "credentialId",
    }


async def test_a_subscription_resumes_after_the_last_seq_it_saw(
    app: RunningApp,
    db: Sessionmaker,
    make_user: TokenFactory,
    node_client: Path,
    tmp_path: Path,
) -> None:
    token = await make_user("apollo-live")
    async with unit_of_work(db) as session:
        for n in range(3):
            await alerts.raise_alert(session, key=f"k{n}", title=f"alert {n}")
    first, resumed = await run_plan(
        node_client,
        app,
        token,
        tmp_path,
        [
            {
                "kind": "subscribe",
                "query": ALERTS,
                "variables": {"afterSeq": 0},
                "count": 2,
            },
            {
                "kind": "subscribe",
                "query": ALERTS,
                "variables": {"afterSeq": 2},
                "count": 1,
            },
        ],
    )
    seqs = [r["alertsChanged"]["seq"] for r in first["received"]]
    assert seqs == [1, 2]
    assert [r["alertsChanged"]["seq"] for r in resumed["received"]] == [3]
    assert resumed["received"][0]["alertsChanged"]["type"] == "alert.raised"
