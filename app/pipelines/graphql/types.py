"""GraphQL types of the pipelines domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from app.graphql.context import Info
from app.graphql.nodes import Entity, global_id, row_loader
from app.graphql.permissions import holds
from app.graphql.types import Error
from app.pipelines import models, service


class UuidEntity(Entity):
    """An entity keyed by a UUID, shown as `uuid`."""

    key_field = "uuid"

    @classmethod
    def parse_key(cls, raw: str) -> Any | None:
        try:
            return UUID(raw) if len(raw) <= 64 else None
        except ValueError:
            return None


@strawberry.type(
    description="A pipeline: the events that trigger it, the steps it runs."
)
class Pipeline(UuidEntity):
    model = models.Pipeline
    permission = "pipelines.pipeline.view"

    uuid: str = strawberry.field(description="Pipeline id, as REST uses.")
    name: str = strawberry.field(description="Name.")
    definition: JSON = strawberry.field(
        description="Definition: description, enabled, triggers, steps."
    )
    enabled: bool = strawberry.field(description="Disabled pipelines do not run.")
    workspace_id: UUID | None = strawberry.field(description="Workspace scope.")
    org_id: UUID | None = strawberry.field(description="Organization.")
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @classmethod
    def from_model(cls, p: models.Pipeline) -> Pipeline:
        return cls(
            uuid=str(p.id),
            name=p.name,
            definition=service.public_definition(p),
            enabled=p.enabled,
            workspace_id=p.workspace_id,
            org_id=p.org_id,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@strawberry.type(description="One run of a pipeline with its per-step log.")
class PipelineExecution(UuidEntity):
    model = models.PipelineExecution
    permission = "pipelines.execution.view"

    uuid: str = strawberry.field(description="Execution id, as REST uses.")
    trigger_event: JSON | None = strawberry.field(
        description="The event that started it (null for a bare manual trigger)."
    )
    status: str = strawberry.field(
        description="started, running, completed, failed or cancelled."
    )
    started_at: datetime = strawberry.field(description="When it was triggered.")
    completed_at: datetime | None = strawberry.field(description="When it ended.")
    error_message: str | None = strawberry.field(description="Why it failed.")
    execution_log: JSON = strawberry.field(
        description="One entry per step run: status, times, output, error."
    )
    pipeline_key: strawberry.Private[UUID]

    @strawberry.field(description="The pipeline run (null if not visible).")
    async def pipeline(self, info: Info) -> Pipeline | None:
        if not holds(info, "pipelines.pipeline.view"):
            return None
        row = await row_loader(info, Pipeline).load(self.pipeline_key)
        return Pipeline.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, e: models.PipelineExecution) -> PipelineExecution:
        return cls(
            uuid=str(e.id),
            pipeline_key=e.pipeline_id,
            trigger_event=e.trigger_event,
            status=e.status,
            started_at=e.started_at,
            completed_at=e.completed_at,
            error_message=e.error_message,
            execution_log=e.execution_log or [],
        )


@strawberry.type(description="Execution counts and durations of one pipeline.")
class PipelineStats:
    pipeline_id: strawberry.ID = strawberry.field(
        description="The pipeline's global id."
    )
    total_executions: int = strawberry.field(description="Every execution.")
    successful_executions: int = strawberry.field(description="Completed ones.")
    failed_executions: int = strawberry.field(description="Failed ones.")
    last_execution_at: datetime | None = strawberry.field(
        description="Start of the newest execution."
    )
    average_duration_ms: int | None = strawberry.field(
        description="Mean duration of completed executions."
    )

    @classmethod
    def from_stats(cls, pipeline_id: UUID, found: dict[str, Any]) -> PipelineStats:
        average = found["average_seconds"]
        return cls(
            pipeline_id=global_id(Pipeline, pipeline_id),
            total_executions=found["total"],
            successful_executions=found["completed"],
            failed_executions=found["failed"],
            last_execution_at=found["last"],
            average_duration_ms=None if average is None else round(average * 1000),
        )


@strawberry.type(description="No pipeline or pipeline execution has this id.")
class PipelineNotFound(Error):
    pass


@strawberry.type(description="The pipeline is disabled and cannot be triggered.")
class PipelineDisabled(Error):
    pass


@strawberry.type(description="The input breaks a pipeline rule.")
class InvalidPipelineInput(Error):
    pass


@strawberry.type(description="The pipeline as stored.")
class PipelineSuccess:
    pipeline: Pipeline = strawberry.field(description="The pipeline.")


@strawberry.type(description="The pipeline was deleted.")
class DeletePipelineSuccess:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted pipeline."
    )


@strawberry.type(description="The execution started; its steps run in the worker.")
class TriggerPipelineSuccess:
    execution: PipelineExecution = strawberry.field(description="The execution.")


def invalid_input(exc: ValidationError) -> InvalidPipelineInput:
    """The first problem of a pydantic validation error."""
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"])
    return InvalidPipelineInput(message=f"{field}: {first['msg']}", field=field)
