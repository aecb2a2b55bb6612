"""Stop and timeout end the remote command's processes on an OpenSSH host."""

from __future__ import annotations

import asyncio
from pathlib import Path

import dramatiq

from app.db import Sessionmaker
from app.devices.graphql.types import Device
from app.executions import engine, service
from app.graphql.nodes import global_id
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory
from tests.executions.conftest import DeviceFactory
from tests.sshd import openssh_server

BASE = "/birun/api"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _running(pattern: str) -> bool:
    """What `pgrep -f pattern` answers: a process's command line holds it."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if pattern in cmdline.read_bytes().replace(b"\0", b" ").decode():
                return True
        except OSError:
            continue
    return False


async def _until(pattern: str, present: bool, within: float) -> bool:
    """True once `pattern` is (or is no longer) running, within `within` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while _running(pattern) != present:
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def _execute(
    app: RunningApp, token: str, device_id: int, command: str, seconds: int
) -> str:
    script = await app.http.post(
        f"{BASE}/scripts/",
        json={"name": command, "content": f"#!/bin/sh\n{command}\necho never\n"},
        headers=_h(token),
    )
    response = await app.http.post(
        f"{BASE}/scripts/{script.json()['id']}/execute",
        json={"server_ids": [device_id], "timeout": seconds},
        headers=_h(token),
    )
    return str(response.json()["execution_id"])


class TestRemoteProcessEnds:
    async def test_stop_kills_the_running_script(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
        tmp_path: Path,
    ) -> None:
        token = await make_user()
        async with openssh_server(tmp_path / "sshd") as server:
            device = await real_device(server, "web-1")
            uuid = await _execute(app, token, device.id, "sleep 30.17", 60)
            run = asyncio.create_task(engine.run(db, uuid, settings))
            assert await _until("sleep 30.17", True, 10)
            stop = await app.http.post(
                f"{BASE}/scripts/executions/{uuid}/stop", headers=_h(token)
            )
            assert stop.json()["status"] == "cancelled"
            await asyncio.wait_for(run, 15)
            assert await _until("sleep 30.17", False, 3)
        async with db() as session:
            execution = await service.get(session, uuid)
        assert execution.status == "cancelled"

    async def test_timeout_kills_the_command_and_keeps_output(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
        tmp_path: Path,
    ) -> None:
        token = await make_user()
        async with openssh_server(tmp_path / "sshd") as server:
            device = await real_device(server, "web-1")
            uuid = await _execute(app, token, device.id, "echo e >&2; sleep 30.23", 2)
            await asyncio.wait_for(engine.run(db, uuid, settings), 20)
            assert await _until("sleep 30.23", False, 3)
        detail = (
            await app.http.get(f"{BASE}/scripts/executions/{uuid}", headers=_h(token))
        ).json()
        assert detail["status"] == "failed"
        [host] = detail["results"]
        assert host["error"] == "Timed out after 2 s"
        assert host["output"].splitlines()[0] == "e"  # the group report is not output

    async def test_cancel_kills_a_command_and_its_background_children(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
        tmp_path: Path,
    ) -> None:
        token = await make_user()
        run_command = """mutation($ids: [ID!]!, $cmd: String!) {
          runCommand(deviceIds: $ids, command: $cmd) {
            ... on RunCommandSuccess { execution { id uuid } } } }"""
        cancel = "mutation($id: ID!) { cancelExecution(id: $id) { __typename } }"
        async with openssh_server(tmp_path / "sshd") as server:
            device = await real_device(server, "web-1")
            command = "sleep 30.41 & sleep 30.43; wait"
            ids = [global_id(Device, device.id)]
            body = await app.gql(run_command, {"ids": ids, "cmd": command}, token)
            execution = body["data"]["runCommand"]["execution"]
            run = asyncio.create_task(engine.run(db, execution["uuid"], settings))
            assert await _until("sleep 30.41", True, 10)
            assert await _until("sleep 30.43", True, 10)
            await app.gql(cancel, {"id": execution["id"]}, token)
            await asyncio.wait_for(run, 15)
            assert await _until("sleep 30.41", False, 3)
            assert await _until("sleep 30.43", False, 3)
