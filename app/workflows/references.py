"""What a workflow node names (scripts, servers, devices, groups) must exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.devices import service as devices_service
from app.scripts import service as scripts_service


def _ids(value: Any) -> list[int]:
    """The literal ids in a node's list field (templates are resolved at run)."""
    if not isinstance(value, list):
        return []
    return [i for i in value if isinstance(i, int) and not isinstance(i, bool)]


async def check_targets(
    session: AsyncSession,
    script_id: Any = None,
    device_ids: Sequence[Any] = (),
    group_id: Any = None,
) -> None:
    """The script, devices (servers) and group named exist; NotFound otherwise."""
    if isinstance(script_id, int):
        await scripts_service.get(session, script_id)
    await devices_service.require_devices(session, _ids(list(device_ids)))
    if isinstance(group_id, int):
        await devices_service.get_group(session, group_id)


async def check_nodes(session: AsyncSession, nodes: Sequence[dict[str, Any]]) -> None:
    """Every script, server, device and group the nodes name exists."""
    for node in nodes:
        data = node.get("data") or {}
        await check_targets(
            session,
            data.get("script_id"),
            [*_ids(data.get("server_ids")), *_ids(data.get("device_ids"))],
            data.get("group_id"),
        )
