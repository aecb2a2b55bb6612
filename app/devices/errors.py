"""Errors of the fleet domain."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class DeviceNotFoundError(NotFoundError):
    """Raised when no device has the given id."""

    def __init__(self, device_id: int) -> None:
        super().__init__(
            f"Device {device_id} not found", details={"device_id": device_id}
        )
        self.device_id = device_id


class GroupNotFoundError(NotFoundError):
    """Raised when no device group has the given id."""

    def __init__(self, group_id: int) -> None:
        super().__init__(f"Group {group_id} not found", details={"group_id": group_id})
        self.group_id = group_id


class DeviceNotInGroupError(NotFoundError):
    """Raised when removing a device from a group it is not in."""

    def __init__(self, group_id: int, device_id: int) -> None:
        super().__init__(
            f"Device {device_id} is not in group {group_id}",
            details={"group_id": group_id, "device_id": device_id},
        )


class GroupNameTakenError(ConflictError):
    """Raised when a group's name is already used by another group."""

    code = "GROUP_NAME_DUPLICATE"

    def __init__(self, name: str) -> None:
        super().__init__(f"A group named '{name}' already exists")


class DeviceAddressTakenError(ConflictError):
    """Raised when another device already has the same address and port."""

    code = "DEVICE_ADDRESS_DUPLICATE"

    def __init__(self, address: str, port: int, device_id: int) -> None:
        super().__init__(
            f"Device {device_id} already has address {address} (port {port})",
            details={"field": "ip_address", "device_id": device_id},
        )


class InvalidDeviceError(InvalidError):
    """Raised when a device's fields break a rule."""


class InvalidStatusError(InvalidError):
    """Raised when a device status is not up, down or unknown."""

    def __init__(self, status: str) -> None:
        super().__init__(
            f"status must be up, down or unknown, not '{status}'",
            details={"field": "status"},
        )
