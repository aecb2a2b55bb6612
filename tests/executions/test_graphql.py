"""GraphQL over HTTP and over a real websocket (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from app.db import Sessionmaker
from app.executions import engine
from app.settings import Settings
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory
from tests.executions.conftest import DeviceFactory, Inventory, submit_command
from tests.sshd import SSHServer

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
            await ws.subscribe(EVENTS, {"id": uuid, "after": 0})
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
            await ws.subscribe(EVENTS, {"id": uuid, "after": 0})
            first = await _collect(ws, stop_after=4)
        await asyncio.sleep(0.3)  # events keep coming while disconnected
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": uuid, "after": first[-1]["seq"]})
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
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": "nope", "after": 0})
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
            await ws.subscribe(PROGRESS, {"id": uuid})
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
            id kind status hostsTotal hosts { host status } } }"""
        body = await app.gql(query, {"id": uuid}, token)
        assert body["data"]["execution"] == {
            "id": uuid,
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
        body = await app.gql(cancel, {"id": uuid}, token)
        assert body["data"]["cancelExecution"] == {
            "__typename": "CancelExecutionSuccess",
            "execution": {"status": "cancelled"},
        }
        body = await app.gql(cancel, {"id": uuid}, token)
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
        query = """{ executions(filter: {kind: "command", deviceId: 1}) {
            total items { id } } }"""
        body = await app.gql(query, token=token)
        assert body["data"]["executions"] == {"total": 1, "items": [{"id": first}]}
        cancel = "mutation($id: ID!) { cancelExecution(id: $id) { __typename } }"
        body = await app.gql(cancel, {"id": first}, token)
        assert body["errors"][0]["message"] == (
            "Permission 'executions.execution.cancel' required"
        )


RUN = """mutation($ids: [Int!]!, $cmd: String!) {
  runCommand(deviceIds: $ids, command: $cmd, timeout: 20) {
    __typename
    ... on RunCommandSuccess { execution { id status hostsTotal hosts { host } } }
    ... on DeviceNotFound { message deviceId }
    ... on InvalidExecution { message }
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
        body = await app.gql(
            RUN, {"ids": [one.id, two.id], "cmd": "hostname >/dev/null; echo ok"}, token
        )
        execution = body["data"]["runCommand"]["execution"]
        assert execution["status"] == "pending"
        assert execution["hosts"] == [{"host": "web-1"}, {"host": "web-2"}]
        await engine.run(db, execution["id"], settings)
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
        body = await app.gql(RUN, {"ids": [404], "cmd": "true"}, token)
        assert body["data"]["runCommand"] == {
            "__typename": "DeviceNotFound",
            "message": "Device 404 not found",
            "deviceId": "404",
        }
        body = await app.gql(RUN, {"ids": [1], "cmd": "  "}, token)
        assert body["data"]["runCommand"] == {
            "__typename": "InvalidExecution",
            "message": "command must not be empty",
        }
