"""Mutations of the pipelines domain."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from app.credentials.service import SECRET_READ_PERMISSION
from app.db import unit_of_work
from app.errors import DomainError, NotFoundError
from app.graphql.context import Info
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission, holds
from app.graphql.types import error_from
from app.pipelines import service
from app.pipelines.errors import (
    InvalidDefinitionError,
    PipelineDisabledError,
    PipelineNotFoundError,
)
from app.pipelines.graphql.types import (
    DeletePipelineSuccess,
    InvalidPipelineInput,
    Pipeline,
    PipelineDisabled,
    PipelineExecution,
    PipelineNotFound,
    PipelineSuccess,
    TriggerPipelineSuccess,
    invalid_input,
)
from app.pipelines.inputs import PipelineInput, PipelinePatch, TriggerEvent

PipelinePayload = Annotated[
    PipelineSuccess | PipelineNotFound | InvalidPipelineInput,
    strawberry.union("PipelinePayload"),
]
DeletePipelinePayload = Annotated[
    DeletePipelineSuccess | PipelineNotFound, strawberry.union("DeletePipelinePayload")
]
TriggerPipelinePayload = Annotated[
    TriggerPipelineSuccess | PipelineNotFound | PipelineDisabled | InvalidPipelineInput,
    strawberry.union("TriggerPipelinePayload"),
]


def _invalid(exc: InvalidDefinitionError) -> InvalidPipelineInput:
    return error_from(InvalidPipelineInput, exc)


def _not_found(exc: DomainError) -> PipelineNotFound:
    """The not-found member of a mutation's `id`."""
    member = error_from(PipelineNotFound, exc)
    member.field = member.field or "id"
    return member


@strawberry.input(description="A new pipeline.")
class CreatePipelineInput:
    name: str = strawberry.field(description="Name.")
    definition: JSON = strawberry.field(
        description="Definition: description, enabled, triggers, steps."
    )
    workspace_id: uuid.UUID | None = strawberry.field(
        default=None, description="Workspace scope."
    )
    org_id: uuid.UUID | None = strawberry.field(
        default=None, description="Organization."
    )


@strawberry.input(description="Changes to a pipeline; omitted fields stay.")
class UpdatePipelineInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    definition: JSON | None = strawberry.field(
        default=None, description="New definition."
    )
    enabled: bool | None = strawberry.field(default=None, description="On or off.")


@strawberry.type
class PipelinesMutation:
    @strawberry.mutation(
        description="Create a pipeline.",
        permission_classes=[HasPermission("pipelines.pipeline.create")],
    )
    async def create_pipeline(
        self, info: Info, input: CreatePipelineInput
    ) -> PipelinePayload:
        try:
            data = PipelineInput.model_validate(strawberry.asdict(input))
            async with unit_of_work(info.context.db) as session:
                created = await service.create_pipeline(
                    session, data, info.context.settings
                )
        except ValidationError as exc:
            return invalid_input(exc)
        except InvalidDefinitionError as exc:
            return _invalid(exc)
        return PipelineSuccess(pipeline=Pipeline.from_model(created))

    @strawberry.mutation(
        description="Change a pipeline's name, definition or enabled flag.",
        permission_classes=[HasPermission("pipelines.pipeline.update")],
    )
    async def update_pipeline(
        self, info: Info, id: strawberry.ID, input: UpdatePipelineInput
    ) -> PipelinePayload:
        changes = {k: v for k, v in strawberry.asdict(input).items() if v is not None}
        try:
            key = key_of(id, Pipeline, field="id")
            data = PipelinePatch.model_validate(changes)
            async with unit_of_work(info.context.db) as session:
                changed = await service.update_pipeline(
                    session,
                    key,
                    data,
                    info.context.settings,
                    may_read_secrets=holds(info, SECRET_READ_PERMISSION),
                )
        except ValidationError as exc:
            return invalid_input(exc)
        except InvalidDefinitionError as exc:
            return _invalid(exc)
        except (PipelineNotFoundError, NotFoundError) as exc:
            return _not_found(exc)
        return PipelineSuccess(pipeline=Pipeline.from_model(changed))

    @strawberry.mutation(
        description="Delete a pipeline and its executions.",
        permission_classes=[HasPermission("pipelines.pipeline.delete")],
    )
    async def delete_pipeline(
        self, info: Info, id: strawberry.ID
    ) -> DeletePipelinePayload:
        try:
            key = key_of(id, Pipeline, field="id")
            async with unit_of_work(info.context.db) as session:
                await service.delete_pipeline(session, key)
        except (PipelineNotFoundError, NotFoundError) as exc:
            return _not_found(exc)
        return DeletePipelineSuccess(deleted_id=global_id(Pipeline, key))

    @strawberry.mutation(
        description="Start a pipeline by hand, with an optional event "
        "({event_type, workspace_id, payload}); steps run in the worker.",
        permission_classes=[HasPermission("pipelines.pipeline.trigger")],
    )
    async def trigger_pipeline(
        self, info: Info, id: strawberry.ID, event: JSON | None = None
    ) -> TriggerPipelinePayload:
        try:
            key = key_of(id, Pipeline, field="id")
            checked = None if event is None else TriggerEvent.model_validate(event)
            async with unit_of_work(info.context.db) as session:
                started = await service.trigger(session, key, checked)
        except ValidationError as exc:
            return invalid_input(exc)
        except (PipelineNotFoundError, NotFoundError) as exc:
            return _not_found(exc)
        except PipelineDisabledError as exc:
            return PipelineDisabled(message=exc.message, field="id")
        return TriggerPipelineSuccess(execution=PipelineExecution.from_model(started))
