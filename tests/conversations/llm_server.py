"""A local OpenAI-compatible chat-completions server for tests.

No real LLM can run in tests, so the provider client talks to this server on
127.0.0.1: it records every request it receives (body and headers) and answers
as told (a reply text, an error status, or nothing until the client gives up).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import free_port


@dataclass
class LLMServer:
    """What the server answers next, and the requests it has seen."""

    base_url: str = ""
    reply: str = "Use the nginx role."
    status: int = 200
    error_body: str = ""
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def completions(self, request: Request) -> JSONResponse:
        self.requests.append(
            {"body": await request.json(), "headers": dict(request.headers)}
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return JSONResponse({"error": {"message": self.error_body}}, self.status)
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "model": self.requests[-1]["body"].get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.reply},
                        "finish_reason": "stop",
                    }
                ],
            }
        )


@asynccontextmanager
async def llm_server() -> AsyncIterator[LLMServer]:
    """Run an LLMServer under uvicorn on a free loopback port."""
    state = LLMServer()
    app = Starlette(
        routes=[Route("/v1/chat/completions", state.completions, methods=["POST"])]
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    state.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield state
    finally:
        server.should_exit = True
        server.force_exit = True
        await task
