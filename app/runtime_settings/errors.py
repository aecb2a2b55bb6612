"""Errors of the runtime settings store."""

from __future__ import annotations

from app.errors import InvalidError


class InvalidSettingError(InvalidError):
    """Raised when a setting is unknown or its value breaks the key's rule."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}", details={"field": key})
        self.key = key
