"""A credential past its expires_at reads expired, filters expired, is stated once."""

from __future__ import annotations

from app import events
from app.credentials import expiry
from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory

LAPSED = "2001-01-01T00:00:00Z"


async def _create(app: RunningApp, h: dict[str, str], name: str, expires: str) -> int:
    body = {
        "name": name,
        "credential_type": "api_key",
        "api_key": f"{name}-key",
        "expires_at": expires,
    }
    response = await app.http.post("/api/credentials", json=body, headers=h)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


async def _names(app: RunningApp, h: dict[str, str], status: str) -> list[str]:
    response = await app.http.get(f"/api/credentials?status={status}", headers=h)
    return [c["name"] for c in response.json()["data"]["credentials"]]


class TestExpiry:
    async def test_status_filter_graphql_and_one_event(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user("vault-admin")
        h = {"Authorization": f"Bearer {token}"}
        old = await _create(app, h, "old", LAPSED)
        await _create(app, h, "live", "2030-12-31T00:00:00Z")
        got = await app.http.get(f"/api/credentials/{old}", headers=h)
        assert got.json()["data"]["status"] == "expired"
        assert await _names(app, h, "expired") == ["old"]
        assert await _names(app, h, "active") == ["live"]
        body = await app.gql(
            '{ credentials(filter: {status: "expired"}) '
            "{ edges { node { name status } } } }",
            token=token,
        )
        edges = body["data"]["credentials"]["edges"]
        assert [e["node"] for e in edges] == [{"name": "old", "status": "expired"}]
        passes = [await expiry.expire_lapsed(db) for _ in range(2)]
        assert passes == [[old], []]
        facts = await events.history(db, events.DOMAIN_STREAM, 0)
        expired = [e.data for e in facts if e.type == "credential.expired"]
        assert [(e["credential_id"], e["name"]) for e in expired] == [(old, "old")]
        assert await _names(app, h, "expired") == ["old"]
