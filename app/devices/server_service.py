"""biRun's view of a device: a server with its own SSH login in the vault."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.credentials import service as credentials_service
from app.devices import service
from app.devices.errors import InvalidDeviceError
from app.devices.models import Device

AUTH_TYPES = ("key", "password")
SERVER_CATEGORY = "server"


@dataclass(frozen=True)
class ServerInput:
    """A biRun server: where it is and how to log in."""

    name: str
    hostname: str
    username: str
    port: int = 22
    auth_type: str = "password"
    ssh_key: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    description: str = ""


def _login(auth_type: str, ssh_key: str | None, password: str | None) -> dict[str, str]:
    if auth_type not in AUTH_TYPES:
        raise InvalidDeviceError(
            "auth_type must be key or password", details={"field": "auth_type"}
        )
    if auth_type == "key":
        if not ssh_key:
            raise InvalidDeviceError(
                "ssh_key is required when auth_type is key",
                details={"field": "ssh_key"},
            )
        return {"private_key": ssh_key}
    if not password:
        raise InvalidDeviceError(
            "password is required when auth_type is password",
            details={"field": "password"},
        )
    return {"password": password}


async def create_server(
    session: AsyncSession, actor: credentials_service.Actor, data: ServerInput
) -> Device:
    """Create a device and a vault credential holding its SSH login."""
    login = _login(data.auth_type, data.ssh_key, data.password)
    if not data.name.strip() or not data.hostname.strip():
        raise InvalidDeviceError(
            "name and hostname are required", details={"field": "name"}
        )
    credential = await credentials_service.create_credential(
        session,
        actor,
        credentials_service.CredentialInput(
            name=f"server:{data.name}:{secrets.token_hex(4)}",
            credential_type="ssh",
            category=SERVER_CATEGORY,
            username=data.username,
            port=data.port,
            secret=login,
        ),
    )
    return await service.create_device(
        session,
        service.DeviceInput(
            address=data.hostname,
            name=data.name,
            hostname=data.hostname,
            port=data.port,
            username=data.username,
            description=data.description,
            credential_id=credential.id,
        ),
        may_use_credentials=True,  # the login this request just stored
    )


async def update_server(
    session: AsyncSession,
    actor: credentials_service.Actor,
    device_id: int,
    values: Mapping[str, object],
) -> Device:
    """Change a server; a new password or key replaces the login in the vault."""
    device = await service.get_device(session, device_id)
    changes = {k: values[k] for k in ("name", "username", "port", "description")}
    if values.get("hostname"):
        changes |= {"hostname": values["hostname"], "address": values["hostname"]}
    changes = {k: v for k, v in changes.items() if v is not None}
    if values.get("ssh_key") or values.get("password"):
        auth_type = str(
            values.get("auth_type") or ("key" if values.get("ssh_key") else "password")
        )
        login = _login(auth_type, _str(values, "ssh_key"), _str(values, "password"))
        changes["credential_id"] = await _replace_login(session, actor, device, login)
    before = device.credential_id
    updated = await service.update_device(
        session,
        device_id,
        changes,
        may_read_secrets=actor.may_read_secrets,
        may_use_credentials=True,  # only ever the login this request stored
    )
    if before is not None and updated.credential_id is None:
        await _delete_own_login(session, actor, before)
    return updated


def _str(values: Mapping[str, object], name: str) -> str | None:
    value = values.get(name)
    return str(value) if value else None


async def _replace_login(
    session: AsyncSession,
    actor: credentials_service.Actor,
    device: Device,
    login: dict[str, str],
) -> int:
    if device.credential_id is not None:
        await credentials_service.update_credential(
            session, actor, device.credential_id, login
        )
        return device.credential_id
    created = await credentials_service.create_credential(
        session,
        actor,
        credentials_service.CredentialInput(
            name=f"server:{device.name}:{secrets.token_hex(4)}",
            credential_type="ssh",
            category=SERVER_CATEGORY,
            username=device.username,
            port=device.port,
            secret=login,
        ),
    )
    return created.id


async def delete_server(
    session: AsyncSession, actor: credentials_service.Actor, device_id: int
) -> None:
    """Delete a server and the login credential created for it."""
    device = await service.get_device(session, device_id)
    credential_id = device.credential_id
    await service.delete_device(session, device_id)
    if credential_id is not None:
        await _delete_own_login(session, actor, credential_id)


async def _delete_own_login(
    session: AsyncSession, actor: credentials_service.Actor, credential_id: int
) -> None:
    """Delete the login credential created for a server (a shared one stays)."""
    credential = await credentials_service.get_credential(session, credential_id)
    if credential.category == SERVER_CATEGORY:
        await credentials_service.delete_credential(session, actor, credential_id)


@dataclass(frozen=True)
class HostInput:
    """A host named by an Ansible inventory."""

    name: str
    address: str
    port: int = 22
    username: str | None = None


async def ensure_host(session: AsyncSession, host: HostInput) -> Device:
    """The device at the host's address and port, created if new.

    The device is shared by every inventory naming that address; it is never
    changed here, and its login is not the inventory's (see app/inventories).
    """
    device = await service.device_at(session, host.address, host.port)
    if device is None:
        device = await service.create_device(
            session,
            service.DeviceInput(
                address=host.address,
                name=host.name,
                hostname=host.name,
                port=host.port,
                username=host.username,
            ),
        )
    return device
