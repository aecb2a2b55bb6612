"""Input objects of the step playbooks domain, as the service's field dicts."""

from __future__ import annotations

from typing import Any

import strawberry

from app.playbooks.graphql.types import StepType


@strawberry.input(description="One step of a step playbook.")
class PlaybookStepInput:
    type: StepType = strawberry.field(description="command, script or wait.")
    action: str = strawberry.field(
        description="The command, the script body, or the seconds to wait (0-3600)."
    )


def _steps(steps: list[PlaybookStepInput]) -> list[dict[str, str]]:
    return [{"type": s.type.value, "action": s.action} for s in steps]


@strawberry.input(description="A new step playbook.")
class CreateStepPlaybookInput:
    name: str = strawberry.field(
        description="Unique; letters, digits and inner dashes, 2 to 63 characters."
    )
    steps: list[PlaybookStepInput] = strawberry.field(
        description="At least one step, in order."
    )
    description: str | None = strawberry.field(
        default=None, description="What it is for."
    )
    version: str = strawberry.field(
        default="1.0.0", description="Semantic version (major.minor.patch)."
    )
    is_active: bool = strawberry.field(
        default=True, description="Whether it may be executed."
    )

    def data(self) -> dict[str, Any]:
        """The service's field dict."""
        return {
            "name": self.name,
            "steps": _steps(self.steps),
            "description": self.description,
            "version": self.version,
            "is_active": self.is_active,
        }


@strawberry.input(description="A step playbook's fields to change; omitted ones stay.")
class UpdateStepPlaybookInput:
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Name.")
    steps: list[PlaybookStepInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The new steps (replace all)."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="What it is for (null clears it)."
    )
    version: str | None = strawberry.field(
        default=strawberry.UNSET, description="Semantic version."
    )
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether it may be executed."
    )

    def data(self) -> dict[str, Any]:
        """The given fields, as the service's field dict (nulls are checked
        there: only a description may be null)."""
        given = {k: v for k, v in vars(self).items() if v is not strawberry.UNSET}
        if given.get("steps") is not None:
            given["steps"] = _steps(given["steps"])
        return given
