"""Query-string parsing shared by the fleet routes."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from app.compat.base import Call, invalid_from_pydantic

M = TypeVar("M", bound=BaseModel)


def query(call: Call, model: type[M]) -> M:
    """The query string validated against `model` (last value of a repeated key)."""
    try:
        return model.model_validate(dict(call.request.query_params))
    except ValidationError as exc:
        raise invalid_from_pydantic(exc) from exc
