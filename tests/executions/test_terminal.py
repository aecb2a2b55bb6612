"""The biRun web terminal over a real websocket, against a real SSH shell."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
import websockets

from tests.conftest import RunningApp, TokenFactory
from tests.executions.conftest import DeviceFactory
from tests.sshd import SSHServer, openssh_server


def _url(app: RunningApp, server_id: object, token: str | None) -> str:
    base = app.base_url.replace("http://", "ws://")
    query = f"?token={token}" if token else ""
    return f"{base}/ws/terminal/{server_id}{query}"


async def _read_until(ws: websockets.ClientConnection, needle: str) -> str:
    seen = ""
    while needle not in seen:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "output", message
        seen += message["data"]
    return seen


class TestTerminal:
    async def test_command_output_round_trip(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        servers: list[SSHServer],
        real_device: DeviceFactory,
    ) -> None:
        token = await make_user(roles=("operator",))
        device = await real_device(servers[0], "web-1")
        async with websockets.connect(_url(app, device.id, token)) as ws:
            await ws.send(json.dumps({"type": "command", "data": "echo $((6*7))-done"}))
            assert "42-done" in await _read_until(ws, "42-done")
            await ws.send(json.dumps({"type": "bogus", "data": "x"}))
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message == {"type": "error", "data": "Unknown message type: bogus"}

    async def test_openssh_shell_with_pty(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        tmp_path: Path,
        real_device: DeviceFactory,
    ) -> None:
        token = await make_user()
        async with openssh_server(tmp_path / "sshd") as server:
            device = await real_device(server, "real-1")
            async with websockets.connect(_url(app, device.id, token)) as ws:
                await ws.send(json.dumps({"type": "command", "data": "tty; echo T-$?"}))
                seen = await _read_until(ws, "T-0")
        assert "/dev/pts/" in seen

    @pytest.mark.parametrize(
        ("roles", "with_token", "code"),
        [(("viewer",), True, 4403), (("admin",), False, 4401)],
    )
    async def test_refused_without_permission_or_token(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        roles: tuple[str, ...],
        with_token: bool,
        code: int,
    ) -> None:
        token = await make_user(roles=roles)
        url = _url(app, 1, token if with_token else None)
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == code

    async def test_unknown_server_is_an_error_message(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with websockets.connect(_url(app, 999, token)) as ws:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message == {"type": "error", "data": "Device 999 not found"}


class TestClientClose:
    async def test_a_normal_close_logs_no_error(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        token = await make_user()
        device = await real_device(servers[0], "web-1")
        server_log = logging.getLogger("uvicorn.error")  # does not propagate
        server_log.addHandler(caplog.handler)
        try:
            async with websockets.connect(_url(app, device.id, token)) as ws:
                await ws.send(json.dumps({"type": "command", "data": "echo up"}))
                await _read_until(ws, "up")
            async with websockets.connect(_url(app, device.id, token)):
                pass  # closed before the shell said anything
            await asyncio.sleep(1)  # the server side notices the closes
        finally:
            server_log.removeHandler(caplog.handler)
        errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in errors] == []
