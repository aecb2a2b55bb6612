"""Domain errors every face maps to its own shape."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of every expected failure; `code` is a stable machine name."""

    code = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class NotFoundError(DomainError):
    """Raised when the named object does not exist."""

    code = "NOT_FOUND"


def found_or_raise(value: T | None, missing: NotFoundError) -> T:
    """`value` as looked up, or raise `missing` when the lookup found nothing."""
    if value is None:
        raise missing
    return value


class ConflictError(DomainError):
    """Raised when a change collides with existing state (duplicate name, in use)."""

    code = "CONFLICT"


class InvalidError(DomainError):
    """Raised when input breaks a validation rule."""

    code = "VALIDATION_ERROR"


class UnauthenticatedError(DomainError):
    """Raised when a caller has no valid identity."""

    code = "UNAUTHORIZED"


class ForbiddenError(DomainError):
    """Raised when a caller lacks the permission an action needs."""

    code = "FORBIDDEN"


class RateLimitedError(DomainError):
    """Raised when a caller exceeded its request budget."""

    code = "RATE_LIMITED"


class UnavailableError(DomainError):
    """Raised when a service the action needs is not configured or is down."""

    code = "SERVICE_UNAVAILABLE"


class UpstreamError(DomainError):
    """Raised when a third-party service answered with an error."""

    code = "UPSTREAM_ERROR"


class UpstreamTimeoutError(UpstreamError):
    """Raised when a third-party service did not answer in time."""

    code = "UPSTREAM_TIMEOUT"


class PayloadTooLargeError(DomainError):
    """Raised when a request body exceeds the configured maximum size."""

    code = "PAYLOAD_TOO_LARGE"


class RequestTimeoutError(DomainError):
    """Raised when a client does not send its request body in time."""

    code = "REQUEST_TIMEOUT"
