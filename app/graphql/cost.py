"""Query cost, bounded before execution: list sizes multiply.

Every field costs one, times its list size, plus what its selection costs. A
list's size is its `first`/`limit`/`perPage` argument (or that argument's
default); a list without one counts as `default_list_size`. A sized field that
is not a list (a connection or a page) passes its size on to the lists it holds,
so `devices(first: 50) { edges { node { name } } }` costs 50 x (1 + 1 x (1 + 1)).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    value_from_ast,
)
from graphql.language import DocumentNode, SelectionNode
from strawberry.extensions import SchemaExtension

SIZE_ARGUMENTS = ("first", "last", "limit", "perPage", "pageSize")


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_size: int
    ceiling: int  # costs are clamped here: anything above is refused anyway
    memo: dict[tuple[str, bool], int] = field(default_factory=dict)

    def selections(
        self, parent: GraphQLNamedType | None, node: SelectionSetNode, sized: bool
    ) -> int:
        total = 0
        for selection in node.selections:
            total = min(total + self.selection(parent, selection, sized), self.ceiling)
        return total

    def selection(
        self, parent: GraphQLNamedType | None, node: SelectionNode, sized: bool
    ) -> int:
        if isinstance(node, FieldNode):
            return self.field(parent, node, sized)
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition
            inner = self.schema.get_type(condition.name.value) if condition else parent
            return self.selections(inner, node.selection_set, sized)
        return self.fragment(node.name.value, sized)  # type: ignore[attr-defined]

    def fragment(self, name: str, sized: bool) -> int:
        key = (name, sized)
        if key not in self.memo:
            # A fragment cycle (refused by validation anyway) costs the ceiling.
            self.memo[key] = self.ceiling
            found = self.fragments.get(name)
            inner = (
                self.schema.get_type(found.type_condition.name.value) if found else None
            )
            cost = self.selections(inner, found.selection_set, sized) if found else 0
            self.memo[key] = cost
        return self.memo[key]

    def field(
        self, parent: GraphQLNamedType | None, node: FieldNode, sized: bool
    ) -> int:
        definition = _field_of(parent, node.name.value)
        if definition is None:
            return 1  # __typename, or a field validation refuses
        size = self.size(definition, node)
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)  # type: ignore[arg-type]
        if size is None:
            size = self.default_size if is_list and not sized else 1
        children = 0
        if node.selection_set is not None:
            passes_size = not is_list and _has_size_argument(definition)
            named = get_named_type(definition.type)
            children = self.selections(named, node.selection_set, passes_size)
        return min(size * (1 + children), self.ceiling)

    def size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        present = [n for n in SIZE_ARGUMENTS if n in definition.args]
        if not present:
            return None
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name in present:
            argument = definition.args[name]
            value = (
                value_from_ast(given[name], argument.type, self.variables)
                if name in given
                else argument.default_value
            )
            if isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
        return self.default_size


def _field_of(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


def _has_size_argument(definition: GraphQLField) -> bool:
    return any(name in definition.args for name in SIZE_ARGUMENTS)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    default_size: int,
    ceiling: int,
) -> int:
    """What the chosen operation of `document` costs, at most `ceiling`."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation == OperationType.SUBSCRIPTION:
        return 0
    root = schema.get_root_type(operation.operation)
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(schema, fragments, variables or {}, default_size, ceiling)
    return walk.selections(root, operation.selection_set, False)


class CostLimit(SchemaExtension):
    """Refuse a query or mutation costing more than `max_cost`, before any
    resolver runs (subscriptions are bounded per connection instead)."""

    def __init__(self, *, max_cost: int, default_list_size: int) -> None:
        self.max_cost = max_cost
        self.default_list_size = default_list_size

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            cost = operation_cost(
                context.schema._schema,
                document,
                context.operation_name,
                context.variables,
                default_size=self.default_list_size,
                ceiling=self.max_cost + 1,
            )
            if cost > self.max_cost:
                context.result = ExecutionResult(None, [self._error()])
        yield

    def _error(self) -> GraphQLError:
        return GraphQLError(
            f"Query too costly: it may return more than {self.max_cost} values "
            "(list sizes multiply); ask for fewer items or nest fewer lists",
            extensions={"code": "QUERY_TOO_COSTLY", "maxCost": self.max_cost},
        )
