"""Each inventory host's login is the inventory's own.

Two inventories naming the same address and port share the fleet device but
not a login: a password an inventory gives is sealed in the vault on a
credential of that inventory's host alone. A host without one uses the
device's fleet login only when the inventory's author may use stored
credentials (`credentials.credential.use`); otherwise it has none, so no one
gets a login they did not enter. A masked password keeps the stored one
while the host still points at the same device.
"""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from app.credentials import service as credentials_service
from app.devices.models import Device
from app.inventories.models import Inventory, InventoryHost
from app.inventories.parser import ParsedHost

CATEGORY = "inventory"
Actor = credentials_service.Actor


async def login_for(
    session: AsyncSession,
    actor: Actor,
    inventory: Inventory,
    host: ParsedHost,
    device: Device,
    previous: InventoryHost | None,
) -> int | None:
    """The credential id `host` of `inventory` logs in with on `device`."""
    own = await _own(session, previous, device)
    if host.password:
        if own is not None:
            await credentials_service.update_credential(
                session,
                actor,
                own,
                {"password": host.password, "username": _user(host, device)},
            )
            return own
        return await _create(session, actor, inventory, host, device)
    if own is not None:
        return own
    return device.credential_id if actor.may_use_credentials else None


def _user(host: ParsedHost, device: Device) -> str:
    return host.username or device.username or "root"


async def _own(
    session: AsyncSession, previous: InventoryHost | None, device: Device
) -> int | None:
    """The host's own stored login, if it still points at the same device."""
    if previous is None or previous.credential_id is None:
        return None
    if previous.device_id != device.id:
        return None
    found = await credentials_service.get_credential(session, previous.credential_id)
    return found.id if found.category == CATEGORY else None


async def _create(
    session: AsyncSession,
    actor: Actor,
    inventory: Inventory,
    host: ParsedHost,
    device: Device,
) -> int:
    created = await credentials_service.create_credential(
        session,
        actor,
        credentials_service.CredentialInput(
            name=f"inventory:{inventory.id}:{host.name}:{secrets.token_hex(4)}",
            credential_type="ssh",
            category=CATEGORY,
            username=_user(host, device),
            port=device.port,
            secret={"password": host.password or ""},
        ),
    )
    return created.id


async def drop_unused(
    session: AsyncSession, actor: Actor, before: list[InventoryHost], kept: set[int]
) -> None:
    """Delete the inventory's own logins no host uses any more."""
    for link in before:
        if link.credential_id is None or link.credential_id in kept:
            continue
        found = await credentials_service.get_credential(session, link.credential_id)
        if found.category == CATEGORY:
            await credentials_service.delete_credential(session, actor, found.id)
