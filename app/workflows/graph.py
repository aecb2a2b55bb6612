"""The canonical workflow graph and the rules it must meet before it is saved.

Canonical nodes are `{id, type, position, data}` and edges
`{id, source, target, sourceHandle, targetHandle}` (OpsConductor's shape);
biRun's `{id, type, config}` / `{from, to}` are translated onto them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.workflows.errors import InvalidWorkflowError
from app.workflows.nodes import node_type
from app.workflows.templating import TemplateFailure, check_syntax, is_template

SUCCESS, FAILURE, ALWAYS, TRUE, FALSE = "success", "failure", "always", "true", "false"
_HANDLES = {
    None: SUCCESS,
    "": SUCCESS,
    "output": SUCCESS,
    "success": SUCCESS,
    "failure": FAILURE,
    "error": FAILURE,
    "always": ALWAYS,
    "true": TRUE,
    "false": FALSE,
}

SECRETS = "workflow.nodes"  # the nodes' secret fields: app/secrets.py


class GraphNode(BaseModel):
    """One node in canonical form."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=50)
    position: dict[str, Any] | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class GraphEdge(BaseModel):
    """One edge in canonical form; `sourceHandle` says when it is followed."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    source: str
    target: str
    sourceHandle: str | None = None  # OpsConductor's field name
    targetHandle: str | None = None  # OpsConductor's field name


M = TypeVar("M", GraphNode, GraphEdge)


def parse(
    nodes: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate a graph given in canonical form; return it normalised."""
    for name, items in (("nodes", nodes), ("edges", edges)):
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InvalidWorkflowError(f"{name} must be a list of objects")
    parsed_nodes = [_parse(GraphNode, n, n.get("id")) for n in nodes]
    parsed_edges = [_parse(GraphEdge, _with_id(e), e.get("source")) for e in edges]
    validate(parsed_nodes, parsed_edges)
    return (
        [n.model_dump() for n in parsed_nodes],
        [e.model_dump() for e in parsed_edges],
    )


def _with_id(raw: dict[str, Any]) -> dict[str, Any]:
    """Edges without an id get a stable one from their ends and handle."""
    if not isinstance(raw, dict) or raw.get("id"):
        return raw
    handle = raw.get("sourceHandle") or "output"
    return {**raw, "id": f"{raw.get('source')}-{raw.get('target')}-{handle}"}


def _parse(model: type[M], raw: Any, node_id: Any) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"]) or "value"
        named = node_id if isinstance(node_id, str) and node_id else None
        raise InvalidWorkflowError(
            f"Node '{named or '?'}': {where}: {error['msg']}", node_id=named
        ) from exc


def handle_kind(handle: str | None) -> str | None:
    """`success`, `failure`, `always`, `true` or `false`; None if unknown."""
    return _HANDLES.get(handle)


def validate(nodes: list[GraphNode], edges: list[GraphEdge]) -> None:
    """Raise InvalidWorkflowError naming the first node that breaks a rule."""
    by_id: dict[str, GraphNode] = {}
    for node in nodes:
        if node.id in by_id:
            raise InvalidWorkflowError(
                f"Node '{node.id}': duplicate node id", node_id=node.id
            )
        by_id[node.id] = node
        check_node(node)
    _check_edges(by_id, edges)
    _check_acyclic(by_id, edges)


def check_node(node: GraphNode) -> None:
    """Raise unless the node's type is known and its config valid."""
    kind = node_type(node.type)
    if kind is None:
        raise InvalidWorkflowError(
            f"Node '{node.id}': unknown node type '{node.type}'", node_id=node.id
        )
    try:
        check_syntax(node.data)
    except TemplateFailure as exc:
        raise InvalidWorkflowError(f"Node '{node.id}': {exc}", node_id=node.id) from exc
    problem = _config_problem(kind.config, node.data) or _vault_problem(node)
    if problem is not None:
        raise InvalidWorkflowError(
            f"Node '{node.id}': invalid config: {problem}", node_id=node.id
        )


