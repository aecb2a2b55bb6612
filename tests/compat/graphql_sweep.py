"""Hostile GraphQL operations: every query and mutation with extreme arguments."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

SKIPPED = {"logout"}  # ends the admin's session
# One dict per variant: the value each scalar type gets.
VARIANTS: list[dict[str, Any]] = [
    {"ID": "100000000000000000000", "Int": 2**31 - 1, "String": "x" * 100_000},
    {"ID": "²", "Int": -1, "String": ""},
    {"ID": "-1", "Int": -(2**31), "String": "٣"},
    {"ID": "2147483648", "Int": 0, "String": "{{ 'x' * 20000000 }}"},
]
OTHER = {
    "Boolean": True,
    "Float": 1e308,
    "UUID": "00000000-0000-0000-0000-000000000000",
}
OTHER |= {"DateTime": "9999-12-31T23:59:59Z", "JSON": {"a": None}}


def _value(kind: Any, variant: dict[str, Any], depth: int = 0) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type, variant, depth)
    if isinstance(kind, GraphQLList):
        return [_value(kind.of_type, variant, depth)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        if depth > 3:
            return None
        return {
            name: _value(f.type, variant, depth + 1) for name, f in kind.fields.items()
        }
    assert isinstance(kind, GraphQLScalarType)
    return variant.get(kind.name, OTHER.get(kind.name, "x"))


def _operation(kind: str, name: str, field: GraphQLField) -> str:
    defs = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    args = ", ".join(f"{a}: ${a}" for a in field.args)
    selection = (
        ""
        if isinstance(get_named_type(field.type), GraphQLScalarType)
        else (" { __typename }")
    )
    call = f"{name}({args})" if args else name
    return f"{kind} Sweep{f'({defs})' if defs else ''} {{ {call}{selection} }}"


def operations(schema: GraphQLSchema) -> list[tuple[str, dict[str, Any]]]:
    """(query, variables) pairs: queries first, then mutations."""
    found = []
    for kind, root in (
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
    ):
        assert root is not None
        for name, field in root.fields.items():
            if name in SKIPPED:
                continue
            text = _operation(kind, name, field)
            for variant in VARIANTS:
                values = {a: _value(arg.type, variant) for a, arg in field.args.items()}
                found.append((text, values))
            nulls = {
                a: None
                if not isinstance(arg.type, GraphQLNonNull)
                else _value(arg.type, VARIANTS[0])
                for a, arg in field.args.items()
            }
            found.append((text, nulls))
    return found
