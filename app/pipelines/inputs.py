"""Validated shapes of pipeline definitions, step configurations and requests."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.pipelines.errors import InvalidDefinitionError

# The spec's event types; any other OpsGraph domain event type
# (`execution.completed`, `device.status.changed`, ...) may trigger too.
DOCUMENTED_EVENTS = (
    "schema.changed",
    "scenario.published",
    "drift.threshold_exceeded",
    "promotion.completed",
    "workspace.created",
    "persona.published",
    "config.changed",
)
EVENT_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
StepType = Literal["regenerate_sdk", "auto_promote", "notify", "create_pr"]
STATUSES = ("started", "running", "completed", "failed", "cancelled")


class Trigger(BaseModel):
    """An event type (and payload filters) that starts the pipeline."""

    event: str = Field(pattern=EVENT_PATTERN, max_length=100)
    filters: dict[str, Any] = Field(default_factory=dict)


class Step(BaseModel):
    """One step: its type, configuration, and what a failure does."""

    name: str = Field(min_length=1, max_length=200)
    step_type: StepType
    config: dict[str, Any] = Field(default_factory=dict)
    continue_on_error: bool = False
    timeout: float | None = Field(default=None, gt=0, le=3600)


class Definition(BaseModel):
    """A pipeline definition as documented (unknown keys are kept)."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    description: str | None = None
    enabled: bool = True
    triggers: list[Trigger] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)


class PipelineInput(BaseModel):
    """POST /pipelines."""

    name: str = Field(min_length=1, max_length=200)
    definition: Definition
    workspace_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None


class PipelinePatch(BaseModel):
    """PATCH /pipelines/{id}: omitted fields stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: Definition | None = None
    enabled: bool | None = None


class TriggerEvent(BaseModel):
    """The event a pipeline run was started by."""

    event_type: str = Field(pattern=EVENT_PATTERN, max_length=100)
    workspace_id: uuid.UUID | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class TriggerInput(BaseModel):
    """POST /pipelines/{id}/trigger (the body is optional)."""

    event: TriggerEvent | None = None


class SlackNotify(BaseModel):
    type: Literal["slack"]
    slack_webhook_url: str = Field(min_length=1)
    channels: list[str] = Field(default_factory=list)
    message: str
    subject: str = ""


class Smtp(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    sender: str = Field(alias="from", min_length=3)
    security: Literal["starttls", "tls", "none"] | None = None


class EmailNotify(BaseModel):
    type: Literal["email"]
    smtp: Smtp
    to: list[str] = Field(min_length=1)
    subject: str = "Pipeline Notification"
    message: str


class WebhookNotify(BaseModel):
    type: Literal["webhook"]
    webhook_url: str = Field(min_length=1)
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    message: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)
    subject: str = ""


class NotifyConfig(BaseModel):
    """`notify`: one of slack, email, webhook."""

    channel: SlackNotify | EmailNotify | WebhookNotify = Field(discriminator="type")


class RegenerateSdkConfig(BaseModel):
    """`regenerate_sdk` (the mock-server options are accepted and recorded)."""

    model_config = ConfigDict(extra="allow")

    spec_path: str = Field(min_length=1)
    output_dir: str = "./generated-sdks"
    languages: list[str] = Field(min_length=1)
    port: int = Field(default=3000, ge=1, le=65535)


class AutoPromoteConfig(BaseModel):
    """`auto_promote`."""

    entity_type: str = Field(min_length=1, max_length=100)
    entity_id: str = Field(min_length=1, max_length=200)
    from_environment: str = Field(min_length=1, max_length=100)
    to_environment: str = Field(min_length=1, max_length=100)
    comments: str | None = None


class PrFile(BaseModel):
    path: str = Field(min_length=1)
    content: str = ""
    operation: Literal["create", "update", "delete"] = "create"


class CreatePrConfig(BaseModel):
    """`create_pr`: a pull request on a GitHub-API-compatible server."""

    repository: str = Field(min_length=1)
    branch: str = Field(default="main", min_length=1)
    head_branch: str | None = None
    title: str = Field(min_length=1)
    body: str = ""
    files: list[PrFile] = Field(min_length=1)


CONFIGS: dict[str, type[BaseModel]] = {
    "regenerate_sdk": RegenerateSdkConfig,
    "auto_promote": AutoPromoteConfig,
    "create_pr": CreatePrConfig,
}


def parse_config(step_type: str, config: dict[str, Any], where: str) -> BaseModel:
    """The checked configuration of a step; raises InvalidDefinitionError."""
    try:
        if step_type == "notify":
            return NotifyConfig.model_validate({"channel": config})
        return CONFIGS[step_type].model_validate(config)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        loc = [str(p) for p in first["loc"]]
        if step_type == "notify":
            loc = loc[2:]  # ("channel", <discriminator value>, ...)
        field = ".".join([where, *loc])
        raise InvalidDefinitionError(
            f"{field}: {first['msg']}", details={"field": field}
        ) from exc


def check_steps(definition: Definition) -> None:
    """Validate every step's configuration against its step type."""
    names: set[str] = set()
    for index, step in enumerate(definition.steps):
        where = f"definition.steps.{index}"
        if step.name in names:
            raise InvalidDefinitionError(
                f"{where}.name: duplicate step name '{step.name}'",
                details={"field": f"{where}.name"},
            )
        names.add(step.name)
        parse_config(step.step_type, step.config, f"{where}.config")
