"""Business rules of Ansible inventories: validation, host links, SSH tests."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import ssh
from app.credentials import service as credentials_service
from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import health as devices_health
from app.devices import server_service
from app.devices import service as devices_service
from app.errors import found_or_raise
from app.inventories import logins, parser, repository
from app.inventories.errors import (
    InvalidInventoryConfigError,
    InventoryInUseError,
    InventoryNameTakenError,
    InventoryNotFoundError,
)
from app.inventories.models import Inventory, InventoryHost
from app.settings import Settings

# Ansible Hub's own words for each outcome (`specs/ansible-hub.md`).
MESSAGES = {
    None: "SSH 連線成功",
    "SSH_TIMEOUT": "連線逾時",
    "SSH_AUTHENTICATION_FAILED": "SSH 認證失敗",
    "SSH_CONNECTION_FAILED": "SSH 連線失敗",
    "SSH_HOST_KEY_CHANGED": "主機金鑰已變更,拒絕連線",
    "SSH_HOST_KEY_UNKNOWN": "主機金鑰未登錄",
}


async def get_inventory(session: AsyncSession, inventory_id: int) -> Inventory:
    """The inventory with `inventory_id`, or InventoryNotFoundError."""
    return found_or_raise(
        await repository.by_id(session, inventory_id),
        InventoryNotFoundError(inventory_id),
    )


def inventory_query(search: str | None) -> Select[tuple[Inventory]]:
    """The inventories whose name contains `search`, unordered (for keyset pages)."""
    return repository.matching(search)


async def list_inventories(
    session: AsyncSession, search: str | None, limit: int, offset: int
) -> tuple[list[Inventory], int]:
    """One page of inventories, with the total count."""
    return await repository.page(session, search, limit, offset)


async def inventories_by_ids(
    session: AsyncSession, ids: Sequence[int]
) -> list[Inventory]:
    """The inventories among `ids` (for loaders)."""
    return await repository.by_ids(session, ids)


async def hosts_of(
    session: AsyncSession, inventory_ids: Sequence[int]
) -> dict[int, list[InventoryHost]]:
    """The host links of each inventory."""
    return await repository.hosts(session, inventory_ids)


# The ssh connection plugin's variables of each login option (host, port, user,
# password), in Ansible's order.
CONNECTION_ALIASES = parser.ALIASES


def variables(config: str) -> list[tuple[str, dict[str, object]]]:
    """Each host's and group's own variables in `config` ("host h", "group all")."""
    return parser.variables(config)


async def _link_hosts(
    session: AsyncSession,
    actor: credentials_service.Actor,
    inventory: Inventory,
    config: str,
) -> None:
    """Link every host of `config` to a device and to its own login (see
    `logins`). The stored config is the masked one: the clear text is never
    written."""
    inventory.config = parser.redact(config)
    await session.flush()
    before = (await repository.hosts(session, [inventory.id]))[inventory.id]
    previous = {link.host_name: link for link in before}
    links: dict[str, tuple[int, int | None]] = {}
    for host in await asyncio.to_thread(parser.parse, config):
        device = await server_service.ensure_host(
            session,
            server_service.HostInput(host.name, host.address, host.port, host.username),
        )
        login = await logins.login_for(
            session, actor, inventory, host, device, previous.get(host.name)
        )
        links[host.name] = (device.id, login)
    await repository.replace_hosts(session, inventory.id, links)
    kept = {login for _, login in links.values() if login is not None}
    await logins.drop_unused(session, actor, before, kept)


def _clean(name: str, config: str) -> str:
    if not name.strip():
        raise InvalidInventoryConfigError("name is required")
    parser.parse(config)
    return name.strip()


async def _refuse_controller_side(session: AsyncSession, config: str) -> None:
    # The Ansible domain imports this module, so its rule is bound at call time.
    from app.ansible import controller

    if not await controller.enforced(session):
        return
    try:
        controller.check_inventory(config)
    except controller.ControllerSideError as exc:
        raise InvalidInventoryConfigError(
            f"Controller-side execution is not allowed: {exc}"
        ) from None


async def create_inventory(
    session: AsyncSession,
    actor: credentials_service.Actor,
    name: str,
    config: str,
    group: str = "Default",
) -> Inventory:
    """Validate `config` with ansible-core, store it and link its hosts."""
    name = _clean(name, config)
    await _refuse_controller_side(session, config)
    if await repository.by_name(session, name) is not None:
        raise InventoryNameTakenError(name)
    inventory = Inventory(name=name, group=group or "Default")
    session.add(inventory)
    await _link_hosts(session, actor, inventory, config)
    return inventory


async def update_inventory(
    session: AsyncSession,
    actor: credentials_service.Actor,
    inventory_id: int,
    values: Mapping[str, str | None],
) -> Inventory:
    """Change name, group or config; a new config is validated and relinked."""
    inventory = await get_inventory(session, inventory_id)
    name = values.get("name") or inventory.name
    config = values.get("config")
    name = _clean(name, config if config is not None else inventory.config)
    other = await repository.by_name(session, name)
    if other is not None and other.id != inventory.id:
        raise InventoryNameTakenError(name)
    inventory.name = name
    inventory.group = values.get("group") or inventory.group
    if config is not None:
        await _refuse_controller_side(session, config)
        await _link_hosts(session, actor, inventory, config)
    inventory.updated_at = utcnow()
    await session.flush()
    return inventory


async def seal_stored(session: AsyncSession) -> int:
    """Move password variables an older version stored in clear into the vault.

    Each such inventory is relinked as if saved again: its passwords go to
    its devices' credentials and its config is stored masked.
    """
    changed = 0
    for inventory in await repository.all_inventories(session):
        config = inventory.config
        if parser.redact(config) == config:
            continue
        try:
            await _link_hosts(session, credentials_service.SYSTEM, inventory, config)
        except InvalidInventoryConfigError:
            inventory.config = parser.redact(config)
        changed += 1
    return changed


async def delete_inventory(
    session: AsyncSession, actor: credentials_service.Actor, inventory_id: int
) -> None:
    """Delete an inventory unless a queued or running job uses it; devices stay.

    The logins it gave its hosts go with it.
    """
    # The Ansible domain imports this module, so its service is bound at call time.
    from app.ansible import job_service as ansible_jobs

    inventory = await get_inventory(session, inventory_id)
    if await ansible_jobs.inventory_in_use(session, inventory_id):
        raise InventoryInUseError("Inventory is used by a queued or running job")
    before = (await repository.hosts(session, [inventory_id]))[inventory_id]
    await session.delete(inventory)
    await session.flush()
    await logins.drop_unused(session, actor, before, set())


@dataclass(frozen=True)
class SSHCheckResult:
    """Ansible Hub's result of testing one inventory's hosts."""

    inventory_id: int
    inventory_name: str
    status: str
    code: str | None
    message: str
    tested_at: datetime
    hosts: list[dict[str, object]]


async def check_ssh(
    db: Sessionmaker,
    inventory_ids: Sequence[int] | None,
    limits: ssh.SSHLimits,
    *,
    concurrency: int,
    strict: bool = False,
) -> list[SSHCheckResult]:
    """Log in to every host of the inventories (all when none are named)."""
    async with db() as session:
        if inventory_ids:
            inventories = [await get_inventory(session, i) for i in inventory_ids]
        else:
            inventories = await repository.all_inventories(session)
        links = await repository.hosts(session, [i.id for i in inventories])
        every = [h for i in inventories for h in links[i.id]]
        targets = await devices_service.ssh_targets(
            session, [h.device_id for h in every], [h.credential_id for h in every]
        )
    probed = await devices_health.probe_targets(
        db, targets, limits, concurrency=concurrency, strict=strict
    )
    outcomes = {_key(h): r for h, r in zip(every, probed, strict=True)}
    results = [_summarise(i, links[i.id], outcomes) for i in inventories]
    async with unit_of_work(db) as session:
        for result in results:
            inventory = await get_inventory(session, result.inventory_id)
            inventory.ssh_status = result.status
            inventory.status = "On" if result.status == "Connected" else "Off"
            inventory.last_tested_at = result.tested_at
    return results


def _key(link: InventoryHost) -> tuple[int, str]:
    return link.inventory_id, link.host_name


async def check_ssh_as_configured(
    db: Sessionmaker, settings: Settings, inventory_ids: Sequence[int] | None
) -> list[SSHCheckResult]:
    """`check_ssh` with the SSH limits and host-key policy `settings` set."""
    return await check_ssh(
        db,
        inventory_ids,
        devices_health.limits_from(settings),
        concurrency=settings.ssh_concurrency,
        strict=settings.ssh_strict_host_keys,
    )


def _summarise(
    inventory: Inventory,
    hosts: list[InventoryHost],
    outcomes: dict[tuple[int, str], devices_health.Reachability],
) -> SSHCheckResult:
    rows: list[dict[str, object]] = [
        {
            "host": h.host_name,
            "device_id": h.device_id,
            "status": "Connected" if outcomes[_key(h)].ok else "Unconnected",
            "error_code": outcomes[_key(h)].code,
            "message": outcomes[_key(h)].message,
        }
        for h in hosts
    ]
    failed = next((r for r in rows if r["error_code"]), None)
    code = str(failed["error_code"]) if failed else None
    connected = bool(rows) and failed is None
    message = MESSAGES.get(code, "SSH 連線失敗") if rows else "Inventory 沒有主機"
    return SSHCheckResult(
        inventory.id,
        inventory.name,
        "Connected" if connected else "Unconnected",
        code,
        message,
        utcnow(),
        rows,
    )
