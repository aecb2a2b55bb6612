"""Ansible Auto Control Hub API (`specs/ansible-hub.md`): `{success, data}` bodies."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from app.compat.base import Failure, Surface

OK_MESSAGE = "操作成功"


def render_error(failure: Failure) -> dict[str, Any]:
    """`{"success": false, "error": {"code", "message"}}`."""
    return {
        "success": False,
        "error": {"code": failure.code, "message": failure.message},
    }


def ok(data: Any, *, status: int = 200, message: str = OK_MESSAGE) -> JSONResponse:
    """`{"success": true, "data": ..., "message": "操作成功"}`."""
    return JSONResponse({"success": True, "data": data, "message": message}, status)


surface = Surface("ansible_hub", render_error, invalid_status=422)
