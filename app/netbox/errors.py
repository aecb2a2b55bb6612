"""Errors of the NetBox integration; none of them ever carries the token."""

from __future__ import annotations

from app.errors import InvalidError, NotFoundError, UpstreamError


class NetboxNotConfiguredError(InvalidError):
    """Raised when no NetBox URL or token is set: a setting the caller can fix
    (400), not an outage."""

    code = "NETBOX_NOT_CONFIGURED"

    def __init__(self) -> None:
        super().__init__("NetBox is not configured: set netbox_url and netbox_token")


class NetboxUnreachableError(UpstreamError):
    """Raised when NetBox cannot be reached (refused, timeout, TLS, not allowed)."""

    code = "NETBOX_UNREACHABLE"


class NetboxAuthError(UpstreamError):
    """Raised when NetBox refuses the token."""

    code = "NETBOX_AUTH_FAILED"


class NetboxRejectedError(InvalidError):
    """Raised when NetBox refuses a write (400): its own message, keyed by field."""


class NetboxObjectNotFoundError(NotFoundError):
    """Raised when a NetBox object named by id does not exist."""

    code = "NETBOX_NOT_FOUND"
