"""GraphQL types of the step playbooks domain (OPMAS playbooks)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.graphql.nodes import Entity
from app.graphql.types import Error
from app.playbooks import models

if TYPE_CHECKING:
    from app.executions.graphql.types import Execution

ExecutionRef = Annotated["Execution", strawberry.lazy("app.executions.graphql.types")]


@strawberry.enum(description="What a playbook step does on each target.")
class StepType(Enum):
    COMMAND = "command"
    SCRIPT = "script"
    WAIT = "wait"


@strawberry.type(description="One step of a step playbook.")
class PlaybookStep:
    type: StepType = strawberry.field(description="command, script or wait.")
    action: str = strawberry.field(
        description="The command, the script body, or the seconds to wait."
    )

    @classmethod
    def from_stored(cls, step: dict[str, Any]) -> PlaybookStep:
        return cls(type=StepType(step["type"]), action=str(step["action"]))


@strawberry.type(
    description="An OPMAS playbook: named, versioned steps run on devices."
)
class StepPlaybook(Entity):
    table = models.Playbook
    permission = "playbooks.playbook.view"

    number: int = strawberry.field(description="Row id, as OPMAS's REST routes use.")
    name: str = strawberry.field(description="Unique name (letters, digits, -).")
    description: str | None = strawberry.field(description="What it is for.")
    steps: list[PlaybookStep] = strawberry.field(description="The steps, in order.")
    version: str = strawberry.field(description="Semantic version, e.g. 1.0.0.")
    is_active: bool = strawberry.field(description="Whether it may be executed.")
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @classmethod
    def from_model(cls, p: models.Playbook) -> StepPlaybook:
        return cls(
            number=p.id,
            name=p.name,
            description=p.description,
            steps=[PlaybookStep.from_stored(s) for s in p.steps],
            version=p.version,
            is_active=p.is_active,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@strawberry.type(description="The mutation created or changed a step playbook.")
class StepPlaybookSuccess:
    playbook: StepPlaybook = strawberry.field(description="The playbook.")


@strawberry.type(description="The playbook was queued on its devices.")
class ExecuteStepPlaybookSuccess:
    execution: ExecutionRef = strawberry.field(
        description="The pending execution (follow it with executionEvents)."
    )


@strawberry.type(description="No step playbook has this id.")
class StepPlaybookNotFound(Error):
    pass


@strawberry.type(description="Another step playbook already has this name.")
class StepPlaybookNameTaken(Error):
    pass


@strawberry.type(description="The playbook is switched off (isActive false).")
class StepPlaybookInactive(Error):
    pass


@strawberry.type(
    description="The playbook or run breaks a rule (name, version, steps, timeout)."
)
class InvalidStepPlaybookInput(Error):
    pass
