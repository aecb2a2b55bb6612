"""Subscription events rendered once per process, not once per subscriber.

graphql-core executes a subscription's selection set on every event for every
subscriber, and Strawberry then JSON-encodes each result on its own: with a
hundred dashboards on one busy execution that is most of the API's CPU. An event
payload with a `share_key()` method (equal keys, equal rendering) is executed
once per (operation, key) instead: the result carries its JSON text, which the
websocket adapter splices into every subscriber's message.

A payload may offer a share key only if its type's fields resolve to the same
value for every caller: no per-field permissions, nothing read from the context.
Sharing is keyed on the printed operation and the variables its selection reads,
not on the root field's arguments, which only choose the stream.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Awaitable, Hashable, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    Node,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    print_ast,
    visit,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Subscribers of one stream are in step, so a few recent events cover them all;
# one that lags renders its own (correct, just not shared).
CACHE_SIZE = 64
SHARE_KEY = "share_key"
# Built once: json.dumps with any option builds a new encoder on every call.
_encoder = json.JSONEncoder(separators=(",", ":"))


class RenderedData(dict[str, Any]):
    """A result's `data`, with its JSON text encoded once."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.json = _encoder.encode(data)


def encode_message(message: Mapping[str, object]) -> str | None:
    """A protocol message whose data was rendered once, or None for the rest."""
    payload = message.get("payload")
    if not isinstance(payload, dict) or payload.keys() != {"data"}:
        return None
    data = payload["data"]
    if not isinstance(data, RenderedData):
        return None
    head = _encoder.encode({k: v for k, v in message.items() if k != "payload"})
    return f'{head[:-1]},"payload":{{"data":{data.json}}}}}'


_cache: OrderedDict[Hashable, RenderedData] = OrderedDict()


class SharingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, executing a shareable event once per operation."""

    _operation_key: Hashable | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        share = getattr(payload, SHARE_KEY, None)
        if share is None:
            return super().build_per_event_executor(payload)
        if self._operation_key is None:
            # Per-event executors are copies of this one: they inherit the key.
            self._operation_key = _operation_key(self)
        cached = _cache.get((self._operation_key, share()))
        if cached is not None:
            # graphql-core only calls execute_operation on what this returns:
            # a rendered event needs no copy of the executor.
            return _Rendered(cached)
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        share = getattr(self.root_value, SHARE_KEY, None)
        if self._operation_key is None or share is None:
            return super().execute_operation(serially)
        key = (self._operation_key, share())
        result = super().execute_operation(serially)
        if isinstance(result, Awaitable):
            return self._store_later(key, result)
        return _store(key, result)

    async def _store_later(
        self, key: Hashable, result: Awaitable[ExecutionResult]
    ) -> ExecutionResult:
        return _store(key, await result)


class _Rendered:
    """Stands in for a per-event executor when the event is already rendered."""

    def __init__(self, data: RenderedData) -> None:
        self._data = data

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return ExecutionResult(self._data, None)


def _operation_key(executor: SharingExecutor) -> Hashable:
    """What, besides the event, decides how an event renders for this operation."""
    used = _selection_variables(executor.operation, executor.fragment_definitions)
    coerced = executor.variable_values.coerced
    return (
        id(executor.schema),
        print_ast(executor.operation),
        tuple(print_ast(f) for f in executor.fragment_definitions.values()),
        json.dumps({n: coerced.get(n) for n in sorted(used)}, default=str),
    )


def _store(key: Hashable, result: ExecutionResult) -> ExecutionResult:
    if result.errors or not isinstance(result.data, dict):
        return result
    rendered = RenderedData(result.data)
    _cache[key] = rendered
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return ExecutionResult(rendered, None)


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.names.add(node.name.value)


def _selection_variables(
    operation: OperationDefinitionNode, fragments: dict[str, Node]
) -> set[str]:
    """Variables the result's shape may depend on: all but root field arguments."""
    found = _VariableNames()
    for node in operation.selection_set.selections:
        if isinstance(node, FieldNode):
            for directive in node.directives or ():
                visit(directive, found)
            if node.selection_set is not None:
                visit(node.selection_set, found)
        else:
            visit(node, found)
    for fragment in fragments.values():
        visit(fragment, found)
    return found.names
