"""MockOps pipelines and federation API (`specs/mockops.md`)."""

from __future__ import annotations

from typing import Any

from app.compat.base import Failure, Surface

_TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Payload too large",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def render_error(failure: Failure) -> dict[str, Any]:
    """MockOps errors: a short title in `error`, the detail in `message`."""
    fallback = _TITLES[500 if failure.status >= 500 else 400]
    return {
        "error": _TITLES.get(failure.status, fallback),
        "message": failure.message,
    }


surface = Surface("mockops", render_error, invalid_status=400)
