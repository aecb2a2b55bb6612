"""Mutations of the executions domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.db import unit_of_work
from app.devices.errors import DeviceNotFoundError
from app.devices.graphql.types import DeviceNotFound
from app.executions import service
from app.executions.errors import (
    ExecutionFinishedError,
    ExecutionNotFoundError,
    InvalidExecutionError,
)
from app.executions.graphql.queries import execution_key
from app.executions.graphql.types import (
    CancelExecutionSuccess,
    Execution,
    ExecutionAlreadyFinished,
    ExecutionNotFound,
    InvalidExecution,
    RunCommandSuccess,
)
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

RunCommandPayload = Annotated[
    RunCommandSuccess | InvalidExecution | DeviceNotFound,
    strawberry.union("RunCommandPayload"),
]
CancelExecutionPayload = Annotated[
    CancelExecutionSuccess | ExecutionNotFound | ExecutionAlreadyFinished,
    strawberry.union("CancelExecutionPayload"),
]


@strawberry.type
class ExecutionsMutation:
    @strawberry.mutation(
        description="Run a shell command on devices; returns the pending execution.",
        permission_classes=[HasPermission("executions.execution.create")],
    )
    async def run_command(
        self,
        info: Info,
        device_ids: list[int],
        command: str,
        timeout: int = 60,  # noqa: ASYNC109  the per-host limit, stored
    ) -> RunCommandPayload:
        principal = info.context.principal
        try:
            async with unit_of_work(info.context.db) as session:
                row = await service.submit_command(
                    session,
                    device_ids,
                    command,
                    host_timeout=timeout,
                    created_by=principal.user_id if principal else None,
                )
                hosts = await service.hosts(session, row)
        except InvalidExecutionError as exc:
            return InvalidExecution(message=exc.message)
        except DeviceNotFoundError as exc:
            return _device_not_found(exc)
        return RunCommandSuccess(execution=Execution.from_model(row, hosts))

    @strawberry.mutation(
        description="Cancel a pending or running execution; SSH channels close "
        "within a second.",
        permission_classes=[HasPermission("executions.execution.cancel")],
    )
    async def cancel_execution(
        self, info: Info, id: strawberry.ID
    ) -> CancelExecutionPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                row = await service.get(session, execution_key(str(id)))
                row = await service.cancel(session, row)
                hosts = await service.hosts(session, row)
        except ExecutionNotFoundError as exc:
            return ExecutionNotFound(message=exc.message)
        except ExecutionFinishedError as exc:
            return ExecutionAlreadyFinished(message=exc.message)
        return CancelExecutionSuccess(execution=Execution.from_model(row, hosts))


def _device_not_found(exc: DeviceNotFoundError) -> DeviceNotFound:
    return DeviceNotFound(
        message=exc.message, device_id=strawberry.ID(str(exc.device_id))
    )
