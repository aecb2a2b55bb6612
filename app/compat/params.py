"""Query-string parsing and paging shared by the compat routes."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from app import inputs
from app.compat.base import Call, validated
from app.errors import InvalidError

M = TypeVar("M", bound=BaseModel)


def query(call: Call, model: type[M]) -> M:
    """The query string validated against `model` (last value of a repeated key)."""
    return validated(model, dict(call.request.query_params))


def query_int(call: Call, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter in [low, high] (ASCII digits); absent: default."""
    raw = call.request.query_params.get(name)
    if raw is None or raw == "":
        return default
    found = inputs.parse_int(raw, low, high)
    if found is None:
        raise InvalidError(f"{name} must be an integer between {low} and {high}")
    return found


def page_count(total: int, per_page: int, *, minimum: int = 0) -> int:
    """How many pages of `per_page` hold `total` items, never below `minimum`."""
    return max(minimum, -(-total // per_page))
