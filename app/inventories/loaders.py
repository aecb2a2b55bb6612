"""DataLoaders of Ansible inventories: one query per batch, on its own session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from strawberry.dataloader import DataLoader

from app.db import Sessionmaker
from app.inventories import service
from app.inventories.models import InventoryHost


def hosts_by_inventory(
    loaders: dict[str, Any], db: Sessionmaker
) -> DataLoader[int, list[InventoryHost]]:
    """This request's loader of each inventory's hosts, made on first use."""
    if "inventory_hosts" not in loaders:

        async def load(ids: Sequence[int]) -> list[list[InventoryHost]]:
            async with db() as session:
                found = await service.hosts_of(session, list(ids))
            return [found[i] for i in ids]

        loaders["inventory_hosts"] = DataLoader(load_fn=load)
    return cast(DataLoader[int, list[InventoryHost]], loaders["inventory_hosts"])
