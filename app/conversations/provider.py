"""Client of an OpenAI-compatible chat-completions API (the AI provider).

The API key is only ever put in the Authorization header: errors raised here
name the failure (status, timeout, exception type) and never carry the request,
its headers or the provider's response body, which some providers use to echo
the key back.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import httpx
from pydantic import SecretStr

from app.conversations.errors import AiProviderError, AiProviderTimeoutError
from app.settings import Settings

# One message as the chat-completions API takes it: role and content, plus
# `tool_calls` (assistant) or `tool_call_id` (tool).
ChatMessage: TypeAlias = dict[str, Any]


NO_TEXT = "AI 服務暫時不可用: the provider's answer has no text"
OnText: TypeAlias = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class ToolCall:
    """A function the model asked to call, as OpenAI's `tool_calls` entry."""

    id: str
    name: str
    arguments: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """The model's answer: text, tool calls, or both."""

    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)


@dataclass(frozen=True)
class Provider:
    """Where the AI provider is and how to call it."""

    base_url: str
    model: str
    api_key: SecretStr | None
    timeout: float
    max_tool_rounds: int = 4
    max_tool_bytes: int = 32_000

    def __repr__(self) -> str:
        return f"Provider(base_url={self.base_url!r}, model={self.model!r})"

    @property
    def endpoint(self) -> str:
        """The chat-completions URL below the base URL."""
        return self.base_url.rstrip("/") + "/chat/completions"


def from_settings(settings: Settings) -> Provider | None:
    """The configured provider, or None when base URL or model is unset."""
    if not settings.ai_base_url or not settings.ai_model:
        return None
    return Provider(
        settings.ai_base_url,
        settings.ai_model,
        settings.ai_api_key,
        settings.ai_timeout_seconds,
        settings.ai_max_tool_rounds,
        settings.ai_max_tool_bytes,
    )


def _headers(provider: Provider) -> dict[str, str]:
    if provider.api_key is None:
        return {}
    return {"Authorization": f"Bearer {provider.api_key.get_secret_value()}"}


def _body(
    provider: Provider, messages: list[ChatMessage], tools: list[dict[str, Any]] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": provider.model, "messages": messages}
    body["stream"] = True
    if tools:
        body["tools"] = tools
    return body


async def complete(
    provider: Provider,
    messages: list[ChatMessage],
    tools: list[dict[str, Any]] | None = None,
    on_text: OnText | None = None,
) -> Reply:
    """The reply to `messages` offered `tools`, streamed: text goes to `on_text`
    as it comes. Raise AiProvider(Timeout)Error."""
    body = _body(provider, messages, tools)
    failure: AiProviderError | AiProviderTimeoutError | None = None
    got = _Stream()
    try:
        # The base URL is operator configuration (a local model server on
        # loopback is legitimate), so the outbound policy for URLs users type
        # does not apply; environment proxies and redirects still do not.
        async with (
            httpx.AsyncClient(
                timeout=provider.timeout, trust_env=False, follow_redirects=False
            ) as client,
            client.stream(
                "POST", provider.endpoint, json=body, headers=_headers(provider)
            ) as response,
        ):
            got.status = response.status_code
            if got.status == httpx.codes.OK:
                await got.read(response, on_text)
    except httpx.TimeoutException:
        failure = AiProviderTimeoutError(
            f"AI 服務暫時不可用: the provider did not answer within "
            f"{provider.timeout:g} s"
        )
    except httpx.HTTPError as exc:
        failure = AiProviderError(
            f"AI 服務暫時不可用: cannot reach the provider ({type(exc).__name__})"
        )
    if failure is not None:
        # Raised outside the handler: no __context__ holding httpx's request,
        # whose headers carry the key.
        raise failure
    return got.reply()


@dataclass
class _Stream:
    """Server-sent chat-completion chunks, merged as they arrive."""

    status: int = 0
    text: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def read(self, response: httpx.Response, on_text: OnText | None) -> None:
        """Merge every chunk until `data: [DONE]`; a stream ending before it broke."""
        async for line in response.aiter_lines():
            data = line.removeprefix("data:").strip()
            if not line.startswith("data:") or not data:
                continue
            if data == "[DONE]":
                return
            for delta in _deltas(data):
                await self._merge(delta, on_text)
        raise AiProviderError("AI 服務暫時不可用: the provider's stream broke off")

    async def _merge(self, delta: dict[str, Any], on_text: OnText | None) -> None:
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.text.append(content)
            if on_text is not None:
                await on_text(content)
        for part in delta.get("tool_calls") or []:
            function = {"name": "", "arguments": ""}
            empty = {"id": "", "type": "function", "function": function}
            entry = self.calls.setdefault(int(part.get("index", 0)), empty)
            entry["id"] = part.get("id") or entry["id"]
            piece = part.get("function") or {}
            entry["function"]["name"] += piece.get("name") or ""
            entry["function"]["arguments"] += piece.get("arguments") or ""

    def reply(self) -> Reply:
        """The whole answer; AiProviderError on a refusal or an empty answer."""
        if self.status != httpx.codes.OK:
            raise AiProviderError(
                f"AI 服務暫時不可用: the provider answered HTTP {self.status}"
            )
        content = "".join(self.text)
        try:
            calls = [_tool_call(c) for _, c in sorted(self.calls.items())]
        except (ValueError, LookupError, TypeError):
            calls = []
        if not content.strip() and not calls:
            raise AiProviderError(NO_TEXT)
        return Reply(content if content.strip() else None, calls)


def _deltas(data: str) -> list[dict[str, Any]]:
    """The `delta`s of one chunk (none for a chunk without choices)."""
    try:
        choices = json.loads(data).get("choices") or []
        return [c.get("delta") or {} for c in choices]
    except (ValueError, AttributeError):
        raise AiProviderError(
            "AI 服務暫時不可用: the provider sent an unreadable chunk"
        ) from None


def _tool_call(raw: dict[str, Any]) -> ToolCall:
    """One `tool_calls` entry; its `arguments` are a JSON object in a string."""
    function = raw["function"]
    arguments = json.loads(function.get("arguments") or "{}")
    if not isinstance(arguments, dict):
        raise TypeError("tool arguments must be a JSON object")
    return ToolCall(str(raw["id"]), str(function["name"]), arguments, raw)
