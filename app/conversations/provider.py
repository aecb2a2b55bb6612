"""Client of an OpenAI-compatible chat-completions API (the AI provider).

The API key is only ever put in the Authorization header: errors raised here
name the failure (status, timeout, exception type) and never carry the request,
its headers or the provider's response body, which some providers use to echo
the key back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import httpx
from pydantic import SecretStr

from app.conversations.errors import AiProviderError, AiProviderTimeoutError
from app.settings import Settings

# One message as the chat-completions API takes it: role and content, plus
# `tool_calls` (assistant) or `tool_call_id` (tool).
ChatMessage: TypeAlias = dict[str, Any]


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


async def complete(
    provider: Provider,
    messages: list[ChatMessage],
    tools: list[dict[str, Any]] | None = None,
) -> Reply:
    """The reply to `messages`, offered `tools`; raise AiProvider(Timeout)Error."""
    body: dict[str, Any] = {"model": provider.model, "messages": messages}
    if tools:
        body["tools"] = tools
    failure: AiProviderError | AiProviderTimeoutError | None = None
    try:
        # The base URL is operator configuration (a local model server on
        # loopback is legitimate), so the outbound policy for URLs users type
        # does not apply; environment proxies and redirects still do not.
        async with httpx.AsyncClient(
            timeout=provider.timeout, trust_env=False, follow_redirects=False
        ) as client:
            response = await client.post(
                provider.endpoint, json=body, headers=_headers(provider)
            )
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
    return _reply(response)


def _reply(response: httpx.Response) -> Reply:
    if response.status_code != httpx.codes.OK:
        raise AiProviderError(
            f"AI 服務暫時不可用: the provider answered HTTP {response.status_code}"
        )
    try:
        message = response.json()["choices"][0]["message"]
        content = message.get("content")
        calls = [_tool_call(c) for c in message.get("tool_calls") or []]
    except (ValueError, LookupError, TypeError, AttributeError):
        content, calls = None, []
    has_text = isinstance(content, str) and bool(content.strip())
    if not has_text and not calls:
        raise AiProviderError("AI 服務暫時不可用: the provider's answer has no text")
    return Reply(content if has_text else None, calls)


def _tool_call(raw: dict[str, Any]) -> ToolCall:
    """One `tool_calls` entry; its `arguments` are a JSON object in a string."""
    function = raw["function"]
    arguments = json.loads(function.get("arguments") or "{}")
    if not isinstance(arguments, dict):
        raise TypeError("tool arguments must be a JSON object")
    return ToolCall(str(raw["id"]), str(function["name"]), arguments, raw)
