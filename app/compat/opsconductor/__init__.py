"""OpsConductor API (`specs/opsconductor.md`): `{success, data}` envelopes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from app.compat.base import Call, Failure, Surface
from app.compat.params import query
from app.db import Page

# The spec's "Common Error Codes": the only codes a client may branch on.
DOCUMENTED = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    500: "INTERNAL_ERROR",
}


def documented_code(status: int) -> str:
    """The documented code for `status`: other client errors (409, 413, 429...)
    are VALIDATION_ERROR, other server errors INTERNAL_ERROR."""
    fallback = "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR"
    return DOCUMENTED.get(status, fallback)


def render_error(failure: Failure) -> dict[str, Any]:
    """`{"success": false, "error": {"code", "message", "details"}}`; a precise
    code beyond the documented ones (GROUP_NAME_DUPLICATE) is `details.reason`."""
    code = documented_code(failure.status)
    details = failure.details_with_reason(code)
    error: dict[str, Any] = {"code": code, "message": failure.message}
    if details:
        error["details"] = details
    return {"success": False, "error": error}


def ok(
    data: Any, *, status: int = 200, message: str | None = None, **extra: Any
) -> JSONResponse:
    """`{"success": true, "data": ...}`, with an optional message."""
    body: dict[str, Any] = {"success": True, "data": data, **extra}
    if message is not None:
        body["message"] = message
    return JSONResponse(body, status)


class PageQuery(BaseModel):
    """`limit` and `offset` of an OpsConductor list; no limit: every row."""

    limit: int | None = Field(default=None, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)

    @property
    def page(self) -> Page:
        """The window to fetch, for the domain services."""
        return Page(self.limit, self.offset)


def page_query(call: Call) -> PageQuery:
    """The request's `limit` and `offset` (400 when out of range)."""
    return query(call, PageQuery)


def paged(key: str, rows: Sequence[Any], total: int, q: PageQuery) -> JSONResponse:
    """`{"success": true, "data": {key: rows, total, limit, offset}}`."""
    return ok({key: list(rows), "total": total, "limit": q.limit, "offset": q.offset})


surface = Surface("opsconductor", render_error, invalid_status=400)
legacy = Surface("opsconductor_legacy", render_error, invalid_status=400)
