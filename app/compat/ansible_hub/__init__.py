"""Ansible Auto Control Hub API (`specs/ansible-hub.md`): `{success, data}` bodies.

Error codes come only from the spec's table (錯誤代碼列表). The table names codes
per resource and has none for a refused token, a missing permission, a rate
limit or a malformed request, so such failures carry the code of the resource
the route serves, chosen by status (not found, conflict, invalid, failed), and
the precise code (UNAUTHORIZED, FORBIDDEN, RATE_LIMITED...) in `details.reason`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from app.compat.base import Failure, Surface

OK_MESSAGE = "操作成功"

# The spec's error-code table: the only codes a client may branch on.
DOCUMENTED = frozenset(
    {
        "INVENTORY_NOT_FOUND",
        "INVENTORY_NAME_DUPLICATE",
        "INVENTORY_IN_USE",
        "INVALID_INVENTORY_CONFIG",
        "PLAYBOOK_NOT_FOUND",
        "PLAYBOOK_NAME_DUPLICATE",
        "PLAYBOOK_VALIDATION_ERROR",
        "INVALID_YAML_FORMAT",
        "SSH_CONNECTION_FAILED",
        "SSH_AUTHENTICATION_FAILED",
        "SSH_TIMEOUT",
        "PLAYBOOK_EXECUTION_FAILED",
        "JOB_NOT_FOUND",
        "CONVERSATION_NOT_FOUND",
        "AI_SERVICE_UNAVAILABLE",
        "INVALID_MESSAGE_FORMAT",
    }
)


@dataclass(frozen=True)
class Resource:
    """The documented codes of one resource's routes, by kind of failure."""

    not_found: str
    conflict: str
    invalid: str
    failed: str

    def code_for(self, status: int) -> str:
        """The documented code of a failure with HTTP `status` on this resource."""
        if status == 404:
            return self.not_found
        if status == 409:
            return self.conflict
        return self.failed if status >= 500 else self.invalid


INVENTORY = Resource(
    "INVENTORY_NOT_FOUND",
    "INVENTORY_NAME_DUPLICATE",
    "INVALID_INVENTORY_CONFIG",
    "PLAYBOOK_EXECUTION_FAILED",
)
SSH = Resource(
    "INVENTORY_NOT_FOUND",
    "INVENTORY_NAME_DUPLICATE",
    "INVALID_INVENTORY_CONFIG",
    "SSH_CONNECTION_FAILED",
)
PLAYBOOK = Resource(
    "PLAYBOOK_NOT_FOUND",
    "PLAYBOOK_NAME_DUPLICATE",
    "PLAYBOOK_VALIDATION_ERROR",
    "PLAYBOOK_EXECUTION_FAILED",
)
JOB = Resource(
    "JOB_NOT_FOUND",
    "PLAYBOOK_EXECUTION_FAILED",
    "PLAYBOOK_VALIDATION_ERROR",
    "PLAYBOOK_EXECUTION_FAILED",
)
CONVERSATION = Resource(
    "CONVERSATION_NOT_FOUND",
    "INVALID_MESSAGE_FORMAT",
    "INVALID_MESSAGE_FORMAT",
    "AI_SERVICE_UNAVAILABLE",
)


def resource_of(path: str) -> Resource:
    """The resource a request path (below any prefix) addresses."""
    parts = set(path.strip("/").split("/"))
    if "ai" in parts:
        return CONVERSATION
    if "ssh" in parts:
        return SSH
    if "playbooks" in parts:
        return JOB if parts & {"jobs", "execute"} else PLAYBOOK
    return INVENTORY


def documented_code(failure: Failure) -> str:
    """`failure.code` when the table lists it, else its resource's code."""
    if failure.code in DOCUMENTED:
        return failure.code
    return resource_of(failure.path).code_for(failure.status)


def render_error(failure: Failure) -> dict[str, Any]:
    """`{"success": false, "error": {"code", "message"}}`; a failure whose own
    code is not in the table adds `details`, with that code as `details.reason`."""
    code = documented_code(failure)
    error: dict[str, Any] = {"code": code, "message": failure.message}
    if code != failure.code:
        error["details"] = failure.details_with_reason(code)
    return {"success": False, "error": error}


def ok(data: Any, *, status: int = 200, message: str = OK_MESSAGE) -> JSONResponse:
    """`{"success": true, "data": ..., "message": "操作成功"}`."""
    return JSONResponse({"success": True, "data": data, "message": message}, status)


surface = Surface("ansible_hub", render_error, invalid_status=422)
