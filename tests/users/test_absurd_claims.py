"""Signed tokens with absurd claims are refused like any invalid token, on every
face (they used to answer 500: `exp` past year 9999 overflowed a datetime)."""

from __future__ import annotations

import json

import jwt
import pytest
import websockets

from tests import gqlws
from tests.conftest import TEST_KEY, RunningApp, TokenFactory
from tests.users.helpers import bearer

ABSURD: list[dict[str, object]] = [
    {"exp": 253_402_300_800},  # 10000-01-01
    {"exp": 10**30},
    {"exp": 1e300},
    {"iat": -5},
    {"iat": True},
    {"sub": 1.5},
    {"sub": "99999999999999999999999"},
    {"sub": "\uff11"},  # a fullwidth digit one
    {"sid": 5},
    {"sid": {"a": 1}},
    {"jti": ["j"]},
]


def _resigned(token: str, claims: dict[str, object]) -> str:
    """`token` with `claims` changed, signed with the real key."""
    payload = jwt.decode(token, TEST_KEY, algorithms=["HS256"], issuer="opsgraph")
    return jwt.encode({**payload, **claims}, TEST_KEY, algorithm="HS256")


@pytest.mark.parametrize("claims", ABSURD, ids=lambda c: json.dumps(c))
async def test_absurd_claims_are_refused_everywhere(
    app: RunningApp, make_user: TokenFactory, claims: dict[str, object]
) -> None:
    token = _resigned(await make_user("ann"), claims)
    rest = await app.http.get("/api/auth/me", headers=bearer(token))
    assert rest.status_code == 401, rest.text
    error = rest.json()["error"]
    assert (error["code"], error["details"]["reason"]) == (
        "UNAUTHORIZED",
        "INVALID_TOKEN",
    )
    body = await app.gql("{ me { username } }", token=token)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Invalid token"
    async with websockets.connect(
        app.ws_url,
        subprotocols=[gqlws.TRANSPORT_WS],  # type: ignore[list-item]
    ) as ws:
        init = {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "Invalid token")


async def test_the_same_token_unchanged_is_accepted(
    app: RunningApp, make_user: TokenFactory
) -> None:
    token = _resigned(await make_user("ann"), {})
    rest = await app.http.get("/api/auth/me", headers=bearer(token))
    assert rest.status_code == 200
