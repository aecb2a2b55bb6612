"""Arguments checked once for every field: numeric ids must fit the id columns.

Numeric IDs are int4 row ids; other IDs (UUIDs, `conv-12`, workflow keys) are
strings. An ID argument made of digits that is no valid row id (beyond 2^31-1,
or Unicode digits such as `²`) is refused before the resolver runs, wherever it
sits: a plain argument, a list, or a field of an input object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
)
from strawberry.extensions import SchemaExtension

from app import inputs
from app.errors import NotFoundError


class BoundedIds(SchemaExtension):
    """Refuse digit IDs no row can have, as a not-found error naming them."""

    def resolve(
        self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if kwargs:
            field = info.parent_type.fields[info.field_name]
            for name, value in kwargs.items():
                arg = field.args.get(name)
                for bad in _bad_ids(arg.type, value) if arg else ():
                    raise NotFoundError(
                        f"No object with id '{bad[:32]}'", details={"argument": name}
                    )
        return _next(root, info, *args, **kwargs)


def _bad_ids(kind: GraphQLInputType, value: Any) -> Iterator[str]:
    if value is None:
        return
    if isinstance(kind, GraphQLNonNull):
        yield from _bad_ids(kind.of_type, value)
    elif isinstance(kind, GraphQLList) and isinstance(value, list):
        for item in value:
            yield from _bad_ids(kind.of_type, item)
    elif isinstance(kind, GraphQLInputObjectType) and isinstance(value, dict):
        for name, field in kind.fields.items():
            yield from _bad_ids(field.type, value.get(name))
    elif kind is GraphQLID and str(value).isdigit() and not inputs.parse_id(value):
        yield str(value)
