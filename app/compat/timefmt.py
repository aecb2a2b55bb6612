"""Timestamps as the legacy APIs print them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_z(value: datetime | None) -> str | None:
    """`2024-12-16T12:00:00Z` (UTC, no fraction), or None."""
    if value is None:
        return None
    return (
        value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )
