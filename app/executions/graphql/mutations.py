"""Mutations of the executions domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.devices.errors import DeviceNotFoundError
from app.devices.graphql.types import Device, DeviceNotFound
from app.errors import NotFoundError
from app.executions import service
from app.executions.errors import (
    ExecutionFinishedError,
    InvalidExecutionError,
)
from app.executions.graphql.types import (
    CancelExecutionSuccess,
    Execution,
    ExecutionAlreadyFinished,
    ExecutionNotFound,
    InvalidExecution,
    RunCommandSuccess,
)
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import key_of, keys_of
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from

RunCommandPayload = Annotated[
    RunCommandSuccess | InvalidExecution | DeviceNotFound,
    strawberry.union("RunCommandPayload"),
]
CancelExecutionPayload = Annotated[
    CancelExecutionSuccess | ExecutionNotFound | ExecutionAlreadyFinished,
    strawberry.union("CancelExecutionPayload"),
]


def _run_failure(exc: Exception) -> Error | None:
    if isinstance(exc, InvalidExecutionError):
        return error_from(InvalidExecution, exc)
    if isinstance(exc, DeviceNotFoundError):
        exc.details.setdefault("field", "deviceIds")
    if isinstance(exc, NotFoundError):
        return error_from(DeviceNotFound, exc)
    return None


def _cancel_failure(exc: Exception) -> Error | None:
    if isinstance(exc, NotFoundError):
        exc.details.setdefault("field", "id")
        return error_from(ExecutionNotFound, exc)
    if isinstance(exc, ExecutionFinishedError):
        return error_from(ExecutionAlreadyFinished, exc)
    return None


@strawberry.type
class ExecutionsMutation:
    @strawberry.mutation(
        description="Run a shell command on devices; returns the pending execution.",
        permission_classes=[HasPermission("executions.execution.create")],
    )
    async def run_command(
        self,
        info: Info,
        device_ids: list[strawberry.ID],
        command: str,
        timeout: int = 60,  # noqa: ASYNC109  the per-host limit, stored
    ) -> RunCommandPayload:
        principal = info.context.principal
        async with expected(
            InvalidExecution, DeviceNotFound, via=_run_failure, db=info.context.db
        ) as out:
            keys = keys_of(device_ids, Device, field="deviceIds")
            row = await service.submit_command(
                out.session,
                keys,
                command,
                host_timeout=timeout,
                created_by=principal.user_id if principal else None,
            )
        return out.error or RunCommandSuccess(execution=Execution.from_model(row))

    @strawberry.mutation(
        description="Cancel a pending or running execution; SSH channels close "
        "within a second.",
        permission_classes=[HasPermission("executions.execution.cancel")],
    )
    async def cancel_execution(
        self, info: Info, id: strawberry.ID
    ) -> CancelExecutionPayload:
        async with expected(
            ExecutionNotFound,
            ExecutionAlreadyFinished,
            via=_cancel_failure,
            db=info.context.db,
        ) as out:
            key = key_of(id, Execution, field="id")
            row = await service.cancel(out.session, await service.get(out.session, key))
        return out.error or CancelExecutionSuccess(execution=Execution.from_model(row))
