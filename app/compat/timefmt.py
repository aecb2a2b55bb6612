"""Timestamps as the legacy APIs print them: ISO 8601 in UTC with a `Z`.

A naive value is taken as UTC, as everywhere in OpsGraph; an aware one is
converted to UTC first.
"""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (naive means UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_z(value: datetime | None) -> str | None:
    """`2024-12-16T12:00:00Z` (whole seconds), or None."""
    if value is None:
        return None
    return _utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_z_micro(value: datetime | None) -> str | None:
    """`2024-12-16T12:00:00.123456Z` (the fraction only when non-zero), or None."""
    if value is None:
        return None
    return _utc(value).isoformat().replace("+00:00", "Z")
