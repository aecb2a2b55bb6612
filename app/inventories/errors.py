"""Errors of Ansible inventories, with Ansible Hub's codes."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class InventoryNotFoundError(NotFoundError):
    """Raised when no inventory has the given id."""

    code = "INVENTORY_NOT_FOUND"

    def __init__(self, inventory_id: int) -> None:
        super().__init__(
            f"Inventory {inventory_id} not found",
            details={"inventory_id": inventory_id},
        )


class InventoryNameTakenError(ConflictError):
    """Raised when another inventory already has the name."""

    code = "INVENTORY_NAME_DUPLICATE"

    def __init__(self, name: str) -> None:
        super().__init__(f"Inventory name '{name}' already exists")


class InventoryInUseError(ConflictError):
    """Raised when deleting an inventory a running job uses."""

    code = "INVENTORY_IN_USE"


class InvalidInventoryConfigError(InvalidError):
    """Raised when ansible-core's INI parser rejects an inventory's config."""

    code = "INVALID_INVENTORY_CONFIG"
