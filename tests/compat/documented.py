"""What each surface's spec documents for an error body, as one check per surface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from app.compat import ansible_hub, opsconductor

# MockOps titles its errors; the spec shows these three, the rest name the status.
MOCKOPS_TITLES = {
    "Invalid request",
    "Not found",
    "Internal server error",
    "Unauthorized",
    "Forbidden",
    "Method not allowed",
    "Request timeout",
    "Conflict",
    "Payload too large",
    "Too many requests",
    "Bad gateway",
    "Service unavailable",
    "Gateway timeout",
}


def _envelope(codes: frozenset[str] | set[str]) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        if not isinstance(body, dict) or set(body) != {"success", "error"}:
            return "not a {success, error} body"
        error = body["error"]
        if body["success"] is not False or not isinstance(error, dict):
            return "success is not false or error is not an object"
        if not set(error) <= {"code", "message", "details"}:
            return f"error has undocumented keys {sorted(error)}"
        if error.get("code") not in codes:
            return f"undocumented code {error.get('code')!r}"
        return None if isinstance(error.get("message"), str) else "no message"

    return check


def _opmas(body: Any) -> str | None:
    if isinstance(body, dict) and set(body) == {"detail"}:
        return None if isinstance(body["detail"], str) else "detail is not text"
    return "not a {detail} body"


def _mockops(body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"error", "message"}:
        return "not an {error, message} body"
    if body["error"] not in MOCKOPS_TITLES:
        return f"undocumented title {body['error']!r}"
    return None if isinstance(body["message"], str) else "message is not text"


def _birun(body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"error", "status", "details"}:
        return "not an {error, status, details} body"
    if body["status"] != "error" or not isinstance(body["error"], str):
        return "status is not 'error' or error is not text"
    return None


CHECKS: dict[str, Callable[[Any], str | None]] = {
    "opsconductor": _envelope(set(opsconductor.DOCUMENTED.values())),
    "opsconductor_legacy": _envelope(set(opsconductor.DOCUMENTED.values())),
    "ansible_hub": _envelope(ansible_hub.DOCUMENTED),
    "opmas": _opmas,
    "mockops": _mockops,
    "birun": _birun,
}


def problem(surface: str, response: httpx.Response) -> str | None:
    """Why an error answer of `surface` is not in its documented shape, or None."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.text[:80]!r}"
    return CHECKS[surface](body)


def message(surface: str, body: dict[str, Any]) -> str:
    """The human-readable message of an error body of `surface`."""
    if surface == "opmas":
        return str(body["detail"])
    if surface == "birun":
        return str(body["error"])
    if surface == "mockops":
        return str(body["message"])
    return str(body["error"]["message"])
