"""Revoking a session closes its websockets on every replica; a socket re-checks
its session before each new operation; the per-user socket cap; the legacy
protocol's connection_init timeout."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
import websockets
from sqlalchemy import update

from app import events
from app.db import Sessionmaker, unit_of_work, utcnow
from app.users import revocation
from app.users.models import AuthSession
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.users.helpers import bearer, rest_login

EVENTS = "subscription { systemEvents { seq } }"
PASSWORD = "correct-horse-battery"
PROTOCOLS = [gqlws.TRANSPORT_WS, gqlws.LEGACY_WS]


@pytest.fixture
async def replicas(
    db: Sessionmaker, pg_url: str, redis_url: str
) -> AsyncIterator[tuple[RunningApp, RunningApp]]:
    """Two API replicas on one PostgreSQL and one Redis (distributed mode)."""
    settings = pg_settings(pg_url, redis_url=redis_url)
    try:
        async with serve(settings) as a, serve(settings) as b:
            yield a, b
    finally:
        await events.close_bus()
        events.configure(pg_settings(pg_url))


async def _closed(ws: gqlws.Subscriber, within: float = 5.0) -> tuple[int, str, float]:
    """Wait for the server to close `ws`: its code, reason and how long it took."""

    async def drain() -> None:
        while True:
            await asyncio.wait_for(ws.receive(), within)

    started = time.monotonic()
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await drain()
    assert closed.value.rcvd is not None
    code, reason = closed.value.rcvd.code, closed.value.rcvd.reason
    return code, reason, time.monotonic() - started


async def _login(app: RunningApp, username: str) -> dict[str, Any]:
    return await rest_login(app, username, PASSWORD)


class TestAcrossReplicas:
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    async def test_logout_on_a_closes_the_socket_on_b(
        self,
        replicas: tuple[RunningApp, RunningApp],
        make_user: TokenFactory,
        protocol: str,
    ) -> None:
        a, b = replicas
        await make_user("vic", roles=("viewer",))
        token = (await _login(a, "vic"))["session_token"]
        async with gqlws.connect(b.ws_url, token, protocol) as ws:
            await ws.subscribe(EVENTS)
            response = await a.http.post("/api/auth/logout", headers=bearer(token))
            assert response.status_code == 200
            code, reason, took = await _closed(ws)
        assert (code, reason) == (4401, "Session revoked")
        assert took < 3

    @pytest.mark.parametrize("action", ["deactivate", "delete"])
    async def test_deactivating_or_deleting_the_user_closes_4403(
        self,
        replicas: tuple[RunningApp, RunningApp],
        make_user: TokenFactory,
        action: str,
    ) -> None:
        a, b = replicas
        admin = await make_user("root")
        token = await make_user("vic", roles=("viewer",))
        async with gqlws.connect(b.ws_url, token) as ws:
            await ws.subscribe(EVENTS)
            if action == "deactivate":
                response = await a.http.put(
                    "/api/auth/users/2",
                    json={"is_active": False},
                    headers=bearer(admin),
                )
            else:
                response = await a.http.delete(
                    "/api/auth/users/2", headers=bearer(admin)
                )
            assert response.status_code == 200, response.text
            code, reason, took = await _closed(ws)
        assert (code, reason) == (4403, "Forbidden")
        assert took < 3

    async def test_role_changes_apply_and_no_role_closes_4403(
        self, replicas: tuple[RunningApp, RunningApp], make_user: TokenFactory
    ) -> None:
        a, b = replicas
        admin = await make_user("root")
        token = await make_user("vic", roles=("viewer",))
        async with gqlws.connect(b.ws_url, token) as ws:
            await ws.subscribe(EVENTS)
            response = await a.http.put(
                "/api/auth/users/2", json={"roles": ["operator"]}, headers=bearer(admin)
            )
            assert response.status_code == 200, response.text
            await ws.subscribe("{ me { roles { edges { node { name } } } } }")
            named = {"edges": [{"node": {"name": "operator"}}]}
            roles = {"me": {"roles": named}}
            assert await ws.next_data() == roles
            response = await a.http.put(
                "/api/auth/users/2", json={"roles": []}, headers=bearer(admin)
            )
            assert response.status_code == 200, response.text
            code, reason, _ = await _closed(ws)
        assert (code, reason) == (4403, "Forbidden")

    async def test_reused_refresh_token_closes_the_family_socket(
        self, replicas: tuple[RunningApp, RunningApp], make_user: TokenFactory
    ) -> None:
        a, b = replicas
        await make_user("vic", roles=("viewer",))
        login = await _login(a, "vic")
        body = {"refresh_token": login["refresh_token"]}
        assert (await a.http.post("/api/auth/refresh", json=body)).status_code == 200
        async with gqlws.connect(b.ws_url, login["session_token"]) as ws:
            await ws.subscribe(EVENTS)
            reused = await a.http.post("/api/auth/refresh", json=body)
            assert reused.status_code == 401
            code, _, _ = await _closed(ws)
        assert code == 4401

    async def test_password_change_closes_only_the_other_sessions(
        self, replicas: tuple[RunningApp, RunningApp], make_user: TokenFactory
    ) -> None:
        a, b = replicas
        await make_user("vic", roles=("viewer",))
        mine = (await _login(a, "vic"))["session_token"]
        other = (await _login(a, "vic"))["session_token"]
        async with (
            gqlws.connect(b.ws_url, other) as theirs,
            gqlws.connect(b.ws_url, mine) as kept,
        ):
            changed = await a.http.post(
                "/api/auth/change-password",
                json={"current_password": PASSWORD, "new_password": "another-horse-9"},
                headers=bearer(mine),
            )
            assert changed.status_code == 200, changed.text
            code, _, _ = await _closed(theirs)
            await kept.subscribe("{ me { username } }")
            assert (await kept.next_data()) == {"me": {"username": "vic"}}
        assert code == 4401


class TestEmbedded:
    async def test_logout_closes_the_socket_on_the_memory_bus(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await make_user("vic", roles=("viewer",))
        token = (await _login(app, "vic"))["session_token"]
        async with gqlws.connect(app.ws_url, token) as ws:
            body = await app.gql(
                "mutation { logout { ... on Done { ok } } }", token=token
            )
            assert body["data"] == {"logout": {"ok": True}}
            code, reason, _ = await _closed(ws)
        assert (code, reason) == (4401, "Session revoked")
        # The stored signal names the session by a digest, not by its id.
        sid = jwt.decode(token, options={"verify_signature": False})["sid"]
        signals = await events.history(db, revocation.STREAM, 0)
        assert len(signals) == 1
        assert sid not in signals[0].wire


class TestRecheck:
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    async def test_new_subscription_on_a_revoked_session_is_refused(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory, protocol: str
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        async with gqlws.connect(app.ws_url, token, protocol) as ws:
            # Revoked behind the signal's back: only the re-check can notice.
            async with unit_of_work(db) as session:
                await session.execute(update(AuthSession).values(revoked_at=utcnow()))
            await ws.subscribe(EVENTS)
            refused = await ws.receive()
            code, reason, _ = await _closed(ws)
        assert refused["type"] == "error"
        assert "Session is no longer valid" in json.dumps(refused["payload"])
        assert (code, reason) == (4401, "Session is no longer valid")


class TestLegacyReinit:
    async def test_a_second_connection_init_closes_the_socket(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        other = await make_user("eve", roles=("admin",))
        async with gqlws.connect(app.ws_url, token, gqlws.LEGACY_WS) as ws:
            init = {"Authorization": f"Bearer {other}"}
            await ws.ws.send(json.dumps({"type": "connection_init", "payload": init}))
            code, reason, _ = await _closed(ws)
        assert (code, reason) == (4429, "Too many initialisation requests")


@pytest.fixture
async def capped(app: RunningApp) -> AsyncIterator[RunningApp]:
    settings = pg_settings(
        str(app.settings.database_url),
        graphql_max_connections_per_user=2,
        graphql_connection_init_timeout_seconds=1,
    )
    async with serve(settings) as running:
        yield running


class TestCaps:
    async def test_a_user_holds_at_most_the_cap_of_sockets(
        self, capped: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        async with (
            gqlws.connect(capped.ws_url, token),
            gqlws.connect(capped.ws_url, token, gqlws.LEGACY_WS),
            gqlws.connect(capped.ws_url, token) as third,
        ):
            code, reason, _ = await _closed(third)
        assert (code, reason) == (4429, "Too many open connections")
        async with gqlws.connect(capped.ws_url, token) as again:
            await again.subscribe("{ me { username } }")
            assert (await again.next_data()) == {"me": {"username": "vic"}}

    @pytest.mark.parametrize("protocol", PROTOCOLS)
    async def test_socket_without_connection_init_is_closed(
        self, capped: RunningApp, protocol: str
    ) -> None:
        started = time.monotonic()
        async with websockets.connect(
            capped.ws_url,
            subprotocols=[protocol],  # type: ignore[list-item]
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4408
        assert time.monotonic() - started < 3
