"""OpsConductor API (`specs/opsconductor.md`): `{success, data}` envelopes."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from app.compat.base import Failure, Surface


def render_error(failure: Failure) -> dict[str, Any]:
    """`{"success": false, "error": {"code", "message", "details"}}`."""
    error: dict[str, Any] = {"code": failure.code, "message": failure.message}
    if failure.details:
        error["details"] = failure.details
    return {"success": False, "error": error}


def ok(
    data: Any, *, status: int = 200, message: str | None = None, **extra: Any
) -> JSONResponse:
    """`{"success": true, "data": ...}`, with an optional message."""
    body: dict[str, Any] = {"success": True, "data": data, **extra}
    if message is not None:
        body["message"] = message
    return JSONResponse(body, status)


surface = Surface("opsconductor", render_error, invalid_status=400)
legacy = Surface("opsconductor_legacy", render_error, invalid_status=400)
