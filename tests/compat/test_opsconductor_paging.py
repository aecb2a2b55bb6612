"""Every OpsConductor list pages with `limit`/`offset` and says its `total`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.alerts import service as alerts_service
from app.db import Sessionmaker, unit_of_work
from tests.conftest import RunningApp, TokenFactory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def email_channel(i: int) -> dict[str, Any]:
    config = {
        "smtp_host": "mail.example.com",
        "from_address": "ops@example.com",
        "to_addresses": ["ops@example.com"],
    }
    return {"name": f"mail-{i}", "channel_type": "email", "config": config}


# path, a body for the i-th item, where the rows are in the response
LISTS: list[tuple[str, Callable[[int], dict[str, Any]], str | None]] = [
    ("/api/groups", lambda i: {"name": f"g{i}"}, "groups"),
    (
        "/api/credentials",
        lambda i: {
            "name": f"c{i}",
            "credential_type": "ssh",
            "username": "ops",
            "password": "pw-1",
        },
        "credentials",
    ),
    ("/api/notifications/channels", email_channel, "channels"),
    (
        "/api/notifications/rules",
        lambda i: {"name": f"r{i}", "event_type": "device.status.changed"},
        "rules",
    ),
    (
        "/api/notifications/templates",
        lambda i: {"name": f"t{i}", "body": "hello"},
        "templates",
    ),
    ("/api/workflows", lambda i: {"name": f"w{i}"}, None),
    (
        "/api/auth/users",
        lambda i: {"username": f"pager{i}", "password": "a-long-password-1"},
        None,
    ),
    ("/api/auth/roles", lambda i: {"name": f"role{i}", "permissions": []}, None),
]


def rows_and_total(body: dict[str, Any], key: str | None) -> tuple[list[Any], int]:
    if key is None:  # these lists answer a bare array in `data`
        return body["data"], body["total"]
    return body["data"][key], body["data"]["total"]


@pytest.mark.parametrize(("path", "make", "key"), LISTS, ids=[p for p, *_ in LISTS])
async def test_list_pages_in_the_database(
    app: RunningApp,
    make_user: TokenFactory,
    path: str,
    make: Callable[[int], dict[str, Any]],
    key: str | None,
) -> None:
    headers = bearer(await make_user("root", roles=("admin",)))
    for i in range(5):
        created = await app.http.post(path, json=make(i), headers=headers)
        assert created.status_code in (200, 201), created.text
    everything = await app.http.get(path, headers=headers)
    rows, total = rows_and_total(everything.json(), key)
    assert total == len(rows) >= 5
    paged = await app.http.get(f"{path}?limit=2&offset=1", headers=headers)
    assert paged.status_code == 200, paged.text
    page, paged_total = rows_and_total(paged.json(), key)
    assert paged_total == total
    assert page == rows[1:3]
    refused = await app.http.get(f"{path}?limit=0", headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_alerts_page(
    app: RunningApp, make_user: TokenFactory, db: Sessionmaker
) -> None:
    async with unit_of_work(db) as session:
        for i in range(5):
            await alerts_service.raise_alert(session, key=f"k{i}", title=f"a{i}")
    headers = bearer(await make_user("root", roles=("admin",)))
    paged = await app.http.get("/api/alerts?limit=2&offset=3", headers=headers)
    data = paged.json()["data"]
    assert data["total"] == 5
    assert [a["title"] for a in data["alerts"]] == ["a1", "a0"]
