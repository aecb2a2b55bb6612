"""A GitHub-REST-compatible git server on loopback, standing in for github.com.

It keeps branches, files and pull requests in memory and answers the calls the
`create_pr` step makes, so the step is tested over real HTTP without the SaaS.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import free_port


@dataclass
class GitState:
    """One repository: branch -> {path: content}, and the pull requests."""

    repo: str
    branches: dict[str, dict[str, str]] = field(default_factory=dict)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    url: str = ""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _app(state: GitState) -> Starlette:
    async def check(request: Request) -> Response | None:
        state.auth.append(request.headers.get("authorization"))
        owner, name = request.path_params["owner"], request.path_params["name"]
        if f"{owner}/{name}" != state.repo:
            return JSONResponse({"message": "Not Found"}, 404)
        return None

    async def get_ref(request: Request) -> Response:
        if (bad := await check(request)) is not None:
            return bad
        branch = request.path_params["branch"]
        if branch not in state.branches:
            return JSONResponse({"message": "Not Found"}, 404)
        return JSONResponse({"object": {"sha": _sha(branch)}})

    async def create_ref(request: Request) -> Response:
        if (bad := await check(request)) is not None:
            return bad
        body = await request.json()
        name = body["ref"].removeprefix("refs/heads/")
        if name in state.branches:
            return JSONResponse({"message": "Reference already exists"}, 422)
        base = next(b for b in state.branches if _sha(b) == body["sha"])
        state.branches[name] = dict(state.branches[base])
        return JSONResponse({"ref": body["ref"]}, 201)

    async def contents(request: Request) -> Response:
        if (bad := await check(request)) is not None:
            return bad
        path = request.path_params["path"]
        if request.method == "GET":
            files = state.branches[request.query_params["ref"]]
            if path not in files:
                return JSONResponse({"message": "Not Found"}, 404)
            return JSONResponse({"sha": _sha(files[path])})
        body = await request.json()
        files = state.branches[body["branch"]]
        if request.method == "DELETE":
            files.pop(path)
            return JSONResponse({"commit": {}})
        existed = path in files
        if existed and body.get("sha") != _sha(files[path]):
            return JSONResponse({"message": "sha mismatch"}, 409)
        files[path] = base64.b64decode(body["content"]).decode()
        return JSONResponse({"content": {"path": path}}, 200 if existed else 201)

    async def pulls(request: Request) -> Response:
        if (bad := await check(request)) is not None:
            return bad
        body = await request.json()
        number = len(state.pulls) + 1
        pr = {**body, "number": number, "html_url": f"{state.url}/pull/{number}"}
        state.pulls.append(pr)
        return JSONResponse(pr, 201)

    repo = "/repos/{owner}/{name}"
    return Starlette(
        routes=[
            Route(repo + "/git/ref/heads/{branch:path}", get_ref),
            Route(repo + "/git/refs", create_ref, methods=["POST"]),
            Route(
                repo + "/contents/{path:path}",
                contents,
                methods=["GET", "PUT", "DELETE"],
            ),
            Route(repo + "/pulls", pulls, methods=["POST"]),
        ]
    )


@asynccontextmanager
async def git_server(state: GitState) -> AsyncIterator[GitState]:
    """Serve `state` on 127.0.0.1; `state.url` is the API base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app(state), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    state.url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A TCP server on loopback that accepts and never answers (for timeouts)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"
        for writer in held:
            writer.close()
