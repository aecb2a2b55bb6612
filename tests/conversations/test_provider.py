"""The provider client against a local OpenAI-compatible server on 127.0.0.1.

The server is started by the test (`llm_server.py`); no real LLM is called.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from app.conversations import provider
from app.conversations.errors import AiProviderError, AiProviderTimeoutError
from app.settings import Settings
from tests.conftest import free_port
from tests.conversations.conftest import API_KEY, MODEL
from tests.conversations.llm_server import LLMServer

QUESTION: list[provider.ChatMessage] = [{"role": "user", "content": "hi"}]


def configured(base_url: str, timeout: float = 1.0) -> provider.Provider:
    return provider.Provider(base_url, MODEL, SecretStr(API_KEY), timeout)


def assert_key_hidden(exc: BaseException) -> None:
    assert exc.__cause__ is None
    assert exc.__context__ is None
    for text in (str(exc), repr(exc), repr(exc.args), str(vars(exc))):
        assert API_KEY not in text


class TestFromSettings:
    def test_unconfigured(self) -> None:
        assert provider.from_settings(Settings(_env_file=None)) is None
        only_url = Settings(_env_file=None, ai_base_url="http://127.0.0.1:1/v1")
        assert provider.from_settings(only_url) is None

    def test_configured_hides_the_key(self) -> None:
        settings = Settings(
            _env_file=None,
            ai_base_url="http://127.0.0.1:1/v1/",
            ai_model=MODEL,
            ai_api_key=API_KEY,
        )
        found = provider.from_settings(settings)
        assert found is not None
        assert found.endpoint == "http://127.0.0.1:1/v1/chat/completions"
        assert API_KEY not in repr(found)
        assert API_KEY not in str(settings)

    @pytest.mark.parametrize("url", ["file:///etc/passwd", "http://", "localhost"])
    def test_bad_url_refused_at_start(self, url: str) -> None:
        with pytest.raises(ValidationError, match="http"):
            Settings(_env_file=None, ai_base_url=url, ai_model="m")


class TestComplete:
    async def test_reply(self, llm: LLMServer) -> None:
        llm.reply = "hello back"
        reply = await provider.complete(configured(llm.base_url), QUESTION)
        assert reply == provider.Reply("hello back")
        [sent] = llm.requests
        assert sent["body"] == {"model": MODEL, "messages": QUESTION, "stream": True}
        assert sent["headers"]["authorization"] == f"Bearer {API_KEY}"

    async def test_no_key_no_header(self, llm: LLMServer) -> None:
        keyless = provider.Provider(llm.base_url, MODEL, None, 1.0)
        await provider.complete(keyless, QUESTION)
        assert "authorization" not in llm.requests[0]["headers"]

    async def test_error_status_echoing_the_key(self, llm: LLMServer) -> None:
        llm.status, llm.error_body = 401, f"Incorrect API key provided: {API_KEY}"
        with pytest.raises(AiProviderError, match="HTTP 401") as caught:
            await provider.complete(configured(llm.base_url), QUESTION)
        assert_key_hidden(caught.value)

    async def test_timeout(self, llm: LLMServer) -> None:
        llm.delay = 2.0
        with pytest.raises(AiProviderTimeoutError) as caught:
            await provider.complete(configured(llm.base_url, 0.2), QUESTION)
        assert_key_hidden(caught.value)

    async def test_unreachable(self) -> None:
        url = f"http://127.0.0.1:{free_port()}/v1"
        with pytest.raises(AiProviderError, match="ConnectError") as caught:
            await provider.complete(configured(url), QUESTION)
        assert_key_hidden(caught.value)

    async def test_answer_without_text(self, llm: LLMServer) -> None:
        llm.reply = ""
        with pytest.raises(AiProviderError, match="no text"):
            await provider.complete(configured(llm.base_url), QUESTION)
