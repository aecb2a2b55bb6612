"""Helpers shared by the identity tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp


async def rest_login(app: RunningApp, username: str, password: str) -> dict[str, Any]:
    """Log in on OpsConductor; the `data` of a successful answer."""
    response = await app.http.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for `token`."""
    return {"Authorization": f"Bearer {token}"}
