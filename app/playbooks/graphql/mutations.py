"""Mutations of the step playbooks domain: CRUD and execution on devices."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.devices.errors import DeviceNotFoundError
from app.devices.graphql.types import Deleted, Device, DeviceNotFound
from app.errors import DomainError, InvalidError, NotFoundError
from app.executions.errors import InvalidExecutionError
from app.executions.graphql.types import Execution
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, keys_of
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from
from app.playbooks import service
from app.playbooks.errors import (
    PlaybookInactiveError,
    PlaybookNameTakenError,
    PlaybookNotFoundError,
)
from app.playbooks.graphql.inputs import (
    CreateStepPlaybookInput,
    UpdateStepPlaybookInput,
)
from app.playbooks.graphql.types import (
    ExecuteStepPlaybookSuccess,
    InvalidStepPlaybookInput,
    StepPlaybook,
    StepPlaybookInactive,
    StepPlaybookNameTaken,
    StepPlaybookNotFound,
    StepPlaybookSuccess,
)

StepPlaybookPayload = Annotated[
    StepPlaybookSuccess
    | StepPlaybookNotFound
    | StepPlaybookNameTaken
    | InvalidStepPlaybookInput,
    strawberry.union("StepPlaybookPayload"),
]
DeleteStepPlaybookPayload = Annotated[
    Deleted | StepPlaybookNotFound, strawberry.union("DeleteStepPlaybookPayload")
]
ExecuteStepPlaybookPayload = Annotated[
    ExecuteStepPlaybookSuccess
    | StepPlaybookNotFound
    | StepPlaybookInactive
    | DeviceNotFound
    | InvalidStepPlaybookInput,
    strawberry.union("ExecuteStepPlaybookPayload"),
]

# Each domain error's member and the input field it names when it names none;
# the first match wins, so subclasses come before their bases.
_MEMBERS: tuple[tuple[type[DomainError], type[Error], str | None], ...] = (
    (PlaybookNotFoundError, StepPlaybookNotFound, "id"),
    (DeviceNotFoundError, DeviceNotFound, "deviceIds"),
    (PlaybookNameTakenError, StepPlaybookNameTaken, "name"),
    (PlaybookInactiveError, StepPlaybookInactive, "id"),
    (InvalidExecutionError, InvalidStepPlaybookInput, "timeout"),
    (InvalidError, InvalidStepPlaybookInput, None),
)
SAVE_ERRORS = (StepPlaybookNotFound, StepPlaybookNameTaken, InvalidStepPlaybookInput)
EXECUTE_ERRORS = (
    StepPlaybookNotFound,
    StepPlaybookInactive,
    DeviceNotFound,
    InvalidStepPlaybookInput,
)


def failure(exc: Exception) -> Error | None:
    """The union member naming `exc`'s condition and the input field at fault."""
    for kind, member, field in _MEMBERS:
        if isinstance(exc, kind):
            found = error_from(member, exc)
            found.field = found.field or field
            return found
    if isinstance(exc, NotFoundError):  # a global id naming no such object
        named = exc.details.get("field")
        return error_from(
            DeviceNotFound if named == "deviceIds" else StepPlaybookNotFound, exc
        )
    return None


@strawberry.type
class StepPlaybooksMutation:
    @strawberry.mutation(
        description="Store a new OPMAS step playbook.",
        permission_classes=[HasPermission("playbooks.playbook.create")],
    )
    async def create_step_playbook(
        self, info: Info, input: CreateStepPlaybookInput
    ) -> StepPlaybookPayload:
        async with expected(*SAVE_ERRORS, via=failure, db=info.context.db) as out:
            playbook = await service.create(out.session, input.data())
        return out.error or StepPlaybookSuccess(
            playbook=StepPlaybook.from_model(playbook)
        )

    @strawberry.mutation(
        description="Change a step playbook's fields (isActive switches it).",
        permission_classes=[HasPermission("playbooks.playbook.update")],
    )
    async def update_step_playbook(
        self, info: Info, id: strawberry.ID, input: UpdateStepPlaybookInput
    ) -> StepPlaybookPayload:
        async with expected(*SAVE_ERRORS, via=failure, db=info.context.db) as out:
            key = key_of(id, StepPlaybook, field="id")
            playbook = await service.update(out.session, key, input.data())
        return out.error or StepPlaybookSuccess(
            playbook=StepPlaybook.from_model(playbook)
        )

    @strawberry.mutation(
        description="Remove a step playbook (its executions keep their history).",
        permission_classes=[HasPermission("playbooks.playbook.delete")],
    )
    async def delete_step_playbook(
        self, info: Info, id: strawberry.ID
    ) -> DeleteStepPlaybookPayload:
        async with expected(
            StepPlaybookNotFound, via=failure, db=info.context.db
        ) as out:
            key = key_of(id, StepPlaybook, field="id")
            await service.delete(out.session, key)
        return out.error or Deleted(deleted_id=global_id(StepPlaybook, key))

    @strawberry.mutation(
        description="Execute a step playbook on devices; returns the pending "
        "execution, the same one OPMAS's REST route creates.",
        permission_classes=[HasPermission("playbooks.playbook.execute")],
    )
    async def execute_step_playbook(
        self,
        info: Info,
        id: strawberry.ID,
        device_ids: list[strawberry.ID] | None = None,
        timeout: int = 60,  # noqa: ASYNC109  the per-host limit, stored
    ) -> ExecuteStepPlaybookPayload:
        principal = info.context.principal
        async with expected(*EXECUTE_ERRORS, via=failure, db=info.context.db) as out:
            key = key_of(id, StepPlaybook, field="id")
            devices = keys_of(device_ids or [], Device, field="deviceIds")
            row = await service.execute(
                out.session,
                key,
                devices,
                host_timeout=timeout,
                created_by=principal.user_id if principal else None,
            )
        return out.error or ExecuteStepPlaybookSuccess(
            execution=Execution.from_model(row)
        )