def _config_problem(model: type[BaseModel], data: dict[str, Any]) -> str | None:
    """The first config error, ignoring fields whose value is still a template."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if not is_template(_value_at(data, error["loc"])):
                where = ".".join(str(p) for p in error["loc"]) or "config"
                return f"{where}: {error['msg']}"
    return None


def describe(exc: ValidationError) -> str:
    """The first error of a rendered config as `field: message`."""
    error = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in error['loc']) or 'config'}: {error['msg']}"


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_dict or in_list):
            return None
        data = data[part]
    return data


def _check_edges(by_id: dict[str, GraphNode], edges: list[GraphEdge]) -> None:
    seen: set[str] = set()
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in by_id:
                raise InvalidWorkflowError(
                    f"Node '{end}': edge '{edge.id}' names a node that does not exist",
                    node_id=end,
                )
        if edge.id in seen:
            raise InvalidWorkflowError(
                f"Node '{edge.source}': duplicate edge id '{edge.id}'",
                node_id=edge.source,
            )
        seen.add(edge.id)
        _check_handle(by_id[edge.source], edge)


def _check_handle(source: GraphNode, edge: GraphEdge) -> None:
    kind = handle_kind(edge.sourceHandle)
    if kind is None:
        raise InvalidWorkflowError(
            f"Node '{source.id}': edge '{edge.id}' has unknown handle "
            f"'{edge.sourceHandle}' (use success, failure, always, true or false)",
            node_id=source.id,
        )
    if kind in (TRUE, FALSE) and source.type != "condition":
        raise InvalidWorkflowError(
            f"Node '{source.id}': only condition nodes have '{kind}' edges",
            node_id=source.id,
        )


def _check_acyclic(by_id: dict[str, GraphNode], edges: list[GraphEdge]) -> None:
    """Kahn's algorithm; nodes left over sit on (or behind) a cycle."""
    order = topological_order(list(by_id), edges)
    if len(order) < len(by_id):
        remaining = [n for n in by_id if n not in set(order)]
        on_cycle = _first_on_cycle(remaining, edges)
        raise InvalidWorkflowError(
            f"Node '{on_cycle}': the graph has a cycle through this node",
            node_id=on_cycle,
        )


def topological_order(node_ids: list[str], edges: list[GraphEdge]) -> list[str]:
    """Node ids in dependency order; nodes on a cycle are left out."""
    indegree = dict.fromkeys(node_ids, 0)
    children: dict[str, list[str]] = {n: [] for n in node_ids}
    for edge in edges:
        indegree[edge.target] += 1
        children[edge.source].append(edge.target)
    ready = deque(n for n in node_ids if indegree[n] == 0)
    order: list[str] = []
    while ready:
        current = ready.popleft()
        order.append(current)
        for child in children[current]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return order


def _first_on_cycle(remaining: list[str], edges: list[GraphEdge]) -> str:
    """Walk predecessors among the leftovers until a node repeats: it is on a cycle."""
    left = set(remaining)
    parents = {e.target: e.source for e in edges if e.source in left}
    current, seen = remaining[0], set()
    while current not in seen:
        seen.add(current)
        current = parents.get(current, current)
    return current


def _vault_use(node: dict[str, Any]) -> tuple[list[Any], list[Any]] | None:
    """(credential refs, addresses) of a node that may use a vault credential."""
    data = node.get("data") or {}
    if node.get("type") == "snmp_get":
        return [data.get("credential_id")], [data.get("host")]
    if node.get("type") != "scan":
        return None
    options = data.get("options") or {}
    if not isinstance(options, dict):
        return [options], [data.get("targets")]
    targets = data.get("targets")
    addresses = targets if isinstance(targets, list) else [targets]
    listed = options.get("snmp_credential_ids")
    refs = [
        options.get("ssh_credential_id"),
        *(listed if isinstance(listed, list) else [listed]),
    ]
    return refs, addresses


def _vault_problem(node: GraphNode) -> str | None:
    """A vault credential goes where the author said, never where a trigger says.

    So a node using one names the credential and its address literally (a
    templated `options` object could carry credential ids).
    """
    found = _vault_use(node.model_dump())
    if found is None:
        return None
    refs, addresses = found
    if all(r is None for r in refs):
        return None
    if any(is_template(r) for r in refs) or any(is_template(a) for a in addresses):
        return "a node using a vault credential names it and its address literally"
    return None


def _credential_nodes(nodes: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(id, type, data) of the nodes that name a vault credential."""
    named = []
    for node in nodes:
        found = _vault_use(node)
        if found is not None and any(r is not None for r in found[0]):
            named.append((node.get("id"), node.get("type"), node.get("data")))
    return named


def new_credential_uses(
    before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
) -> bool:
    """Whether `after` adds or changes a node that uses a vault credential.

    Such a node sends the credential to an address its author names, which
    needs `credentials.credential.use`; saving it unchanged does not.
    """
    kept = _credential_nodes(before)
    return any(use not in kept for use in _credential_nodes(after))
