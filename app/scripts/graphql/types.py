"""GraphQL types of the scripts domain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.graphql.nodes import Entity
from app.graphql.types import Error
from app.scripts import models

if TYPE_CHECKING:
    from app.executions.graphql.types import Execution

ExecutionRef = Annotated["Execution", strawberry.lazy("app.executions.graphql.types")]


@strawberry.type(description="A stored shell script, run with its own shebang.")
class Script(Entity):
    table = models.Script
    permission = "scripts.script.view"

    number: int = strawberry.field(description="Row id, as biRun's REST routes use.")
    name: str = strawberry.field(description="Display name.")
    content: str = strawberry.field(description="The script body.")
    description: str | None = strawberry.field(description="What the script does.")
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @classmethod
    def from_model(cls, s: models.Script) -> Script:
        return cls(
            number=s.id,
            name=s.name,
            content=s.content,
            description=s.description,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


@strawberry.type(description="The mutation created or changed a script.")
class ScriptSuccess:
    script: Script = strawberry.field(description="The script.")


@strawberry.type(description="The script was queued on its servers.")
class RunScriptSuccess:
    execution: ExecutionRef = strawberry.field(
        description="The pending execution (follow it with executionEvents)."
    )


@strawberry.type(description="No script has this id.")
class ScriptNotFound(Error):
    pass


@strawberry.type(
    description="The script or run breaks a rule (name, content, targets, timeout)."
)
class InvalidScriptInput(Error):
    pass
