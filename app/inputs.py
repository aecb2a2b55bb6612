"""What a client may send: ids, integers and JSON the storage and parser can hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from app.errors import NotFoundError, found_or_raise

MAX_INT = 2**31 - 1  # PostgreSQL's integer (int4): every id and counter column
MIN_INT = -(2**31)
MAX_JSON_DEPTH = 64


def parse_int(raw: object, low: int = MIN_INT, high: int = MAX_INT) -> int | None:
    """`raw` as an integer of ASCII digits (optional leading -) in [low, high]."""
    text = str(raw)
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(raw: object) -> int | None:
    """`raw` as a row id (1..MAX_INT, ASCII digits only), or None."""
    return parse_int(raw, 1, MAX_INT)


def row_id(raw: object) -> int:
    """`raw` as a row id; raise NotFoundError naming it when no row can have it."""
    return found_or_raise(
        parse_id(raw), NotFoundError(f"No object with id '{str(raw)[:32]}'")
    )


def loads(raw: str | bytes) -> Any:
    """JSON text to data; bad UTF-8, a NUL character (no database column can
    hold one) or nesting deeper than MAX_JSON_DEPTH is a JSONDecodeError like
    any other malformed document."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    nul = text.find("\\u0000")
    if nul >= 0:
        raise json.JSONDecodeError("NUL characters are not allowed", text, nul)
    if isinstance(raw, bytes):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError("Invalid UTF-8", text, exc.start) from exc
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise json.JSONDecodeError("Nested too deeply", text, 0) from exc
    if _depth(data) > MAX_JSON_DEPTH:
        raise json.JSONDecodeError(
            f"Nested deeper than {MAX_JSON_DEPTH} levels", text, 0
        )
    return data


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in `data` (without recursion)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return deepest


def out_of_range(model: BaseModel) -> str | None:
    """The dotted name of the first integer field of `model` beyond int4."""
    for name, value in _ints(model, ()):
        if not MIN_INT <= value <= MAX_INT:
            return name
    return None


def _ints(value: Any, where: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """Integers in declared fields (free-form dicts are payloads: left alone)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield ".".join(where), value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _ints(getattr(value, name), (*where, name))
    elif isinstance(value, list | tuple | set):
        for i, item in enumerate(value):
            yield from _ints(item, (*where, str(i)))
