"""Fleet test helpers: the vault keyed like the test app, device factories."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from app.credentials import service as credentials_service
from app.credentials import vault
from app.db import Sessionmaker, unit_of_work
from app.devices.models import Device
from tests.conftest import TEST_KEY, RunningApp, pg_settings, serve
from tests.sshd import SSHServer


@pytest.fixture(autouse=True)
def keyed_vault() -> None:
    """The vault keyed with the same key as the test app."""
    vault.configure(pg_settings("postgresql+asyncpg://unused/unused"))
    assert vault.keyring().current_id == vault.derive(TEST_KEY)[0]


@pytest.fixture
async def app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with short SSH timeouts, so silent peers fail fast."""
    settings = pg_settings(pg_url, ssh_connect_timeout=2.0, ssh_login_timeout=2.0)
    async with serve(settings) as running:
        yield running


DeviceFactory = Callable[..., Awaitable[Device]]


@pytest.fixture
def ssh_device(db: Sessionmaker) -> DeviceFactory:
    """Store a credential and a device pointing at `server`; return the device."""

    async def factory(
        server: SSHServer, *, name: str = "web-1", key: bool = False, **secret: str
    ) -> Device:
        values: dict[str, object] = (
            {"private_key": server.client_key} if key else {"password": server.password}
        )
        values.update(secret)
        data = credentials_service.input_from(
            values,
            name=f"cred-{name}",
            credential_type="ssh",
            username=server.username,
        )
        async with unit_of_work(db) as s:
            cred = await credentials_service.create_credential(
                s, credentials_service.SYSTEM, data
            )
            device = Device(
                name=name,
                hostname=name,
                address=server.host,
                port=server.port,
                credential_id=cred.id,
            )
            s.add(device)
        return device

    return factory
