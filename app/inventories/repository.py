"""Every SQL statement of Ansible inventories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import contains
from app.inventories.models import Inventory, InventoryHost


async def by_id(session: AsyncSession, inventory_id: int) -> Inventory | None:
    """The inventory with `inventory_id`."""
    return await session.get(Inventory, inventory_id)


async def by_name(session: AsyncSession, name: str) -> Inventory | None:
    """The inventory called `name`."""
    return await session.scalar(select(Inventory).where(Inventory.name == name))


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Inventory]:
    """The inventories among `ids`, by id."""
    query = select(Inventory).where(Inventory.id.in_(ids)).order_by(Inventory.id)
    return list(await session.scalars(query))


async def all_inventories(session: AsyncSession) -> list[Inventory]:
    """Every inventory, by id."""
    return list(await session.scalars(select(Inventory).order_by(Inventory.id)))


def matching(search: str | None) -> Select[tuple[Inventory]]:
    """The inventories whose name contains `search`, unordered."""
    query = select(Inventory)
    return query.where(contains(Inventory.name, search)) if search else query


async def page(
    session: AsyncSession, search: str | None, limit: int, offset: int
) -> tuple[list[Inventory], int]:
    """One page of inventories whose name contains `search`, and the total."""
    query = matching(search)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Inventory.id).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


async def replace_hosts(
    session: AsyncSession, inventory_id: int, links: dict[str, tuple[int, int | None]]
) -> None:
    """Make `links` (host name -> device id, login) the inventory's hosts."""
    await session.execute(
        delete(InventoryHost).where(InventoryHost.inventory_id == inventory_id)
    )
    if links:
        await session.execute(
            insert(InventoryHost),
            [
                {
                    "inventory_id": inventory_id,
                    "host_name": n,
                    "device_id": d,
                    "credential_id": c,
                }
                for n, (d, c) in links.items()
            ],
        )


async def hosts(
    session: AsyncSession, inventory_ids: Sequence[int]
) -> dict[int, list[InventoryHost]]:
    """The hosts of each inventory, by name."""
    rows = await session.scalars(
        select(InventoryHost)
        .where(InventoryHost.inventory_id.in_(inventory_ids))
        .order_by(InventoryHost.host_name)
        .execution_options(populate_existing=True)  # rows replace_hosts rewrote
    )
    found: dict[int, list[InventoryHost]] = {i: [] for i in inventory_ids}
    for row in rows:
        found[row.inventory_id].append(row)
    return found
