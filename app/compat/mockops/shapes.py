"""MockOps JSON shapes, request parsing and its documented 400 messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from app.compat.base import Call
from app.compat.timefmt import iso_z
from app.errors import InvalidError
from app.federations import service as federations_service
from app.federations.models import Federation
from app.pipelines import service as pipelines_service
from app.pipelines.models import Pipeline, PipelineExecution

M = TypeVar("M", bound=BaseModel)


class Page(BaseModel):
    """`limit` and `offset` of every list endpoint."""

    limit: int = Field(default=50, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


def _invalid(exc: ValidationError, prefix: str = "") -> InvalidError:
    problems = [
        {
            "field": prefix + ".".join(str(p) for p in e["loc"]),
            "message": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]
    first = problems[0]
    if first["type"] == "missing":
        message = f"Missing required field: {first['field']}"
    elif first["field"]:
        message = f"Invalid field {first['field']}: {first['message']}"
    else:
        message = first["message"]
    return InvalidError(message, details={"errors": problems})


async def body(call: Call, model: type[M], optional: bool = False) -> M:
    """The JSON body validated against `model` (an empty body is `{}`)."""
    data = await call.json()
    if not isinstance(data, dict) and not (optional and data is None):
        raise InvalidError("Request body must be a JSON object")
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        raise _invalid(exc) from exc


def query(call: Call, model: type[M]) -> M:
    """The query string validated against `model`."""
    try:
        return model.model_validate(dict(call.request.query_params))
    except ValidationError as exc:
        raise _invalid(exc) from exc


def path_uuid(call: Call, name: str, missing: Exception) -> uuid.UUID:
    """A UUID path parameter; anything else is the `missing` 404."""
    try:
        return uuid.UUID(str(call.request.path_params[name]))
    except ValueError:
        raise missing from None


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def pipeline(p: Pipeline) -> dict[str, Any]:
    """A pipeline as documented."""
    return {
        "id": str(p.id),
        "name": p.name,
        "definition": pipelines_service.public_definition(p),
        "workspace_id": _id(p.workspace_id),
        "org_id": _id(p.org_id),
        "created_at": iso_z(p.created_at),
        "updated_at": iso_z(p.updated_at),
    }


def _stamp(raw: Any) -> Any:
    return iso_z(datetime.fromisoformat(raw)) if isinstance(raw, str) else raw


def _step(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "step_name": entry["step_name"],
        "step_type": entry["step_type"],
        "status": entry["status"],
        "started_at": _stamp(entry.get("started_at")),
        "completed_at": _stamp(entry.get("completed_at")),
        "output": entry.get("output"),
        "error_message": entry.get("error_message"),
    }


def execution(e: PipelineExecution) -> dict[str, Any]:
    """A pipeline execution as documented."""
    return {
        "id": str(e.id),
        "pipeline_id": str(e.pipeline_id),
        "trigger_event": e.trigger_event,
        "status": e.status,
        "started_at": iso_z(e.started_at),
        "completed_at": iso_z(e.completed_at),
        "error_message": e.error_message,
        "execution_log": [_step(entry) for entry in e.execution_log or []],
    }


def stats(pipeline_id: uuid.UUID, found: dict[str, Any]) -> dict[str, Any]:
    """Pipeline statistics as documented."""
    average = found["average_seconds"]
    return {
        "pipeline_id": str(pipeline_id),
        "total_executions": found["total"],
        "successful_executions": found["completed"],
        "failed_executions": found["failed"],
        "last_execution_at": iso_z(found["last"]),
        "average_duration_ms": None if average is None else round(average * 1000),
    }


def federation(f: Federation) -> dict[str, Any]:
    """A federation as documented."""
    return {
        "id": str(f.id),
        "name": f.name,
        "description": f.description,
        "org_id": str(f.org_id),
        "services": federations_service.public_services(f),
        "created_at": iso_z(f.created_at),
        "updated_at": iso_z(f.updated_at),
    }
