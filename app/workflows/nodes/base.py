"""What every node type shares: its declaration and the context it runs in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from app.db import Sessionmaker
from app.settings import Settings


class NodeFailedError(Exception):
    """Raised by a runner when its node fails; `output` is kept in the record."""

    def __init__(self, message: str, output: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.output = output or {}


@dataclass
class RunContext:
    """What a running node may read and change.

    `variables` is the execution's shared variable map; `scope` is what
    templates and condition expressions see (vars, trigger, nodes).
    """

    db: Sessionmaker
    settings: Settings
    execution_id: str
    node_id: str
    test_mode: bool
    variables: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)


Runner = Callable[[Any, RunContext], Awaitable[dict[str, Any]]]
Preview = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class NodeType:
    """A node type: config model, runner, and whether it reaches hosts.

    `preview` shows a rendered config in a dry run with its secrets hidden.
    """

    name: str
    config: type[BaseModel]
    run: Runner | None = None
    touches_hosts: bool = False
    preview: Preview | None = None

    def would_run(self, config: BaseModel) -> dict[str, Any]:
        """What a test-mode run reports instead of touching hosts."""
        shown = self.preview(config) if self.preview else config.model_dump(mode="json")
        return {"type": self.name, **shown}
