"""Mutations of the scripts domain: CRUD and runs on devices or a group."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.devices.errors import DeviceNotFoundError, GroupNotFoundError
from app.devices.graphql.types import (
    Deleted,
    Device,
    DeviceGroup,
    DeviceGroupNotFound,
    DeviceNotFound,
)
from app.errors import DomainError, InvalidError, NotFoundError
from app.executions.errors import InvalidExecutionError
from app.executions.graphql.types import Execution
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, keys_of
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from
from app.scripts import service
from app.scripts.errors import ScriptNotFoundError
from app.scripts.graphql.types import (
    InvalidScriptInput,
    RunScriptSuccess,
    Script,
    ScriptNotFound,
    ScriptSuccess,
)

ScriptPayload = Annotated[
    ScriptSuccess | ScriptNotFound | InvalidScriptInput,
    strawberry.union("ScriptPayload"),
]
DeleteScriptPayload = Annotated[
    Deleted | ScriptNotFound, strawberry.union("DeleteScriptPayload")
]
RunScriptPayload = Annotated[
    RunScriptSuccess
    | ScriptNotFound
    | DeviceNotFound
    | DeviceGroupNotFound
    | InvalidScriptInput,
    strawberry.union("RunScriptPayload"),
]
RUN_ERRORS = (ScriptNotFound, DeviceNotFound, DeviceGroupNotFound, InvalidScriptInput)


@strawberry.input(description="A new script.")
class CreateScriptInput:
    name: str = strawberry.field(description="Display name (1 to 200 characters).")
    content: str = strawberry.field(description="The body, with its shebang.")
    description: str | None = strawberry.field(
        default=None, description="What the script does."
    )

    def data(self) -> service.ScriptInput:
        """The service's input."""
        return service.ScriptInput(self.name, self.content, self.description)


@strawberry.input(description="A script's fields to change; omitted ones stay.")
class UpdateScriptInput:
    name: str | None = strawberry.field(default=None, description="Display name.")
    content: str | None = strawberry.field(default=None, description="The body.")
    description: str | None = strawberry.field(
        default=None, description="What the script does."
    )

    def data(self) -> service.ScriptInput:
        """The service's input."""
        return service.ScriptInput(self.name, self.content, self.description)


# The input field each domain error names when the error itself names none.
_FIELD_OF: tuple[tuple[type[DomainError], str], ...] = (
    (DeviceNotFoundError, "deviceIds"),
    (GroupNotFoundError, "groupId"),
    (ScriptNotFoundError, "id"),
    (InvalidExecutionError, "timeout"),
)
_NOT_FOUND = {"deviceIds": DeviceNotFound, "groupId": DeviceGroupNotFound}


def failure(exc: Exception) -> Error | None:
    """The union member naming `exc`'s condition and the input field at fault."""
    if not isinstance(exc, NotFoundError | InvalidError):
        return None
    named = exc.details.get("field") or exc.details.get("argument")
    field = str(named) if named else None
    field = field or next((f for t, f in _FIELD_OF if isinstance(exc, t)), None)
    if isinstance(exc, NotFoundError):
        member = error_from(_NOT_FOUND.get(field or "", ScriptNotFound), exc)
    else:
        member = error_from(InvalidScriptInput, exc)
    member.field = field
    return member


def _targets(
    device_ids: list[strawberry.ID] | None, group_id: strawberry.ID | None
) -> tuple[list[int], int | None]:
    """The device and group keys of a run's global ids."""
    devices = keys_of(device_ids or [], Device, field="deviceIds")
    if group_id is None:
        return devices, None
    return devices, key_of(group_id, DeviceGroup, field="groupId")


@strawberry.type
class ScriptsMutation:
    @strawberry.mutation(
        description="Store a new script.",
        permission_classes=[HasPermission("scripts.script.create")],
    )
    async def create_script(
        self, info: Info, input: CreateScriptInput
    ) -> ScriptPayload:
        async with expected(
            ScriptNotFound, InvalidScriptInput, via=failure, db=info.context.db
        ) as out:
            script = await service.create(out.session, input.data())
        return out.error or ScriptSuccess(script=Script.from_model(script))

    @strawberry.mutation(
        description="Change a script's fields.",
        permission_classes=[HasPermission("scripts.script.update")],
    )
    async def update_script(
        self, info: Info, id: strawberry.ID, input: UpdateScriptInput
    ) -> ScriptPayload:
        async with expected(
            ScriptNotFound, InvalidScriptInput, via=failure, db=info.context.db
        ) as out:
            key = key_of(id, Script, field="id")
            script = await service.update(out.session, key, input.data())
        return out.error or ScriptSuccess(script=Script.from_model(script))

    @strawberry.mutation(
        description="Remove a script (its executions keep their history).",
        permission_classes=[HasPermission("scripts.script.delete")],
    )
    async def delete_script(self, info: Info, id: strawberry.ID) -> DeleteScriptPayload:
        async with expected(ScriptNotFound, via=failure, db=info.context.db) as out:
            key = key_of(id, Script, field="id")
            await service.delete(out.session, key)
        return out.error or Deleted(deleted_id=global_id(Script, key))

    @strawberry.mutation(
        description="Run a script on devices and a group's members; returns the "
        "pending execution, the same one biRun's REST route creates.",
        permission_classes=[HasPermission("scripts.script.execute")],
    )
    async def run_script(
        self,
        info: Info,
        id: strawberry.ID,
        device_ids: list[strawberry.ID] | None = None,
        group_id: strawberry.ID | None = None,
        timeout: int = 60,  # noqa: ASYNC109  the per-host limit, stored
    ) -> RunScriptPayload:
        principal = info.context.principal
        async with expected(*RUN_ERRORS, via=failure, db=info.context.db) as out:
            key = key_of(id, Script, field="id")
            devices, group = _targets(device_ids, group_id)
            row = await service.execute(
                out.session,
                key,
                devices,
                group_id=group,
                host_timeout=timeout,
                created_by=principal.user_id if principal else None,
            )
        return out.error or RunScriptSuccess(execution=Execution.from_model(row))
