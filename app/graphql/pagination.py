"""Relay cursor connections for every list, paged by keyset.

A list is a query (filtered and scoped by its domain) and its sort keys:
column expressions that are never NULL, the last one unique (a primary key).
A cursor holds its row's sort key values, so the page after it is a seek,
`WHERE (keys) > (values)`: stable while rows come and go, and as cheap on the
thousandth page as on the first. A page costs two statements whatever its
size, the count and the rows; nested fields go through loaders.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from strawberry import relay

from app.errors import InvalidError
from app.graphql.context import Info

T = TypeVar("T")
DEFAULT_PAGE = 100
MAX_PAGE = 1000


@strawberry.enum(description="Which way a list is sorted.")
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.type(description="One page of a list (Relay cursor connection).")
class Connection(relay.Connection[relay.NodeType]):
    total_count: int = strawberry.field(
        description="How many items the whole list has, across every page."
    )


@dataclass(frozen=True)
class Window:
    """The Relay paging arguments of one list field."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backward(self) -> bool:
        """Whether the page is counted from the end (`last`)."""
        return self.last is not None

    @property
    def size(self) -> int:
        """How many items the page holds at most."""
        if self.first is not None and self.last is not None:
            raise InvalidError(
                "Give first or last, not both", details={"field": "last"}
            )
        name, value = ("last", self.last) if self.backward else ("first", self.first)
        if value is None:
            return DEFAULT_PAGE
        if not 0 <= value <= MAX_PAGE:
            raise InvalidError(
                f"{name} must be between 0 and {MAX_PAGE}", details={"field": name}
            )
        return value


def encode_cursor(values: Sequence[Any]) -> str:
    """The opaque cursor of a row with these sort key values."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    text = json.dumps(plain, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(raw: str, kinds: Sequence[type | None], field: str) -> list[Any]:
    """The sort key values a cursor holds, typed as the keys are."""
    try:
        values = json.loads(base64.urlsafe_b64decode(raw.encode()))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError(field)
        return [_typed(v, kind) for v, kind in zip(values, kinds, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidError("Invalid cursor", details={"field": field}) from None


def _typed(value: Any, kind: type | None) -> Any:
    if value is None or kind is None:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind in (int, float) and isinstance(value, bool):
        raise ValueError(value)
    if kind is float and isinstance(value, int):
        return float(value)
    if not isinstance(value, kind):
        raise ValueError(value)
    return value


def _python_type(key: ColumnElement[Any]) -> type | None:
    kind = key.type
    while kind is not None:
        try:
            found = kind.python_type
        except NotImplementedError:
            found = object
        if found is not object:
            return found
        # A TypeDecorator may not say; what it decorates does.
        kind = getattr(kind, "impl", None)
    return None


def _after(
    keys: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    row = tuple_(*keys)
    bound = tuple_(*(literal(v, k.type) for k, v in zip(keys, values, strict=True)))
    return row < bound if descending else row > bound


async def paginate(
    info: Info,
    query: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    direction: OrderDirection,
    window: Window,
    node: Callable[[Any], T],
) -> Connection[T]:
    """One page of `query` sorted by `keys` in `direction`, as a connection."""
    size = window.size
    kinds = [_python_type(k) for k in keys]
    descending = direction is OrderDirection.DESC
    seek = query
    if window.after is not None:
        values = decode_cursor(window.after, kinds, "after")
        seek = seek.where(_after(keys, values, descending))
    if window.before is not None:
        values = decode_cursor(window.before, kinds, "before")
        seek = seek.where(_after(keys, values, not descending))
    reverse = descending != window.backward
    ordered = seek.order_by(*(k.desc() if reverse else k.asc() for k in keys))
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    async with info.context.db() as session:
        total = int(await session.scalar(counted) or 0)
        found = await session.execute(ordered.add_columns(*keys).limit(size + 1))
        rows = [(row[0], tuple(row[1:])) for row in found]
    return _connection(rows, size, window, node, total)


def paginate_items(
    items: Sequence[Any],
    key: Callable[[Any], tuple[Any, ...]],
    direction: OrderDirection,
    window: Window,
    node: Callable[[Any], T],
) -> Connection[T]:
    """One page of a list held in memory (another service's answer), with
    the same cursors and rules as `paginate`; `key` must be unique."""
    size = window.size
    keyed = sorted(((item, key(item)) for item in items), key=lambda p: p[1])
    kinds = [type(v) for v in keyed[0][1]] if keyed else []
    descending = direction is OrderDirection.DESC
    if descending:
        keyed.reverse()

    def later(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
        return a < b if descending else a > b

    seek = keyed
    if window.after is not None and keyed:
        bound = tuple(decode_cursor(window.after, kinds, "after"))
        seek = [p for p in seek if later(p[1], bound)]
    if window.before is not None and keyed:
        bound = tuple(decode_cursor(window.before, kinds, "before"))
        seek = [p for p in seek if later(bound, p[1])]
    rows = list(reversed(seek)) if window.backward else seek
    return _connection(rows[: size + 1], size, window, node, len(items))


def _connection(
    rows: list[tuple[Any, tuple[Any, ...]]],
    size: int,
    window: Window,
    node: Callable[[Any], T],
    total: int,
) -> Connection[T]:
    """A page from up to `size + 1` (row, key values) pairs in paging order."""
    more = len(rows) > size
    rows = rows[:size]
    if window.backward:
        rows.reverse()
    edges = [relay.Edge(cursor=encode_cursor(k), node=node(r)) for r, k in rows]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=more if not window.backward else window.before is not None,
            has_previous_page=more if window.backward else window.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
