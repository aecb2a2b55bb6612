"""GraphQL types of the executions domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from app.devices.graphql.types import Device
from app.events import Event
from app.executions import models, service
from app.executions.repository import ExecutionFilter
from app.graphql.context import Info
from app.graphql.nodes import Entity, global_id, key_of
from app.graphql.pagination import OrderDirection
from app.graphql.types import Error
from app.playbooks.graphql.types import StepPlaybook
from app.scripts.graphql.types import Script


def _device_id(key: int | None) -> strawberry.ID | None:
    return None if key is None else global_id(Device, key)


@strawberry.type(description="The outcome of an execution on one host.")
class ExecutionHostResult:
    device_id: strawberry.ID | None = strawberry.field(
        description="The device's global id, if any."
    )
    host: str = strawberry.field(description="Host name as shown in output.")
    status: str = strawberry.field(description="pending, running, completed, ...")
    exit_code: int | None = strawberry.field(description="Remote exit status.")
    stdout: str = strawberry.field(description="The last lines of standard output.")
    stderr: str = strawberry.field(description="The last lines of standard error.")
    error: str | None = strawberry.field(description="Why the host failed, if it did.")
    started_at: datetime | None = strawberry.field(description="Start on this host.")
    completed_at: datetime | None = strawberry.field(description="End on this host.")

    @classmethod
    def from_model(cls, row: models.ExecutionHost) -> ExecutionHostResult:
        return cls(
            device_id=_device_id(row.device_id),
            host=row.host,
            status=row.status,
            exit_code=row.exit_code,
            stdout=row.stdout,
            stderr=row.stderr,
            error=row.error,
            started_at=row.started_at,
            completed_at=row.completed_at,
        )


def parse_uuid(raw: str) -> str | None:
    """`raw` as a canonical UUID string, or None when it is no UUID."""
    try:
        return str(uuid.UUID(raw))
    except (ValueError, TypeError, AttributeError):
        return None


@strawberry.type(description="One run of a playbook, script or command.")
class Execution(Entity):
    table = models.Execution
    permission = "executions.execution.view"
    key_field = "uuid"
    key_column = "uuid"

    uuid: str = strawberry.field(description="Public id (a UUID), as REST uses.")
    number: int = strawberry.field(description="Integer id (OPMAS execution id).")
    kind: str = strawberry.field(
        description="opmas_playbook, script, command or ansible."
    )
    status: str = strawberry.field(
        description="pending, running, completed, failed or cancelled."
    )
    playbook_id: strawberry.ID | None = strawberry.field(
        description="The OPMAS step playbook run (StepPlaybook global id)."
    )
    script_id: strawberry.ID | None = strawberry.field(
        description="The script run (Script global id)."
    )
    device_ids: list[strawberry.ID] = strawberry.field(
        description="Target devices (global ids)."
    )
    timeout: int = strawberry.field(description="Per-host timeout in seconds.")
    results: JSON | None = strawberry.field(
        description="Per-step and per-host summary."
    )
    error_message: str | None = strawberry.field(description="Why it failed.")
    hosts_total: int = strawberry.field(description="Number of target hosts.")
    hosts_done: int = strawberry.field(description="Hosts finished so far.")
    started_at: datetime | None = strawberry.field(description="When a worker began.")
    completed_at: datetime | None = strawberry.field(description="When it ended.")
    created_at: datetime = strawberry.field(description="When it was requested.")

    @strawberry.field(description="Per-host results, in creation order.")
    async def hosts(self, info: Info) -> list[ExecutionHostResult]:
        rows = await hosts_loader(info).load(self.number)
        return [ExecutionHostResult.from_model(h) for h in rows]

    @classmethod
    def parse_key(cls, raw: str) -> str | None:
        return parse_uuid(raw)

    @classmethod
    def from_model(cls, row: models.Execution) -> Execution:
        return cls(
            uuid=row.uuid,
            number=row.id,
            kind=row.kind,
            status=row.status,
            playbook_id=(
                global_id(StepPlaybook, row.playbook_id) if row.playbook_id else None
            ),
            script_id=global_id(Script, row.script_id) if row.script_id else None,
            device_ids=[global_id(Device, d) for d in row.device_ids],
            timeout=row.timeout,
            results=row.results,
            error_message=row.error_message,
            hosts_total=row.hosts_total,
            hosts_done=row.hosts_done,
            started_at=row.started_at,
            completed_at=row.completed_at,
            created_at=row.created_at,
        )


def hosts_loader(info: Info) -> DataLoader[int, list[models.ExecutionHost]]:
    """This request's loader of host rows by execution row id."""
    loaders = info.context.loaders
    if "executions:hosts" not in loaders:
        db = info.context.db

        async def load(keys: Sequence[int]) -> list[list[models.ExecutionHost]]:
            async with db() as session:
                found = await service.hosts_by_execution(session, list(keys))
            return [found[k] for k in keys]

        loaders["executions:hosts"] = DataLoader(load_fn=load)
    loader: DataLoader[int, list[models.ExecutionHost]] = loaders["executions:hosts"]
    return loader


