"""biRun web terminal: `ws /ws/terminal/{server_id}?token=` proxies an SSH shell.

Messages in: `{"type": "command", "data": "ls -la"}` (a line, Enter appended) or
`{"type": "input", "data": "..."}` (raw keys). Messages out:
`{"type": "output", "data": "..."}` and `{"type": "error", "data": "..."}`.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect

from app import inputs
from app.auth import checked_permission
from app.errors import DomainError, NotFoundError, UnauthenticatedError, found_or_raise
from app.executions import terminal
from app.users import service as users_service

PERMISSION = checked_permission("executions.terminal.execute")
UNAUTHENTICATED, FORBIDDEN = 4401, 4403


async def terminal_endpoint(websocket: WebSocket) -> None:
    """Authenticate by query token, then proxy the device's shell both ways."""
    await websocket.accept()
    code = await _refusal(websocket)
    if code is not None:
        await websocket.close(code)
        return
    raw_id = str(websocket.path_params["server_id"])
    try:
        server_id = found_or_raise(
            inputs.parse_id(raw_id), NotFoundError(f"Device '{raw_id[:64]}' not found")
        )
        async with terminal.shell(websocket.state.sessionmaker, server_id) as sh:
            await _proxy(websocket, sh)
    except DomainError as exc:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.send_json(_error(exc.message))
    # the client may have closed first: a normal end, not an error
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close()


async def _refusal(websocket: WebSocket) -> int | None:
    token = websocket.query_params.get("token")
    settings = websocket.app.state.settings
    try:
        if not token:
            raise UnauthenticatedError("Authentication required")
        principal = await users_service.principal_from_token(
            websocket.state.sessionmaker, settings.signing_key, token
        )
    except UnauthenticatedError:
        return UNAUTHENTICATED
    return None if principal.can(PERMISSION) else FORBIDDEN


async def _proxy(websocket: WebSocket, sh: terminal.Shell) -> None:
    async def upstream() -> None:
        while True:
            message = await websocket.receive_json()
            kind, data = message.get("type"), message.get("data")
            if not isinstance(data, str):
                await websocket.send_json(_error("data must be text"))
            elif kind == "command":
                sh.send(data + "\n")
            elif kind == "input":
                sh.send(data)
            else:
                await websocket.send_json(_error(f"Unknown message type: {kind}"))

    async def downstream() -> None:
        async for chunk in sh.output():
            await websocket.send_json({"type": "output", "data": chunk})

    tasks = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, DomainError):
            raise result


def _error(text: str) -> dict[str, str]:
    return {"type": "error", "data": text}
