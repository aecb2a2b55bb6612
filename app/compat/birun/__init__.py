"""biRun API (`specs/birun.md`): `{"error", "status": "error", "details"}` errors."""

from __future__ import annotations

from typing import Any

from app.compat.base import Failure, Surface


def render_error(failure: Failure) -> dict[str, Any]:
    """biRun's documented error response."""
    return {
        "error": failure.message,
        "status": "error",
        "details": failure.details or {"code": failure.code},
    }


surface = Surface("birun", render_error, invalid_status=422)
