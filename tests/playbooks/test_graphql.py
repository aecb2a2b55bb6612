"""Step playbooks' GraphQL face: CRUD, paging, and runs on real SSH servers."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
import pytest

from app.db import Sessionmaker, unit_of_work
from app.devices.graphql.types import Device
from app.executions import engine
from app.executions import service as executions_service
from app.graphql.nodes import global_id
from app.playbooks import service
from app.playbooks.graphql.types import StepPlaybook
from app.scripts.graphql.types import Script
from app.settings import Settings
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.executions.conftest import DeviceFactory
from tests.sshd import SSHServer

FIELDS = "id number name description version isActive steps { type action }"
CREATE = f"""mutation($input: CreateStepPlaybookInput!) {{
  createStepPlaybook(input: $input) {{ __typename
  ... on StepPlaybookSuccess {{ playbook {{ {FIELDS} }} }}
  ... on Error {{ code field message }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateStepPlaybookInput!) {{
  updateStepPlaybook(id: $id, input: $input) {{ __typename
  ... on StepPlaybookSuccess {{ playbook {{ {FIELDS} }} }}
  ... on Error {{ code field message }} }} }}"""
DELETE = """mutation($id: ID!) { deleteStepPlaybook(id: $id) {
  __typename ... on Deleted { deletedId } ... on Error { code field message } } }"""
GET = """query($id: ID!) { stepPlaybook(id: $id) { id name } }"""
NODE = (
    """query($id: ID!) { node(id: $id) { __typename ... on StepPlaybook { name } } }"""
)
LIST = f"""query($first: Int, $after: String, $last: Int, $before: String,
  $filter: StepPlaybookFilter, $orderBy: StepPlaybookOrder) {{
  stepPlaybooks(first: $first, after: $after, last: $last, before: $before,
                filter: $filter, orderBy: $orderBy) {{
    {PAGE} edges {{ cursor node {{ id name NESTED }} }} }} }}"""
# 1000 nodes with their steps (a nested list) cost more than the schema allows
FLAT = LIST.replace("NESTED", "version")
LIST = LIST.replace("NESTED", "steps { type }")
EXECUTE = """mutation($id: ID!, $devices: [ID!], $timeout: Int! = 60) {
  executeStepPlaybook(id: $id, deviceIds: $devices, timeout: $timeout) {
  __typename ... on ExecuteStepPlaybookSuccess { execution { id number kind
    status playbookId hostsTotal } }
  ... on Error { code field message } } }"""
EVENTS = """subscription($id: ID!) {
  executionEvents(executionId: $id, afterSeq: 0) { seq type data } }"""
EXECUTION = """query($id: ID!) { execution(id: $id) { status playbookId
  hosts { host status exitCode stdout } } }"""
STEPS = [
    {"type": "COMMAND", "action": "echo one"},
    {"type": "WAIT", "action": "0.1"},
    {"type": "SCRIPT", "action": "#!/bin/sh\necho two\n"},
]


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("playbook-admin")


async def _create(app: RunningApp, token: str, **over: Any) -> dict[str, Any]:
    data = {"name": "restart-web", "steps": STEPS, **over}
    body = await app.gql(CREATE, {"input": data}, token)
    member = body["data"]["createStepPlaybook"]
    assert member["__typename"] == "StepPlaybookSuccess", body
    playbook: dict[str, Any] = member["playbook"]
    return playbook


async def _seed(db: Sessionmaker, count: int) -> None:
    async with unit_of_work(db) as session:
        have = len(await service.list_playbooks(session, 0, 10_000, None))
        for i in range(have, count):
            steps = [{"type": "command", "action": f"echo {i}"}]
            data = {"name": f"pb-{i:03}", "steps": steps, "is_active": i % 3 != 0}
            await service.create(session, data)


class TestStepPlaybookCrud:
    async def test_create_read_update_delete(self, app: RunningApp, token: str) -> None:
        created = await _create(app, token, description="restarts nginx")
        assert created == {
            "id": global_id(StepPlaybook, 1),
            "number": 1,
            "name": "restart-web",
            "description": "restarts nginx",
            "version": "1.0.0",
            "isActive": True,
            "steps": STEPS,
        }
        got = await app.gql(GET, {"id": created["id"]}, token)
        assert got["data"]["stepPlaybook"]["name"] == "restart-web"
        node = await app.gql(NODE, {"id": created["id"]}, token)
        assert node["data"]["node"] == {
            "__typename": "StepPlaybook",
            "name": "restart-web",
        }
        change = {
            "description": None,
            "isActive": False,
            "version": "1.1.0",
            "steps": [{"type": "COMMAND", "action": "uptime"}],
        }
        body = await app.gql(UPDATE, {"id": created["id"], "input": change}, token)
        updated = body["data"]["updateStepPlaybook"]["playbook"]
        assert {k: updated[k] for k in change} == change
        assert updated["name"] == "restart-web"
        rest = await app.http.get(
            "/api/v1/playbooks/1", headers={"Authorization": f"Bearer {token}"}
        )
        assert rest.json()["steps"] == [{"type": "command", "action": "uptime"}]
        assert (rest.json()["is_active"], rest.json()["description"]) == (False, None)
        body = await app.gql(DELETE, {"id": created["id"]}, token)
        assert body["data"]["deleteStepPlaybook"] == {
            "__typename": "Deleted",
            "deletedId": created["id"],
        }
        got = await app.gql(GET, {"id": created["id"]}, token)
        assert got == {"data": {"stepPlaybook": None}}

    async def test_rules_are_payload_members(self, app: RunningApp, token: str) -> None:
        first = await _create(app, token)
        await _create(app, token, name="other")
        cases = [
            (CREATE, {"input": {"name": "-bad", "steps": STEPS}}, "createStepPlaybook"),
            (CREATE, {"input": {"name": "ok", "steps": []}}, "createStepPlaybook"),
            (
                UPDATE,
                {"id": first["id"], "input": {"version": "1"}},
                "updateStepPlaybook",
            ),
            (
                UPDATE,
                {
                    "id": first["id"],
                    "input": {"steps": [{"type": "WAIT", "action": "9999"}]},
                },
                "updateStepPlaybook",
            ),
        ]
        for query, variables, field in cases:
            member = (await app.gql(query, variables, token))["data"][field]
            assert member["code"] == "INVALID_STEP_PLAYBOOK_INPUT", member
        taken = {"name": "other", "steps": STEPS}
        for query, variables, field in (
            (CREATE, {"input": taken}, "createStepPlaybook"),
            (
                UPDATE,
                {"id": first["id"], "input": {"name": "other"}},
                "updateStepPlaybook",
            ),
        ):
            member = (await app.gql(query, variables, token))["data"][field]
            assert member == {
                "__typename": "StepPlaybookNameTaken",
                "code": "STEP_PLAYBOOK_NAME_TAKEN",
                "field": "name",
                "message": "Playbook with this name already exists",
            }

    async def test_absent_or_other_type_ids_are_not_found_with_field(
        self, app: RunningApp, token: str
    ) -> None:
        await _create(app, token)
        for raw in (global_id(StepPlaybook, 9), global_id(Script, 1), "x"):
            variables = {"id": raw, "input": {"version": "2.0.0"}}
            member = (await app.gql(UPDATE, variables, token))["data"]
            member = member["updateStepPlaybook"]
            assert (member["__typename"], member["field"]) == (
                "StepPlaybookNotFound",
                "id",
            )
            member = (await app.gql(DELETE, {"id": raw}, token))["data"]
            assert member["deleteStepPlaybook"]["field"] == "id"
            member = (await app.gql(EXECUTE, {"id": raw}, token))["data"]
            assert member["executeStepPlaybook"]["code"] == "STEP_PLAYBOOK_NOT_FOUND"


class TestStepPlaybookGetter:
    async def test_absent_malformed_and_other_type_are_null(
        self, app: RunningApp, token: str
    ) -> None:
        await _create(app, token)
        for raw in (global_id(StepPlaybook, 2), "!!", global_id(Script, 1), "1"):
            body = await app.gql(GET, {"id": raw}, token)
            assert body == {"data": {"stepPlaybook": None}}, raw

    async def test_viewer_reads_but_cannot_execute(
        self, app: RunningApp, token: str, make_user: TokenFactory
    ) -> None:
        created = await _create(app, token)
        viewer = await make_user("playbook-viewer", roles=("viewer",))
        got = await app.gql(GET, {"id": created["id"]}, viewer)
        assert got["data"]["stepPlaybook"]["name"] == "restart-web"
        body = await app.gql(EXECUTE, {"id": created["id"]}, viewer)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


class TestStepPlaybookList:
    async def test_walks_both_ways_with_filter_and_order(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await _seed(db, 10)
        ids = await walk(app, token, LIST, "stepPlaybooks", 3)
        assert ids == [global_id(StepPlaybook, n) for n in range(1, 11)]
        order = {"field": "NAME", "direction": "DESC"}
        active = {"isActive": True}
        found = await walk(
            app, token, LIST, "stepPlaybooks", 2, {"orderBy": order, "filter": active}
        )
        assert found == [global_id(StepPlaybook, n) for n in (9, 8, 6, 5, 3, 2)]
        order = {"field": "CREATED_AT", "direction": "DESC"}
        walked = await walk(app, token, LIST, "stepPlaybooks", 4, {"orderBy": order})
        assert walked == ids[::-1]

    async def test_page_costs_constant_statements(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async def grow(count: int) -> None:
            await _seed(db, count)

        await assert_constant_statements(app, token, FLAT, "stepPlaybooks", grow)


async def _events(ws: gqlws.Subscriber) -> list[dict[str, Any]]:
    got = []
    while (message := await asyncio.wait_for(ws.receive(), 20))["type"] != "complete":
        assert message["type"] == "next", message
        got.append(message["payload"]["data"]["executionEvents"])
    return got


class TestExecuteStepPlaybook:
    async def test_runs_on_devices_as_opmas_would(
        self,
        app: RunningApp,
        db: Sessionmaker,
        token: str,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        web = await real_device(servers[0], "web-1")
        api = await real_device(servers[1], "api-1")
        playbook = await _create(app, token)
        devices = [global_id(Device, web.id), global_id(Device, api.id)]
        body = await app.gql(EXECUTE, {"id": playbook["id"], "devices": devices}, token)
        execution = body["data"]["executeStepPlaybook"]["execution"]
        assert execution["kind"] == "opmas_playbook"
        assert (execution["status"], execution["hostsTotal"]) == ("pending", 2)
        async with db() as session:
            row = await executions_service.get(session, execution["number"])
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": execution["id"]})
            run = asyncio.create_task(engine.run(db, row.uuid, settings))
            events = await _events(ws)
            await run
        assert events[-1]["data"]["status"] == "completed"
        got = (await app.gql(EXECUTION, {"id": execution["id"]}, token))["data"]
        hosts = got["execution"]["hosts"]
        assert got["execution"]["status"] == "completed"
        assert sorted(h["host"] for h in hosts) == ["api-1", "web-1"]
        assert {(h["exitCode"], h["stdout"]) for h in hosts} == {(0, "one\ntwo")}
        headers = {"Authorization": f"Bearer {token}"}
        rest = await app.http.get(
            f"/api/v1/playbooks/executions/{row.id}", headers=headers
        )
        assert (rest.json()["status"], rest.json()["playbook_id"]) == ("completed", 1)
        listed = await app.http.get("/api/v1/playbooks/1/executions", headers=headers)
        assert [e["id"] for e in listed.json()] == [row.id]

    async def test_bad_targets_and_inactive_are_payload_members(
        self,
        app: RunningApp,
        db: Sessionmaker,
        token: str,
        servers: list[SSHServer],
        real_device: DeviceFactory,
    ) -> None:
        web = await real_device(servers[0], "web-1")
        playbook = (await _create(app, token))["id"]
        device = global_id(Device, web.id)
        cases = [
            ({"devices": [playbook]}, "DeviceNotFound", "deviceIds"),
            ({"devices": [global_id(Device, 99)]}, "DeviceNotFound", "deviceIds"),
            (
                {"devices": [device], "timeout": 0},
                "InvalidStepPlaybookInput",
                "timeout",
            ),
        ]
        for variables, kind, field in cases:
            body = await app.gql(EXECUTE, {"id": playbook, **variables}, token)
            member = body["data"]["executeStepPlaybook"]
            assert (member["__typename"], member["field"]) == (kind, field), body
        off = {"id": playbook, "input": {"isActive": False}}
        await app.gql(UPDATE, off, token)
        body = await app.gql(EXECUTE, {"id": playbook, "devices": [device]}, token)
        assert body["data"]["executeStepPlaybook"] == {
            "__typename": "StepPlaybookInactive",
            "code": "STEP_PLAYBOOK_INACTIVE",
            "field": "id",
            "message": "Playbook is not active",
        }
        async with db() as session:
            page = await executions_service.list_page(
                session, executions_service.ExecutionFilter(), 0, 10
            )
        assert page.total == 0
