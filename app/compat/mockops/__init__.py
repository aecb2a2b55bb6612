"""MockOps pipelines and federation API (`specs/mockops.md`)."""

from __future__ import annotations

from typing import Any

from app.compat.base import Failure, Surface

_TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    429: "Too many requests",
    500: "Internal server error",
}


def render_error(failure: Failure) -> dict[str, Any]:
    """MockOps errors: a short title in `error`, the detail in `message`."""
    return {"error": _TITLES.get(failure.status, "Error"), "message": failure.message}


surface = Surface("mockops", render_error, invalid_status=400)
