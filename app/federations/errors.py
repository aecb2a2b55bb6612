"""Federation errors."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class FederationNotFoundError(NotFoundError):
    """Raised when no federation has the given id."""

    code = "FEDERATION_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("Federation not found")


class NoServiceForPathError(NotFoundError):
    """Raised when no service of the federation owns the routed path."""

    code = "NO_SERVICE_FOR_PATH"

    def __init__(self, path: str) -> None:
        super().__init__(f"No service handles path {path}")


class FederationNameTakenError(ConflictError):
    """Raised when the organisation already has a federation of that name."""

    code = "FEDERATION_NAME_TAKEN"

    def __init__(self, name: str) -> None:
        super().__init__(f"Federation '{name}' already exists in this organization")


class InvalidServicesError(InvalidError):
    """Raised when the service list breaks a federation rule."""

    code = "INVALID_FEDERATION_SERVICES"
