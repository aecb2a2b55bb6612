"""Errors of the logs domain."""

from __future__ import annotations

from app.errors import InvalidError


class InvalidLogFilterError(InvalidError):
    """Raised when a log filter (level, date, limit) cannot be understood."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", details={"field": field})
