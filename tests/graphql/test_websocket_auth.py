"""Websocket authentication: 4401 without a valid token, 4403 without a role,
and a live subscription ends when its token expires."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
import websockets

from app.db import Sessionmaker, unit_of_work
from app.users import service as users_service
from tests import gqlws
from tests.conftest import TEST_KEY, RunningApp, TokenFactory

EVENTS = "subscription { systemEvents { seq } }"


async def _until_closed(receive: Callable[[], Awaitable[object]]) -> None:
    """Read messages until the server closes (ConnectionClosed) or 8 s pass."""
    while True:
        await asyncio.wait_for(receive(), 8)


async def _close_code(url: str, payload: dict[str, str], protocol: str) -> int:
    async with websockets.connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _until_closed(ws.recv)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@pytest.mark.parametrize("protocol", [gqlws.TRANSPORT_WS, gqlws.LEGACY_WS])
class TestConnectionInit:
    async def test_missing_token_closes_4401(
        self, app: RunningApp, protocol: str
    ) -> None:
        assert await _close_code(app.ws_url, {}, protocol) == 4401

    async def test_invalid_token_closes_4401(
        self, app: RunningApp, protocol: str
    ) -> None:
        payload = {"Authorization": "Bearer not.a.token"}
        assert await _close_code(app.ws_url, payload, protocol) == 4401

    async def test_user_without_roles_closes_4403(
        self, app: RunningApp, make_user: TokenFactory, protocol: str
    ) -> None:
        token = await make_user("nobody", roles=())
        payload = {"Authorization": f"Bearer {token}"}
        assert await _close_code(app.ws_url, payload, protocol) == 4403

    async def test_valid_token_is_acknowledged(
        self, app: RunningApp, make_user: TokenFactory, protocol: str
    ) -> None:
        token = await make_user("val", roles=("viewer",))
        async with gqlws.connect(app.ws_url, token, protocol) as ws:
            await ws.subscribe(EVENTS)


class TestExpiry:
    @pytest.mark.parametrize("protocol", [gqlws.TRANSPORT_WS, gqlws.LEGACY_WS])
    async def test_subscription_ends_when_the_token_expires(
        self, app: RunningApp, db: Sessionmaker, protocol: str
    ) -> None:
        async with unit_of_work(db) as session:
            await users_service.ensure_builtin_roles(session)
            user = await users_service.create_user(
                session, "short", "correct-horse-battery", roles=["viewer"]
            )
            issued = await users_service.start_session(
                session, user, TEST_KEY, timedelta(seconds=3)
            )
        async with gqlws.connect(app.ws_url, issued.access_token, protocol) as ws:
            await ws.subscribe(EVENTS)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _until_closed(ws.receive)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            4401,
            "Token expired",
        )
