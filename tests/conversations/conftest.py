"""An app wired to the local OpenAI-compatible server, and callers of each role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.conversations.llm_server import LLMServer, llm_server

API_KEY = "sk-test-ai-key-7f3a9c1e5b"
MODEL = "hub-test-model"


@pytest.fixture
async def llm() -> AsyncIterator[LLMServer]:
    async with llm_server() as running:
        yield running


@pytest.fixture
async def ai_app(
    db: Sessionmaker, pg_url: str, llm: LLMServer
) -> AsyncIterator[RunningApp]:
    """The API with the local server as its AI provider (1 s timeout)."""
    settings = pg_settings(
        pg_url,
        ai_base_url=llm.base_url,
        ai_api_key=API_KEY,
        ai_model=MODEL,
        ai_timeout_seconds=1.0,
    )
    async with serve(settings) as running:
        yield running


@pytest.fixture
async def operator(make_user: TokenFactory) -> dict[str, str]:
    token = await make_user("op-one", roles=("operator",))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def other_operator(make_user: TokenFactory) -> dict[str, str]:
    token = await make_user("op-two", roles=("operator",))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def viewer(make_user: TokenFactory) -> dict[str, str]:
    token = await make_user("viewer-one", roles=("viewer",))
    return {"Authorization": f"Bearer {token}"}
