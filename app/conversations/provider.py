"""Client of an OpenAI-compatible chat-completions API (the AI provider).

The API key is only ever put in the Authorization header: errors raised here
name the failure (status, timeout, exception type) and never carry the request,
its headers or the provider's response body, which some providers use to echo
the key back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

import httpx
from pydantic import SecretStr

from app.conversations.errors import AiProviderError, AiProviderTimeoutError
from app.settings import Settings


class ChatMessage(TypedDict):
    """One message as the chat-completions API takes it."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Provider:
    """Where the AI provider is and how to call it."""

    base_url: str
    model: str
    api_key: SecretStr | None
    timeout: float

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
    )


def _headers(provider: Provider) -> dict[str, str]:
    if provider.api_key is None:
        return {}
    return {"Authorization": f"Bearer {provider.api_key.get_secret_value()}"}


async def complete(provider: Provider, messages: list[ChatMessage]) -> str:
    """The assistant's reply to `messages`; raise AiProvider(Timeout)Error."""
    body = {"model": provider.model, "messages": messages}
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


def _reply(response: httpx.Response) -> str:
    if response.status_code != httpx.codes.OK:
        raise AiProviderError(
            f"AI 服務暫時不可用: the provider answered HTTP {response.status_code}"
        )
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, LookupError, TypeError):
        content = None
    if not isinstance(content, str) or not content.strip():
        raise AiProviderError("AI 服務暫時不可用: the provider's answer has no text")
    return content
