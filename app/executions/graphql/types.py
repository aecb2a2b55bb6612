"""GraphQL types of the executions domain."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.events import Event
from app.executions import models, service
from app.executions.repository import ExecutionFilter
from app.graphql.types import Error


@strawberry.type(description="The outcome of an execution on one host.")
class ExecutionHostResult:
    device_id: int | None = strawberry.field(description="The device, if any.")
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
            device_id=row.device_id,
            host=row.host,
            status=row.status,
            exit_code=row.exit_code,
            stdout=row.stdout,
            stderr=row.stderr,
            error=row.error,
            started_at=row.started_at,
            completed_at=row.completed_at,
        )


@strawberry.type(description="One run of a playbook, script or command.")
class Execution:
    id: strawberry.ID = strawberry.field(description="Public id (a UUID).")
    number: int = strawberry.field(description="Integer id (OPMAS execution id).")
    kind: str = strawberry.field(
        description="opmas_playbook, script, command or ansible."
    )
    status: str = strawberry.field(
        description="pending, running, completed, failed or cancelled."
    )
    playbook_id: int | None = strawberry.field(description="The OPMAS playbook run.")
    script_id: int | None = strawberry.field(description="The script run.")
    device_ids: list[int] = strawberry.field(description="Target devices.")
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
    hosts: list[ExecutionHostResult] = strawberry.field(description="Per-host results.")

    @classmethod
    def from_model(
        cls, row: models.Execution, hosts: list[models.ExecutionHost]
    ) -> Execution:
        return cls(
            id=strawberry.ID(row.uuid),
            number=row.id,
            kind=row.kind,
            status=row.status,
            playbook_id=row.playbook_id,
            script_id=row.script_id,
            device_ids=list(row.device_ids),
            timeout=row.timeout,
            results=row.results,
            error_message=row.error_message,
            hosts_total=row.hosts_total,
            hosts_done=row.hosts_done,
            started_at=row.started_at,
            completed_at=row.completed_at,
            created_at=row.created_at,
            hosts=[ExecutionHostResult.from_model(h) for h in hosts],
        )


@strawberry.type(description="A page of executions, newest first.")
class ExecutionList:
    items: list[Execution] = strawberry.field(description="This page.")
    total: int = strawberry.field(description="How many match the filter.")


@strawberry.input(description="Narrow a list of executions.")
class ExecutionFilterInput:
    kind: str | None = strawberry.field(default=None, description="Only this kind.")
    status: list[str] | None = strawberry.field(
        default=None, description="Only these statuses."
    )
    playbook_id: int | None = strawberry.field(default=None, description="Playbook.")
    script_id: int | None = strawberry.field(default=None, description="Script.")
    device_id: int | None = strawberry.field(default=None, description="Ran on it.")

    def to_filter(self) -> ExecutionFilter:
        return ExecutionFilter(
            kind=self.kind,
            statuses=self.status,
            playbook_id=self.playbook_id,
            script_id=self.script_id,
            device_id=self.device_id,
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
    execution_id: strawberry.ID = strawberry.field(description="The execution.")
    status: str = strawberry.field(description="Its status.")
    hosts_done: int = strawberry.field(description="Hosts finished.")
    hosts_total: int = strawberry.field(description="Hosts targeted.")
    percent: float = strawberry.field(description="Hosts finished, in percent.")
    eta_seconds: float | None = strawberry.field(
        description="Linear estimate of the seconds left, once a host finished."
    )

    @classmethod
    def from_progress(cls, uuid: str, p: service.Progress) -> ExecutionProgress:
        return cls(
            execution_id=strawberry.ID(uuid),
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
