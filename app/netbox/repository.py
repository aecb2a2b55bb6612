"""SQL of the NetBox integration: the device links."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.netbox.models import NetboxLink


async def netbox_id_of(session: AsyncSession, device_id: int) -> int | None:
    """The NetBox id recorded for an OpsGraph device."""
    link = await session.get(NetboxLink, device_id)
    return None if link is None else link.netbox_id


async def devices_by_netbox_ids(
    session: AsyncSession, netbox_ids: Sequence[int]
) -> dict[int, int]:
    """OpsGraph device ids by NetBox id, for the NetBox ids that are linked."""
    query = select(NetboxLink).where(NetboxLink.netbox_id.in_(netbox_ids))
    return {r.netbox_id: r.device_id for r in (await session.scalars(query)).all()}


async def link(session: AsyncSession, device_id: int, netbox_id: int) -> None:
    """Record that `device_id` is NetBox device `netbox_id` (one link each way)."""
    await session.execute(
        delete(NetboxLink).where(
            (NetboxLink.netbox_id == netbox_id) & (NetboxLink.device_id != device_id)
        )
    )
    row = await session.get(NetboxLink, device_id)
    if row is None:
        session.add(NetboxLink(device_id=device_id, netbox_id=netbox_id))
    else:
        row.netbox_id = netbox_id
    await session.flush()
