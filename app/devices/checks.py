"""The rules a device's fields obey, checked on create and update."""

from __future__ import annotations

from collections.abc import Mapping

import asyncssh
from sqlalchemy.ext.asyncio import AsyncSession

from app.credentials import service as credentials_service
from app.devices import repository
from app.devices.errors import DeviceAddressTakenError, InvalidDeviceError
from app.netaddr import valid_address


async def check_unique(
    session: AsyncSession, values: Mapping[str, object], device_id: int | None
) -> None:
    """No other device than `device_id` has this address and port (409)."""
    address, port = str(values["address"]).strip(), int(str(values["port"]))
    same = await repository.device_at(session, address, port)
    if same is not None and same.id != device_id:
        raise DeviceAddressTakenError(address, port, same.id)


async def check_fields(session: AsyncSession, values: Mapping[str, object]) -> None:
    """Address (IP or host name), port, host key and credential are valid (400)."""
    address = str(values.get("address") or "").strip()
    if not address:
        raise InvalidDeviceError("address is required", details={"field": "address"})
    if not valid_address(address):
        raise InvalidDeviceError(
            f"'{address[:64]}' is not an IP address or host name",
            details={"field": "address"},
        )
    port = values.get("port")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidDeviceError("port must be 1-65535", details={"field": "port"})
    host_key = values.get("host_key")
    if host_key is not None and not _is_public_key(str(host_key)):
        raise InvalidDeviceError(
            "host_key must be an OpenSSH public key line", details={"field": "host_key"}
        )
    credential_id = values.get("credential_id")
    if isinstance(credential_id, int):
        await credentials_service.get_credential(session, credential_id)


def _is_public_key(text: str) -> bool:
    try:
        asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError):
        return False
    return True
