"""A local OpenAI-compatible chat-completions server for tests.

No real LLM can run in tests, so the provider client talks to this server on
127.0.0.1: it records every request it receives (body and headers) and answers
as told (a reply text, an error status, or nothing until the client gives up).

It follows OpenAI's documented chat-completions wire format, which vLLM,
Ollama and llama.cpp servers share: a request may carry `tools` (function
definitions); an answer's `choices[0].message` holds either `content` with
`finish_reason: "stop"`, or `tool_calls` (`id`, `type: "function"`,
`function.name`, `function.arguments` as a JSON string) with `finish_reason:
"tool_calls"`; the client then sends `role: "tool"` messages carrying the
matching `tool_call_id`. Answers are streamed as OpenAI streams them
(`stream: true`, which the client always sends): server-sent events, each
`data: {"object": "chat.completion.chunk", "choices": [{"delta": ...}]}`, text
in `delta.content` pieces, tool calls in `delta.tool_calls` fragments merged by
`index` (arguments split across chunks), then `data: [DONE]`; `break_after`
ends a stream early, as a provider breaking mid-answer does. A test scripts
the model with `model`: a function of the request's messages and tools that
returns the next assistant message (`say(text)` or `call_tool(name, args)`).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.conftest import free_port

Message = dict[str, Any]
Model = Callable[[list[Message], list[dict[str, Any]]], Message]


def say(text: str) -> Message:
    """An assistant message answering with `text`."""
    return {"role": "assistant", "content": text}


def call_tool(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> Message:
    """An assistant message asking to call function `name` with `arguments`."""
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": function}],
    }


@dataclass
class LLMServer:
    """What the server answers next, and the requests it has seen."""

    base_url: str = ""
    reply: str = "Use the nginx role."
    status: int = 200
    error_body: str = ""
    delay: float = 0.0
    model: Model | None = None
    pace: float = 0.0  # seconds between content chunks
    break_after: int | None = None  # content chunks sent before breaking off
    requests: list[dict[str, Any]] = field(default_factory=list)

    def _message(self, body: dict[str, Any]) -> Message:
        if self.model is None:
            return say(self.reply)
        return self.model(body["messages"], body.get("tools", []))

    async def completions(self, request: Request) -> Response:
        self.requests.append(
            {"body": await request.json(), "headers": dict(request.headers)}
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return JSONResponse({"error": {"message": self.error_body}}, self.status)
        body = self.requests[-1]["body"]
        if not body.get("stream"):
            return JSONResponse({"error": {"message": "stream: true only"}}, 400)
        return StreamingResponse(
            self._chunks(self._message(body)), media_type="text/event-stream"
        )

    async def _chunks(self, message: Message) -> AsyncIterator[str]:
        """The message as `chat.completion.chunk` events, then `[DONE]`."""
        yield _event({"role": "assistant"})
        pieces = re.findall(r"\S+\s*", message.get("content") or "")
        for sent, piece in enumerate(pieces):
            if sent == self.break_after:
                return  # the connection ends with no finish_reason and no [DONE]
            await asyncio.sleep(self.pace)
            yield _event({"content": piece})
        for index, call in enumerate(message.get("tool_calls") or []):
            arguments = call["function"]["arguments"]
            half = len(arguments) // 2
            head = {"name": call["function"]["name"], "arguments": arguments[:half]}
            first = {"index": index, "id": call["id"], "type": "function"}
            yield _event({"tool_calls": [{**first, "function": head}]})
            rest = {"index": index, "function": {"arguments": arguments[half:]}}
            yield _event({"tool_calls": [rest]})
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        yield _event({}, finish)
        yield "data: [DONE]\n\n"


def _event(delta: dict[str, Any], finish: str | None = None) -> str:
    chunk = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


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
