"""GraphQL types of schedules and their fires."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.graphql.types import Error
from app.schedules.models import Schedule as ScheduleModel
from app.schedules.service import FireView


@strawberry.type(
    description="A cron or interval schedule starting a workflow or script."
)
class Schedule:
    id: strawberry.ID = strawberry.field(description="Schedule id.")
    name: str = strawberry.field(description="Schedule name.")
    target: str = strawberry.field(description="`workflow` or `script`.")
    workflow_id: strawberry.ID | None = strawberry.field(description="Workflow run.")
    script_id: int | None = strawberry.field(description="biRun script run.")
    server_ids: list[int] = strawberry.field(description="biRun servers.")
    schedule_type: str = strawberry.field(description="`cron` or `interval`.")
    cron_expression: str | None = strawberry.field(description="Cron, in `timezone`.")
    interval_seconds: int | None = strawberry.field(description="Interval length.")
    timezone: str = strawberry.field(description="IANA zone the cron is read in.")
    config: JSON = strawberry.field(description="Trigger data given to each run.")
    enabled: bool = strawberry.field(description="Whether it fires.")
    last_run_at: datetime | None = strawberry.field(description="Last fire time.")
    next_run_at: datetime | None = strawberry.field(description="Next due time.")
    last_status: str | None = strawberry.field(description="Last outcome.")

    @classmethod
    def from_model(cls, s: ScheduleModel, last_status: str | None) -> Schedule:
        return cls(
            id=strawberry.ID(str(s.id)), name=s.name, target=s.target,
            workflow_id=strawberry.ID(s.workflow_id) if s.workflow_id else None,
            script_id=s.script_id, server_ids=list(s.server_ids),
            schedule_type=s.schedule_type, cron_expression=s.cron_expression,
            interval_seconds=s.interval_seconds, timezone=s.timezone,
            config=s.config, enabled=s.enabled, last_run_at=s.last_run_at,
            next_run_at=s.next_run_at, last_status=last_status,
        )  # fmt: skip


@strawberry.type(description="One due time of a schedule: fired, skipped or failed.")
class ScheduleFire:
    id: strawberry.ID = strawberry.field(description="Fire id.")
    schedule_id: strawberry.ID = strawberry.field(description="Its schedule.")
    fire_time: datetime = strawberry.field(description="The due time.")
    status: str = strawberry.field(
        description=(
            "Workflow fires: the run's status. Script fires: `fired`, then the "
            "execution's outcome (completed, failed, cancelled). Or skipped/failed."
        )
    )
    reason: str | None = strawberry.field(
        description="Why skipped or failed (a failed script's error)."
    )
    missed_count: int = strawberry.field(description="Due times this row skips.")
    manual: bool = strawberry.field(description="Fired by `runScheduleNow`.")
    execution_id: strawberry.ID | None = strawberry.field(description="The run.")

    @classmethod
    def from_view(cls, view: FireView) -> ScheduleFire:
        f = view.fire
        run_id = f.workflow_execution_id or f.script_execution_id
        return cls(
            id=strawberry.ID(str(f.id)), schedule_id=strawberry.ID(str(f.schedule_id)),
            fire_time=f.fire_time, status=view.status, reason=f.reason,
            missed_count=f.missed_count, manual=f.manual,
            execution_id=strawberry.ID(run_id) if run_id else None,
        )  # fmt: skip


@strawberry.type(description="The schedule as saved.")
class ScheduleSuccess:
    schedule: Schedule = strawberry.field(description="The schedule.")


@strawberry.type(description="The schedule was deleted.")
class DeleteScheduleSuccess:
    id: strawberry.ID = strawberry.field(description="Id of the deleted schedule.")


@strawberry.type(description="The schedule fired now.")
class RunScheduleSuccess:
    fire: ScheduleFire = strawberry.field(description="The recorded fire.")


@strawberry.type(description="No schedule has that id.")
class ScheduleNotFound(Error):
    schedule_id: strawberry.ID = strawberry.field(description="The id asked for.")


@strawberry.type(description="The timing or target breaks a rule.")
class InvalidSchedule(Error):
    field: str | None = strawberry.field(description="The field at fault.")
