"""Query-string tokens never reach uvicorn's access and error logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
import websockets

from app.logs.redaction import QuerySecretFilter
from tests.conftest import RunningApp, TokenFactory


class Collector(logging.Handler):
    """Every message logged to the loggers it is attached to, formatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def uvicorn_lines() -> Iterator[list[str]]:
    collector = Collector()
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO)
        logger.addHandler(collector)
    yield collector.lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(collector)
        logger.setLevel(level)


class TestAccessLog:
    async def test_query_tokens_are_redacted(
        self, app: RunningApp, make_user: TokenFactory, uvicorn_lines: list[str]
    ) -> None:
        token = await make_user(roles=("viewer",))
        url = app.base_url.replace("http://", "ws://") + f"/ws/terminal/1?token={token}"
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
        query = (
            f"access_token={token}&refresh_token=r-canary-1&password=p-canary-2"
            "&client_secret=s-canary-3&api_key=k-canary-4&page=2"
        )
        await app.http.get(f"/healthz?{query}")
        for _ in range(50):
            if any("/healthz" in line for line in uvicorn_lines):
                break
            await asyncio.sleep(0.05)
        logged = "\n".join(uvicorn_lines)
        assert "/ws/terminal/1?token=[redacted]" in logged
        assert "/healthz?access_token=[redacted]" in logged
        assert "page=2" in logged
        for secret in (token, "r-canary-1", "p-canary-2", "s-canary-3", "k-canary-4"):
            assert secret not in logged


class TestFilter:
    def test_a_secret_in_the_format_string_keeps_the_record_printable(self) -> None:
        args = ("t-1", 3)
        record = logging.LogRecord(
            "app.x", logging.INFO, "", 0, "token=%s n=%d", args, None
        )
        QuerySecretFilter().filter(record)
        assert record.getMessage() == "token=[redacted] n=3"
