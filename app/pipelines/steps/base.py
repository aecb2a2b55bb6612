"""What every step runner shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.db import Sessionmaker
from app.settings import Settings


@dataclass(frozen=True)
class Context:
    """What a step may use: the database, settings, its execution and event."""

    db: Sessionmaker
    settings: Settings
    execution_id: uuid.UUID
    event: dict[str, Any] | None


def describe(exc: BaseException) -> str:
    """A short, secret-free reason for an unexpected step failure."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and type(exc).__module__.startswith("app."):
        return message[:300]
    return type(exc).__name__
