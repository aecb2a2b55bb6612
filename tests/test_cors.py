"""Browsers on other origins: OPSGRAPH_CORS_ORIGINS on HTTP (CORS) and websockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve

LISTED = "https://console.example.com"
UNLISTED = "https://evil.example.net"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}
TRANSPORT_WS = "graphql-transport-ws"


@pytest.fixture
async def cors_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with one other origin allowed."""
    settings = pg_settings(pg_url, cors_origins=f"{LISTED}/, https://other.example")
    async with serve(settings) as running:
        yield running


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        k: v for k, v in response.headers.items() if k.startswith("access-control-")
    }


class TestPreflight:
    @pytest.mark.parametrize(
        "path", ["/graphql", "/api/devices", "/birun/api/scripts/"]
    )
    async def test_listed_origin_is_answered(
        self, cors_app: RunningApp, path: str
    ) -> None:
        response = await cors_app.http.options(
            path, headers={"Origin": LISTED, **PREFLIGHT}
        )
        assert response.status_code == 200
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == LISTED
        assert "POST" in headers["access-control-allow-methods"]
        allowed = headers["access-control-allow-headers"].lower()
        assert {"authorization", "content-type"} <= set(allowed.split(", "))
        assert "access-control-allow-credentials" not in headers

    async def test_unlisted_origin_gets_no_cors_header(
        self, cors_app: RunningApp
    ) -> None:
        response = await cors_app.http.options(
            "/graphql", headers={"Origin": UNLISTED, **PREFLIGHT}
        )
        assert cors_headers(response) == {}

    async def test_no_origin_is_allowed_by_default(self, app: RunningApp) -> None:
        response = await app.http.options(
            "/graphql", headers={"Origin": LISTED, **PREFLIGHT}
        )
        assert cors_headers(response) == {}


class TestCrossOriginRequest:
    async def test_listed_origin_reads_the_answer(
        self, cors_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await cors_app.http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": LISTED, "Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert response.json() == {"data": {"__typename": "Query"}}
        assert response.headers["access-control-allow-origin"] == LISTED
        assert "access-control-allow-credentials" not in response.headers
        exposed = response.headers["access-control-expose-headers"].lower()
        assert "x-request-id" in exposed

    async def test_rest_route_from_a_listed_origin(
        self, cors_app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await cors_app.http.get(
            "/api/devices",
            headers={"Origin": LISTED, "Authorization": f"Bearer {await make_user()}"},
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == LISTED

    async def test_unlisted_origin_gets_no_cors_header(
        self, cors_app: RunningApp
    ) -> None:
        response = await cors_app.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": UNLISTED}
        )
        assert cors_headers(response) == {}


async def _handshake(url: str, origin: str | None) -> str:
    """The subprotocol the server picked, after a connection_init it acknowledged."""
    async with websockets.connect(
        url,
        subprotocols=[TRANSPORT_WS],  # type: ignore[list-item]
        origin=origin,  # type: ignore[arg-type]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        reply = json.loads(await ws.recv())
        return f"{ws.subprotocol} {reply['type']}"


class TestWebsocketOrigin:
    @pytest.mark.parametrize("origin", [LISTED, "https://other.example", None])
    async def test_listed_and_non_browser_clients_connect(
        self, cors_app: RunningApp, origin: str | None
    ) -> None:
        # Anonymous: the handshake passes the origin check, then the protocol
        # refuses to acknowledge, which proves the connection was accepted.
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _handshake(cors_app.ws_url, origin)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401

    async def test_same_origin_connects(
        self, cors_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with websockets.connect(
            cors_app.ws_url,
            subprotocols=[TRANSPORT_WS],  # type: ignore[list-item]
            origin=cors_app.base_url,  # type: ignore[arg-type]
        ) as ws:
            init = {"Authorization": f"Bearer {token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"

    @pytest.mark.parametrize("path", ["/graphql", "/ws/terminal/1?token=x"])
    async def test_unlisted_origin_is_a_403_naming_the_setting(
        self, cors_app: RunningApp, path: str
    ) -> None:
        url = cors_app.base_url.replace("http://", "ws://") + path
        with pytest.raises(InvalidStatus) as refused:
            await _handshake(url, UNLISTED)
        response = refused.value.response
        assert response.status_code == 403
        assert json.loads(response.body or b"") == {
            "detail": f"origin {UNLISTED} not allowed; add it to OPSGRAPH_CORS_ORIGINS"
        }

    async def test_other_origin_is_refused_by_default(self, app: RunningApp) -> None:
        with pytest.raises(InvalidStatus) as refused:
            await _handshake(app.ws_url, LISTED)
        assert refused.value.response.status_code == 403
