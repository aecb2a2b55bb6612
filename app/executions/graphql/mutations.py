"""Mutations of the executions domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.db import unit_of_work
from app.devices.errors import DeviceNotFoundError
from app.devices.graphql.types import Device, DeviceNotFound
from app.errors import NotFoundError
from app.executions import service
from app.executions.errors import (
    ExecutionFinishedError,
    ExecutionNotFoundError,
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
from app.graphql.nodes import key_of, keys_of
from app.graphql.permissions import HasPermission
from app.graphql.types import error_from

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
        device_ids: list[strawberry.ID],
        command: str,
        timeout: int = 60,  # noqa: ASYNC109  the per-host limit, stored
    ) -> RunCommandPayload:
        principal = info.context.principal
        try:
            keys = keys_of(device_ids, Device, field="deviceIds")
            async with unit_of_work(info.context.db) as session:
                row = await service.submit_command(
                    session,
                    keys,
                    command,
                    host_timeout=timeout,
                    created_by=principal.user_id if principal else None,
                )
        except InvalidExecutionError as exc:
            return error_from(InvalidExecution, exc)
        except DeviceNotFoundError as exc:
            exc.details.setdefault("field", "deviceIds")
            return error_from(DeviceNotFound, exc)
        except NotFoundError as exc:
            return error_from(DeviceNotFound, exc)
        return RunCommandSuccess(execution=Execution.from_model(row))

    @strawberry.mutation(
        description="Cancel a pending or running execution; SSH channels close "
        "within a second.",
        permission_classes=[HasPermission("executions.execution.cancel")],
    )
    async def cancel_execution(
        self, info: Info, id: strawberry.ID
    ) -> CancelExecutionPayload:
        try:
            key = key_of(id, Execution, field="id")
            async with unit_of_work(info.context.db) as session:
                row = await service.cancel(session, await service.get(session, key))
        except (ExecutionNotFoundError, NotFoundError) as exc:
            exc.details.setdefault("field", "id")
            return error_from(ExecutionNotFound, exc)
        except ExecutionFinishedError as exc:
            return error_from(ExecutionAlreadyFinished, exc)
        return CancelExecutionSuccess(execution=Execution.from_model(row))
