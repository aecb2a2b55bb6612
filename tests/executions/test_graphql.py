"""GraphQL over HTTP and over a real websocket (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import dramatiq

from app.db import Sessionmaker
from app.devices.graphql.types import Device, DeviceGroup
from app.executions import engine
from app.executions.graphql.types import Execution
from app.graphql.nodes import global_id
from app.settings import Settings
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.executions.conftest import DeviceFactory, Inventory, submit_command
from tests.sshd import SSHServer


def gid(uuid: str) -> str:
    """The global id of the execution with this uuid."""
    return global_id(Execution, uuid)


EVENTS = """subscription($id: ID!, $after: Int!) {
  executionEvents(executionId: $id, afterSeq: $after) { seq type data payload }
}"""
PROGRESS = """subscription($id: ID!) {
  executionProgress(executionId: $id) { status hostsDone hostsTotal percent }
}"""
COUNT = "seq 1 3000"


async def _collect(ws: gqlws.Subscriber, stop_after: int | None = None) -> list[Any]:
    got = []
    while True:
        message = await asyncio.wait_for(ws.receive(), 20)
        if message["type"] == "complete":
            return got
        assert message["type"] == "next", message
        event = message["payload"]["data"]["executionEvents"]
        got.append(event)
        if stop_after is not None and event["seq"] >= stop_after:
            return got


def _stdout(events: list[Any]) -> list[str]:
    return [
        line
        for e in events
        if e["type"] == "output" and e["data"]["stream"] == "stdout"
        for line in e["data"]["lines"]
    ]


class TestExecutionEvents:
    async def test_replay_then_live_over_graphql_transport_ws(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("viewer",))
        uuid = await submit_command(db, inventory, [1, 2], COUNT)
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": gid(uuid), "after": 0})
            run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
            got = await _collect(ws)
            await run
        assert [e["seq"] for e in got] == list(range(1, len(got) + 1))
        assert got[0]["data"]["status"] == "pending"
        assert got[-1]["data"] == {
            "status": "completed",
            "error_message": None,
            "final": True,
        }
        assert sorted(_stdout(got), key=int) == sorted(
            [str(i) for i in range(1, 3001)] * 2, key=int
        )
        assert f'"seq":{got[1]["seq"]}' in got[1]["payload"]

    async def test_reconnect_with_after_seq_loses_nothing(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        uuid = await submit_command(
            db, inventory, [1], "for i in $(seq 1 40); do echo $i; sleep 0.02; done"
        )
        run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": gid(uuid), "after": 0})
            first = await _collect(ws, stop_after=4)
        await asyncio.sleep(0.3)  # events keep coming while disconnected
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": gid(uuid), "after": first[-1]["seq"]})
            second = await _collect(ws)
        await run
        seqs = [e["seq"] for e in first + second]
        assert seqs == list(range(1, len(seqs) + 1))
        assert _stdout(first + second) == [str(i) for i in range(1, 41)]

    async def test_unknown_execution_is_an_error(
        self,
        app: RunningApp,
        make_user: TokenFactory,
    ) -> None:
        token = await make_user()
        for raw in ("nope", global_id(Device, 1), gid(str(uuid4()))):
            async with gqlws.connect(app.ws_url, token) as ws:
                await ws.subscribe(EVENTS, {"id": raw, "after": 0})
                message = await ws.receive()
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["message"] == "Execution not found"


class TestExecutionProgress:
    async def test_progress_reaches_all_hosts(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        uuid = await submit_command(db, inventory, [1, 2, 3], "sleep 0.2; echo x")
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(PROGRESS, {"id": gid(uuid)})
            first = (await ws.next_data())["executionProgress"]
            run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
            seen = [first]
            while seen[-1]["status"] != "completed":
                seen.append((await ws.next_data())["executionProgress"])
            await run
        assert first == {
            "status": "pending",
            "hostsDone": 0,
            "hostsTotal": 3,
            "percent": 0.0,
        }
        assert seen[-1] == {
            "status": "completed",
            "hostsDone": 3,
            "hostsTotal": 3,
            "percent": 100.0,
        }
        done = [p["hostsDone"] for p in seen]
        assert done == sorted(done)


class TestQueriesAndMutations:
    async def test_execution_query_and_cancel(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        uuid = await submit_command(db, inventory, [1, 2], "echo hi")
        query = """query($id: ID!) { execution(id: $id) {
            id uuid kind status hostsTotal hosts { host status } } }"""
        body = await app.gql(query, {"id": gid(uuid)}, token)
        assert body["data"]["execution"] == {
            "id": gid(uuid),
            "uuid": uuid,
            "kind": "command",
            "status": "pending",
            "hostsTotal": 2,
            "hosts": [
                {"host": "host-1", "status": "pending"},
                {"host": "host-2", "status": "pending"},
            ],
        }
        cancel = """mutation($id: ID!) { cancelExecution(id: $id) {
            __typename ... on CancelExecutionSuccess { execution { status } }
            ... on Error { message } } }"""
        body = await app.gql(cancel, {"id": gid(uuid)}, token)
        assert body["data"]["cancelExecution"] == {
            "__typename": "CancelExecutionSuccess",
            "execution": {"status": "cancelled"},
        }
        body = await app.gql(cancel, {"id": gid(uuid)}, token)
        assert body["data"]["cancelExecution"] == {
            "__typename": "ExecutionAlreadyFinished",
            "message": "Execution is already cancelled",
        }

    async def test_executions_filter_and_viewer_cannot_cancel(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("viewer",))
        first = await submit_command(db, inventory, [1], "true")
        await submit_command(db, inventory, [2], "true", kind="script")
        query = """query($device: ID!) {
            executions(filter: {kind: "command", deviceId: $device}) {
            totalCount edges { node { id deviceIds } } } }"""
        device = global_id(Device, 1)
        body = await app.gql(query, {"device": device}, token)
        assert body["data"]["executions"] == {
            "totalCount": 1,
            "edges": [{"node": {"id": gid(first), "deviceIds": [device]}}],
        }
        cancel = "mutation($id: ID!) { cancelExecution(id: $id) { __typename } }"
        body = await app.gql(cancel, {"id": gid(first)}, token)
        assert body["errors"][0]["message"] == (
            "Permission 'executions.execution.cancel' required"
        )

    async def test_getter_is_null_for_absent_malformed_or_other_type(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("viewer",))
        query = "query($id: ID!) { execution(id: $id) { id } }"
        for raw in (gid(str(uuid4())), gid("not-a-uuid"), "x", global_id(Device, 1)):
            body = await app.gql(query, {"id": raw}, token)
            assert body == {"data": {"execution": None}}, raw

    async def test_cancel_with_another_types_id_is_not_found(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        cancel = """mutation($id: ID!) { cancelExecution(id: $id) {
            __typename ... on Error { code field } } }"""
        body = await app.gql(cancel, {"id": global_id(Device, 1)}, token)
        assert body["data"]["cancelExecution"] == {
            "__typename": "ExecutionNotFound",
            "code": "EXECUTION_NOT_FOUND",
            "field": "id",
        }


LIST = (
    """query($first: Int, $after: String, $last: Int, $before: String,
         $order: ExecutionOrder) {
  executions(first: $first, after: $after, last: $last, before: $before,
             orderBy: $order) {
    edges { cursor node { id hosts { host deviceId } } } """
    + PAGE
    + " } }"
)


class TestExecutionsConnection:
    async def test_pages_agree_both_ways_in_every_order(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made = [await submit_command(db, inventory, [1, 2], "true") for _ in range(7)]
        newest_first = await walk(app, token, LIST, "executions", 3)
        assert newest_first == [gid(u) for u in reversed(made)]
        for field in ("CREATED_AT", "STARTED_AT", "COMPLETED_AT"):
            order = {"order": {"field": field, "direction": "ASC"}}
            ids = await walk(app, token, LIST, "executions", 2, order)
            assert sorted(ids) == sorted(newest_first)

    async def test_statements_do_not_grow_with_the_page(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made: list[str] = []

        async def grow(n: int) -> None:
            while len(made) < n:
                made.append(await submit_command(db, inventory, [1, 2, 3], "true"))

        # Nested host lists multiply the query's cost: pages of 50 stay in budget.
        await assert_constant_statements(
            app, token, LIST, "executions", grow, variables={"first": 50}
        )


RUN = """mutation($ids: [ID!]!, $cmd: String!) {
  runCommand(deviceIds: $ids, command: $cmd, timeout: 20) {
    __typename
    ... on RunCommandSuccess {
      execution { id uuid status hostsTotal hosts { host } }
    }
    ... on Error { message code field }
  }
}"""


class TestRunCommand:
    async def test_run_on_stored_devices_then_worker_runs_it(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("operator",))
        one = await real_device(servers[0], "web-1")
        two = await real_device(servers[1], "web-2")
        ids = [global_id(Device, one.id), global_id(Device, two.id)]
        body = await app.gql(
            RUN, {"ids": ids, "cmd": "hostname >/dev/null; echo ok"}, token
        )
        execution = body["data"]["runCommand"]["execution"]
        assert execution["status"] == "pending"
        assert execution["hosts"] == [{"host": "web-1"}, {"host": "web-2"}]
        await engine.run(db, execution["uuid"], settings)
        query = """query($id: ID!) {
            execution(id: $id) { status hosts { stdout exitCode } } }"""
        got = await app.gql(query, {"id": execution["id"]}, token)
        assert got["data"]["execution"] == {
            "status": "completed",
            "hosts": [{"stdout": "ok", "exitCode": 0}] * 2,
        }

    async def test_unknown_device_and_empty_command(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("operator",))
        missing = global_id(Device, 404)
        body = await app.gql(RUN, {"ids": [missing], "cmd": "true"}, token)
        assert body["data"]["runCommand"] == {
            "__typename": "DeviceNotFound",
            "message": "Device 404 not found",
            "code": "DEVICE_NOT_FOUND",
            "field": "deviceIds",
        }
        other = global_id(DeviceGroup, 1)
        body = await app.gql(RUN, {"ids": [other], "cmd": "true"}, token)
        assert body["data"]["runCommand"] == {
            "__typename": "DeviceNotFound",
            "message": f"No Device with id '{other}'",
            "code": "DEVICE_NOT_FOUND",
            "field": "deviceIds",
        }
        body = await app.gql(RUN, {"ids": [global_id(Device, 1)], "cmd": "  "}, token)
        assert body["data"]["runCommand"] == {
            "__typename": "InvalidExecution",
            "message": "command must not be empty",
            "code": "INVALID_EXECUTION",
            "field": None,
        }
