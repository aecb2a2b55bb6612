"""Scripts' GraphQL face: CRUD, paging, and runs on real SSH servers."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
import pytest
from sqlalchemy import select

from app.db import Sessionmaker, unit_of_work
from app.devices.graphql.types import Device, DeviceGroup
from app.devices.models import Group
from app.executions import engine
from app.executions import service as executions_service
from app.graphql.nodes import global_id
from app.scripts import service
from app.scripts.graphql.types import Script
from app.settings import Settings
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.executions.conftest import DeviceFactory
from tests.sshd import SSHServer

CREATE = """mutation($input: CreateScriptInput!) { createScript(input: $input) {
  __typename ... on ScriptSuccess { script { id number name content description } }
  ... on Error { code field message } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateScriptInput!) {
  updateScript(id: $id, input: $input) {
  __typename ... on ScriptSuccess { script { id name description } }
  ... on Error { code field message } } }"""
DELETE = """mutation($id: ID!) { deleteScript(id: $id) {
  __typename ... on Deleted { deletedId } ... on Error { code field message } } }"""
GET = """query($id: ID!) { script(id: $id) { id number name } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename ... on Script { name } } }"""
LIST = f"""query($first: Int, $after: String, $last: Int, $before: String,
  $filter: ScriptFilter, $orderBy: ScriptOrder) {{
  scripts(first: $first, after: $after, last: $last, before: $before,
          filter: $filter, orderBy: $orderBy) {{
    {PAGE} edges {{ cursor node {{ id name }} }} }} }}"""
RUN = """mutation($id: ID!, $devices: [ID!], $group: ID, $timeout: Int! = 60) {
  runScript(id: $id, deviceIds: $devices, groupId: $group, timeout: $timeout) {
  __typename ... on RunScriptSuccess { execution { id number kind status scriptId
    hostsTotal } }
  ... on Error { code field message } } }"""
EVENTS = """subscription($id: ID!) {
  executionEvents(executionId: $id, afterSeq: 0) { seq type data } }"""
EXECUTION = """query($id: ID!) { execution(id: $id) { status scriptId
  hosts { host status exitCode stdout } } }"""
BACKUP = {"name": "Backup", "content": "#!/bin/sh\necho backing-up\n"}


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("script-admin")


async def _create(app: RunningApp, token: str, **over: Any) -> dict[str, Any]:
    body = await app.gql(CREATE, {"input": {**BACKUP, **over}}, token)
    assert body["data"]["createScript"]["__typename"] == "ScriptSuccess", body
    script: dict[str, Any] = body["data"]["createScript"]["script"]
    return script


async def _seed(db: Sessionmaker, count: int) -> None:
    async with unit_of_work(db) as session:
        have = len((await service.list_scripts(session, 0, 10_000, None))[0])
        for i in range(have, count):
            data = service.ScriptInput(f"s{i:03}", "echo hi", f"seeded {i % 3}")
            await service.create(session, data)


class TestScriptCrud:
    async def test_create_read_update_delete(self, app: RunningApp, token: str) -> None:
        created = await _create(app, token, description="nightly")
        assert created["number"] == 1
        assert created["id"] == global_id(Script, 1)
        assert (created["name"], created["description"]) == ("Backup", "nightly")
        got = await app.gql(GET, {"id": created["id"]}, token)
        expected = {"id": created["id"], "number": 1, "name": "Backup"}
        assert got["data"]["script"] == expected
        node = await app.gql(NODE, {"id": created["id"]}, token)
        assert node["data"]["node"] == {"__typename": "Script", "name": "Backup"}
        body = await app.gql(
            UPDATE, {"id": created["id"], "input": {"description": "weekly"}}, token
        )
        assert body["data"]["updateScript"]["script"] == {
            "id": created["id"],
            "name": "Backup",
            "description": "weekly",
        }
        rest = await app.http.get(
            "/birun/api/scripts/1", headers={"Authorization": f"Bearer {token}"}
        )
        assert rest.json()["description"] == "weekly"
        body = await app.gql(DELETE, {"id": created["id"]}, token)
        assert body["data"]["deleteScript"] == {
            "__typename": "Deleted",
            "deletedId": created["id"],
        }
        assert (await app.gql(GET, {"id": created["id"]}, token))["data"] == {
            "script": None
        }

    async def test_invalid_input_is_a_payload_member(
        self, app: RunningApp, token: str
    ) -> None:
        body = await app.gql(CREATE, {"input": {"name": "x", "content": " "}}, token)
        assert body["data"]["createScript"] == {
            "__typename": "InvalidScriptInput",
            "code": "INVALID_SCRIPT_INPUT",
            "field": None,
            "message": "content must not be empty",
        }

    async def test_absent_or_other_type_ids_are_not_found_with_field(
        self, app: RunningApp, token: str
    ) -> None:
        await _create(app, token)
        for raw in (global_id(Script, 99), global_id(Device, 1), "not-an-id"):
            body = await app.gql(UPDATE, {"id": raw, "input": {"name": "y"}}, token)
            member = body["data"]["updateScript"]
            assert (member["__typename"], member["field"]) == ("ScriptNotFound", "id")
            body = await app.gql(DELETE, {"id": raw}, token)
            member = body["data"]["deleteScript"]
            assert (member["code"], member["field"]) == ("SCRIPT_NOT_FOUND", "id")


class TestScriptGetter:
    async def test_absent_malformed_and_other_type_are_null(
        self, app: RunningApp, token: str
    ) -> None:
        await _create(app, token)
        for raw in (global_id(Script, 2), "%%%", global_id(Device, 1), "1"):
            body = await app.gql(GET, {"id": raw}, token)
            assert body == {"data": {"script": None}}, raw

    async def test_viewer_reads_but_cannot_write(
        self, app: RunningApp, token: str, make_user: TokenFactory
    ) -> None:
        created = await _create(app, token)
        viewer = await make_user("script-viewer", roles=("viewer",))
        got = await app.gql(GET, {"id": created["id"]}, viewer)
        assert got["data"]["script"]["name"] == "Backup"
        body = await app.gql(DELETE, {"id": created["id"]}, viewer)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


class TestScriptList:
    async def test_walks_both_ways_in_every_order(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        await _seed(db, 11)
        ids = await walk(app, token, LIST, "scripts", 4)
        assert ids == [global_id(Script, n) for n in range(1, 12)]
        order = {"field": "NAME", "direction": "DESC"}
        names = await walk(app, token, LIST, "scripts", 3, {"orderBy": order})
        assert names == [global_id(Script, n) for n in range(11, 0, -1)]
        found = await walk(
            app, token, LIST, "scripts", 2, {"filter": {"search": "SEEDED 1"}}
        )
        assert found == [global_id(Script, n) for n in (2, 5, 8, 11)]
        order = {"field": "UPDATED_AT", "direction": "ASC"}
        assert len(await walk(app, token, LIST, "scripts", 5, {"orderBy": order})) == 11

    async def test_page_costs_constant_statements(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        async def grow(count: int) -> None:
            await _seed(db, count)

        await assert_constant_statements(app, token, LIST, "scripts", grow)


async def _group_id(db: Sessionmaker, name: str) -> int:
    async with db() as session:
        group = await session.scalar(select(Group).where(Group.name == name))
    assert group is not None
    return group.id


async def _events(ws: gqlws.Subscriber) -> list[dict[str, Any]]:
    got = []
    while (message := await asyncio.wait_for(ws.receive(), 20))["type"] != "complete":
        assert message["type"] == "next", message
        got.append(message["payload"]["data"]["executionEvents"])
    return got


class TestRunScript:
    async def test_runs_on_devices_and_a_group_as_rest_would(
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
        await real_device(servers[1], "db-1", group="dbs")
        await real_device(servers[2], "db-2", group="dbs")
        script = await _create(app, token)
        group = global_id(DeviceGroup, await _group_id(db, "dbs"))
        variables = {"id": script["id"], "devices": [global_id(Device, web.id)]}
        body = await app.gql(RUN, {**variables, "group": group, "timeout": 20}, token)
        execution = body["data"]["runScript"]["execution"]
        assert execution["kind"] == "script"
        assert (execution["status"], execution["hostsTotal"]) == ("pending", 3)
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
        assert sorted(h["host"] for h in hosts) == ["db-1", "db-2", "web-1"]
        assert {(h["exitCode"], h["stdout"]) for h in hosts} == {(0, "backing-up")}
        rest = await app.http.get(
            f"/birun/api/scripts/executions/{row.uuid}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (rest.json()["status"], rest.json()["script_id"]) == ("completed", 1)
        assert len(rest.json()["results"]) == 3

    async def test_bad_targets_are_payload_members_naming_the_field(
        self,
        app: RunningApp,
        db: Sessionmaker,
        token: str,
        servers: list[SSHServer],
        real_device: DeviceFactory,
    ) -> None:
        web = await real_device(servers[0], "web-1", group="webs")
        script = (await _create(app, token))["id"]
        device = global_id(Device, web.id)
        cases = [
            ({"devices": [script]}, "DeviceNotFound", "deviceIds"),
            ({"devices": [global_id(Device, 99)]}, "DeviceNotFound", "deviceIds"),
            ({"group": global_id(DeviceGroup, 99)}, "DeviceGroupNotFound", "groupId"),
            ({"group": device}, "DeviceGroupNotFound", "groupId"),
            ({"devices": []}, "InvalidScriptInput", None),
            ({"devices": [device], "timeout": 0}, "InvalidScriptInput", "timeout"),
        ]
        for variables, kind, field in cases:
            body = await app.gql(RUN, {"id": script, **variables}, token)
            member = body["data"]["runScript"]
            assert (member["__typename"], member["field"]) == (kind, field), body
        body = await app.gql(RUN, {"id": device, "devices": [device]}, token)
        member = body["data"]["runScript"]
        assert (member["code"], member["field"]) == ("SCRIPT_NOT_FOUND", "id")
        async with db() as session:
            page = await executions_service.list_page(
                session, executions_service.ExecutionFilter(), 0, 10
            )
        assert page.total == 0
