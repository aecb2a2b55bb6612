"""Fixtures of the NetBox tests: a NetBox-compatible server on loopback, seeded.

The server is tests/netbox/fake_netbox.py, a stand-in following NetBox 4.4's
REST API (NetBox itself cannot be installed here).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, free_port, pg_settings, serve
from tests.netbox.fake_netbox import FakeNetbox
from worker.broker import embedded

TOKEN = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class Netbox:
    """The running stand-in and its base URL."""

    fake: FakeNetbox
    url: str


def seed(fake: FakeNetbox) -> None:
    """Two sites, two roles, two types, a platform and three devices with IPs."""
    ams = fake.add("sites", name="Amsterdam DC1", slug="ams-dc1")
    fra = fake.add("sites", name="Frankfurt DC1", slug="fra-dc1")
    core = fake.add("roles", name="Core Router", slug="core-router")
    access = fake.add("roles", name="Access Switch", slug="access-switch")
    juniper = fake.add("manufacturers", name="Juniper", slug="juniper")
    arista = fake.add("manufacturers", name="Arista", slug="arista")
    mx = fake.add("types", manufacturer=juniper["id"], model="MX204", slug="mx204")
    dcs = fake.add("types", manufacturer=arista["id"], model="DCS-7050", slug="dcs")
    junos = fake.add("platforms", name="Junos", slug="junos")
    for n, (site, role, kind) in enumerate(
        [(ams, core, mx), (ams, access, dcs), (fra, access, dcs)], start=1
    ):
        device = fake.add(
            "devices",
            name=f"nb-dev-{n}",
            site=site["id"],
            role=role["id"],
            device_type=kind["id"],
            platform=junos["id"] if kind is mx else None,
            status="active" if n < 3 else "planned",
        )
        interface = fake.add(
            "interfaces", device=device["id"], name="mgmt0", type="other"
        )
        ip = fake.add(
            "ips",
            address=f"127.0.9.{n}/32",
            assigned_object_type="dcim.interface",
            assigned_object_id=interface["id"],
        )
        device["primary_ip4"] = ip["id"]


@pytest.fixture
async def netbox() -> AsyncIterator[Netbox]:
    """The seeded stand-in, served by uvicorn on 127.0.0.1."""
    fake = FakeNetbox(token=TOKEN)
    seed(fake)
    port = free_port()
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Netbox(fake, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API allowed to reach loopback URLs (the stand-in lives there)."""
    async with serve(pg_settings(pg_url, allow_loopback_urls=True)) as running:
        yield running


@pytest.fixture
async def live(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The same, with an in-process worker (scans, NetBox pushes)."""
    settings = pg_settings(pg_url, allow_loopback_urls=True)
    async with serve(settings, background=embedded) as running:
        yield running


def auth(token: str) -> dict[str, str]:
    """The OpsGraph bearer header."""
    return {"Authorization": f"Bearer {token}"}


async def configure(
    app: RunningApp, token: str, netbox: Netbox, **extra: Any
) -> dict[str, Any]:
    """Point OpsGraph at the stand-in through PUT /api/settings."""
    body = {"netbox_url": netbox.url, "netbox_token": TOKEN, **extra}
    response = await app.http.put("/api/settings", json=body, headers=auth(token))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.fixture
async def admin(app: RunningApp, make_user: TokenFactory, netbox: Netbox) -> str:
    """An admin's token, with OpsGraph configured for the stand-in."""
    token = await make_user()
    await configure(app, token, netbox)
    return token
