"""Mutations of the pipelines domain."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from app.credentials.service import SECRET_READ_PERMISSION
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission, holds
from app.graphql.types import Error, error_from
from app.pipelines import service
from app.pipelines.errors import (
    InvalidDefinitionError,
    PipelineDisabledError,
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


def _failure(exc: Exception) -> Error | None:
    """The member naming `exc`'s condition; a missing pipeline is the one the
    `id` argument names."""
    if isinstance(exc, ValidationError):
        return invalid_input(exc)
    if isinstance(exc, InvalidDefinitionError):
        return error_from(InvalidPipelineInput, exc)
    if isinstance(exc, NotFoundError):
        member = error_from(PipelineNotFound, exc)
        member.field = member.field or "id"
        return member
    if isinstance(exc, PipelineDisabledError):
        return PipelineDisabled(message=exc.message, field="id")
    return None


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
        async with expected(
            InvalidPipelineInput, via=_failure, db=info.context.db
        ) as out:
            data = PipelineInput.model_validate(strawberry.asdict(input))
            created = await service.create_pipeline(
                out.session, data, info.context.settings
            )
        return out.error or PipelineSuccess(pipeline=Pipeline.from_model(created))

    @strawberry.mutation(
        description="Change a pipeline's name, definition or enabled flag.",
        permission_classes=[HasPermission("pipelines.pipeline.update")],
    )
    async def update_pipeline(
        self, info: Info, id: strawberry.ID, input: UpdatePipelineInput
    ) -> PipelinePayload:
        changes = {k: v for k, v in strawberry.asdict(input).items() if v is not None}
        async with expected(
            InvalidPipelineInput, PipelineNotFound, via=_failure, db=info.context.db
        ) as out:
            key = key_of(id, Pipeline, field="id")
            data = PipelinePatch.model_validate(changes)
            changed = await service.update_pipeline(
                out.session,
                key,
                data,
                info.context.settings,
                may_read_secrets=holds(info, SECRET_READ_PERMISSION),
            )
        return out.error or PipelineSuccess(pipeline=Pipeline.from_model(changed))

    @strawberry.mutation(
        description="Delete a pipeline and its executions.",
        permission_classes=[HasPermission("pipelines.pipeline.delete")],
    )
    async def delete_pipeline(
        self, info: Info, id: strawberry.ID
    ) -> DeletePipelinePayload:
        async with expected(PipelineNotFound, via=_failure, db=info.context.db) as out:
            key = key_of(id, Pipeline, field="id")
            await service.delete_pipeline(out.session, key)
        return out.error or DeletePipelineSuccess(deleted_id=global_id(Pipeline, key))

    @strawberry.mutation(
        description="Start a pipeline by hand, with an optional event "
        "({event_type, workspace_id, payload}); steps run in the worker.",
        permission_classes=[HasPermission("pipelines.pipeline.trigger")],
    )
    async def trigger_pipeline(
        self, info: Info, id: strawberry.ID, event: JSON | None = None
    ) -> TriggerPipelinePayload:
        async with expected(
            InvalidPipelineInput,
            PipelineNotFound,
            PipelineDisabled,
            via=_failure,
            db=info.context.db,
        ) as out:
            key = key_of(id, Pipeline, field="id")
            checked = None if event is None else TriggerEvent.model_validate(event)
            started = await service.trigger(out.session, key, checked)
        return out.error or TriggerPipelineSuccess(
            execution=PipelineExecution.from_model(started)
        )