@strawberry.enum(description="What executions can be sorted by.")
class ExecutionOrderField(Enum):
    NUMBER = "id"
    CREATED_AT = "created_at"
    STARTED_AT = "started_at"
    COMPLETED_AT = "completed_at"


@strawberry.input(description="How to sort executions (default: newest first).")
class ExecutionOrder:
    field: ExecutionOrderField = ExecutionOrderField.NUMBER
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input(description="Which executions to list; every given filter applies.")
class ExecutionFilterInput:
    kind: str | None = strawberry.field(default=None, description="Only this kind.")
    status: list[str] | None = strawberry.field(
        default=None, description="Only these statuses."
    )
    playbook_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only runs of this step playbook (global id)."
    )
    script_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only runs of this script (global id)."
    )
    device_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only runs on this device (global id)."
    )

    def to_filter(self) -> ExecutionFilter:
        """The service's filter; NotFoundError when `deviceId` names no device."""
        return ExecutionFilter(
            kind=self.kind,
            statuses=self.status,
            playbook_id=(
                key_of(self.playbook_id, StepPlaybook, field="playbookId")
                if self.playbook_id is not None
                else None
            ),
            script_id=(
                key_of(self.script_id, Script, field="scriptId")
                if self.script_id is not None
                else None
            ),
            device_id=(
                key_of(self.device_id, Device, field="deviceId")
                if self.device_id is not None
                else None
            ),
        )


@strawberry.type(description="One event of an execution's stream.")
class ExecutionEvent:
    seq: int = strawberry.field(
        description="Gap-free sequence number; resume after it."
    )
    type: str = strawberry.field(description="status, step, host, output or requeued.")
    data: JSON = strawberry.field(description="Event payload.")
    created_at: datetime = strawberry.field(description="When it was stored.")
    payload: str = strawberry.field(
        description="The whole event as JSON text, serialised once for all subscribers."
    )
    stream: strawberry.Private[str]

    def share_key(self) -> tuple[str, int]:
        """Stored events never change: one rendering per (stream, seq) serves all."""
        return (self.stream, self.seq)

    @classmethod
    def from_event(cls, event: Event) -> ExecutionEvent:
        return cls(
            stream=event.stream,
            seq=event.seq,
            type=event.type,
            data=event.data,
            created_at=event.created_at,
            payload=event.wire,
        )


@strawberry.type(description="How far an execution has got.")
class ExecutionProgress:
    execution_id: strawberry.ID = strawberry.field(
        description="The execution's global id."
    )
    status: str = strawberry.field(description="Its status.")
    hosts_done: int = strawberry.field(description="Hosts finished.")
    hosts_total: int = strawberry.field(description="Hosts targeted.")
    percent: float = strawberry.field(description="Hosts finished, in percent.")
    eta_seconds: float | None = strawberry.field(
        description="Linear estimate of the seconds left, once a host finished."
    )

    @classmethod
    def from_progress(cls, key: str, p: service.Progress) -> ExecutionProgress:
        return cls(
            execution_id=global_id(Execution, key),
            status=p.status,
            hosts_done=p.hosts_done,
            hosts_total=p.hosts_total,
            percent=p.percent,
            eta_seconds=p.eta_seconds,
        )


@strawberry.type(description="The execution was queued.")
class RunCommandSuccess:
    execution: Execution = strawberry.field(description="The pending execution.")


@strawberry.type(description="The execution was cancelled.")
class CancelExecutionSuccess:
    execution: Execution = strawberry.field(description="The cancelled execution.")


@strawberry.type(description="No execution has this id.")
class ExecutionNotFound(Error):
    pass


@strawberry.type(description="The execution already ended.")
class ExecutionAlreadyFinished(Error):
    pass


@strawberry.type(description="The request breaks a rule (empty command, timeout).")
class InvalidExecution(Error):
    pass
