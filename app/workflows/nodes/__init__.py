"""The node types a workflow may use, each with its config model and runner."""

from __future__ import annotations

from app.workflows.nodes.base import NodeFailedError, NodeType, RunContext
from app.workflows.nodes.registry import NODE_TYPES, node_type

__all__ = ["NODE_TYPES", "NodeFailedError", "NodeType", "RunContext", "node_type"]
