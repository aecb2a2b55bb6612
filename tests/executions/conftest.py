"""Execution fixtures: asyncssh servers on loopback and a resolver onto them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import dramatiq
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs
from app.credentials import service as credentials_service
from app.credentials import vault
from app.db import Sessionmaker, unit_of_work
from app.devices.models import Device, Group
from app.executions import service
from app.executions.errors import InvalidExecutionError
from app.settings import Settings
from app.ssh import SSHTarget
from tests.conftest import pg_settings
from tests.sshd import SSHServer, asyncssh_server


@dataclass(frozen=True)
class FakeDevice:
    """A device id bound to a real SSH server, standing in for the inventory."""

    device_id: int
    name: str
    target: SSHTarget


def target_of(server: SSHServer, *, password: bool = False) -> SSHTarget:
    """An SSHTarget logging in to `server` with its client key (or password)."""
    return SSHTarget(
        host=server.host,
        port=server.port,
        username=server.username,
        password=server.password if password else None,
        private_key=None if password else server.client_key,
        host_key=server.host_key,
    )


class Inventory:
    """Device ids -> SSH targets, resolved like the devices domain does."""

    def __init__(self) -> None:
        self.devices: dict[int, FakeDevice] = {}

    def add(self, target: SSHTarget, name: str | None = None) -> int:
        device_id = len(self.devices) + 1
        self.devices[device_id] = FakeDevice(
            device_id, name or f"host-{device_id}", target
        )
        return device_id

    async def resolve(
        self, session: AsyncSession, device_ids: Sequence[int]
    ) -> list[FakeDevice]:
        missing = [i for i in device_ids if i not in self.devices]
        if missing:
            raise InvalidExecutionError(f"Device {missing[0]} not found")
        return [self.devices[i] for i in device_ids]

    def refs(self, device_ids: Sequence[int]) -> list[service.HostRef]:
        return [service.HostRef(i, self.devices[i].name) for i in device_ids]


@pytest.fixture
def settings(pg_url: str) -> Settings:
    """Engine settings with a short lease so expiry tests stay quick."""
    return pg_settings(pg_url, execution_lease_seconds=3.0)


@pytest.fixture
def broker(settings: Settings) -> dramatiq.Broker:
    """A stub broker: submitted executions are queued, run by the test itself."""
    return jobs.make_broker(settings)


@pytest.fixture
async def servers() -> AsyncIterator[list[SSHServer]]:
    """Three asyncssh servers on loopback."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(asyncssh_server()) for _ in range(3)]


@pytest.fixture
def inventory(servers: list[SSHServer]) -> Inventory:
    """One device per server."""
    found = Inventory()
    for server in servers:
        found.add(target_of(server))
    return found


async def submit_command(
    db: Sessionmaker,
    inventory: Inventory,
    device_ids: Sequence[int],
    command: str,
    *,
    host_timeout: int = 30,
    kind: str = "command",
    step_type: str = "command",
) -> str:
    """A pending execution of `command` on `device_ids`; its uuid."""
    async with unit_of_work(db) as session:
        execution = await service.submit(
            session,
            kind=kind,
            steps=[{"type": step_type, "action": command}],
            hosts=inventory.refs(device_ids),
            host_timeout=host_timeout,
        )
    return execution.uuid


@pytest.fixture(autouse=True)
def keyed_vault() -> None:
    """The vault keyed like the test app, so stored credentials decrypt."""
    vault.configure(pg_settings("postgresql+asyncpg://unused/unused"))


DeviceFactory = Callable[..., Awaitable[Device]]


@pytest.fixture
def real_device(db: Sessionmaker) -> DeviceFactory:
    """A stored device (and credential) pointing at an SSH test server."""

    async def factory(
        server: SSHServer, name: str, *, pin: bool = True, group: str | None = None
    ) -> Device:
        data = credentials_service.input_from(
            {"private_key": server.client_key},
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
                host_key=server.host_key if pin else None,
            )
            if group is not None:
                device.groups = [await _group(s, group)]
            s.add(device)
        return device

    return factory


async def _group(session: AsyncSession, name: str) -> Group:
    found = await session.scalar(select(Group).where(Group.name == name))
    if found is None:
        found = Group(name=name)
        session.add(found)
    return found
