"""Errors of the scans domain."""

from __future__ import annotations

from app.errors import ConflictError, DomainError, InvalidError, NotFoundError


class ScanNotFoundError(NotFoundError):
    """Raised when no scan has the given id."""

    def __init__(self, scan_id: object) -> None:
        super().__init__(
            f"Scan '{scan_id}' not found", details={"scan_id": str(scan_id)}
        )


class ScanTargetsError(InvalidError):
    """Raised when scan targets are malformed, unresolvable or too many."""

    code = "VALIDATION_ERROR"


class ScanNotRunningError(ConflictError):
    """Raised when cancelling a scan that already finished."""

    code = "SCAN_NOT_RUNNING"

    def __init__(self, scan_id: object, status: str) -> None:
        super().__init__(
            f"Scan '{scan_id}' is already {status}",
            details={"scan_id": str(scan_id), "status": status},
        )


class SnmpRequestError(InvalidError):
    """Raised when an SNMP GET names no usable credential, address or OIDs."""


class SnmpNoAnswerError(DomainError):
    """Raised when an SNMP agent is silent or refuses a GET."""

    code = "SNMP_NO_ANSWER"

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(
            f"SNMP agent {address} did not answer: {reason}",
            details={"address": address},
        )
