"""Fixtures of the NetBox tests: a NetBox-compatible server on loopback, seeded.

The server is tests/netbox/fake_netbox.py, a stand-in following NetBox 4.4's
REST API (NetBox itself cannot be installed here).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


@asynccontextmanager
async def running(
    fake: FakeNetbox, scheme: str = "http", **tls: str
) -> AsyncIterator[Netbox]:
    """`fake` served by uvicorn on 127.0.0.1 (over TLS when given a cert)."""
    port = free_port()
    config = uvicorn.Config(
        fake.app(),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        **tls,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Netbox(fake, f"{scheme}://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def netbox() -> AsyncIterator[Netbox]:
    """The seeded stand-in on plain HTTP."""
    fake = FakeNetbox(token=TOKEN)
    seed(fake)
    async with running(fake) as served:
        yield served


def self_signed(directory: Path) -> dict[str, str]:
    """A self-signed certificate for 127.0.0.1: uvicorn's ssl_certfile/ssl_keyfile."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netbox.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {
        "ssl_certfile": str(directory / "cert.pem"),
        "ssl_keyfile": str(directory / "key.pem"),
    }


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
