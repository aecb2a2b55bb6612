"""Pipelines: definitions, triggering, running steps, statistics.

A trigger stores an execution in `started` and enqueues RUN_PIPELINE after
commit; the actor claims it (`started` -> `running`, so a redelivery is a
no-op), runs the steps in order with no transaction open, and records each
step's result in `execution_log` as it ends.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import events, jobs, secrets
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import found_or_raise
from app.pipelines import destinations, repository, steps
from app.pipelines.errors import (
    ExecutionNotFoundError,
    PipelineDisabledError,
    PipelineNotFoundError,
    StepFailedError,
)
from app.pipelines.inputs import (
    Definition,
    PipelineInput,
    PipelinePatch,
    TriggerEvent,
    check_steps,
)
from app.pipelines.models import Pipeline, PipelineExecution
from app.pipelines.templating import render
from app.settings import Settings

RUN_PIPELINE = jobs.JobSpec(
    actor_name="pipelines.run", queue="default", time_limit_ms=3_600_000
)
DEFAULT_STEP_TIMEOUT = 600.0
# A worker holds a running execution for its current step's timeout plus this;
# past that, `fail_lapsed` ends it `failed` (its worker is gone).
LEASE_MARGIN = timedelta(seconds=60)
LAPSED = "Worker lost: the execution's lease expired"
SECRETS = "pipeline.definition"  # its secret fields: app/secrets.py


def public_definition(pipeline: Pipeline) -> dict[str, Any]:
    """The pipeline's definition with step secrets masked."""
    masked: dict[str, Any] = secrets.masked(SECRETS, pipeline.definition)
    return masked


def _definition_dict(definition: Definition, settings: Settings) -> dict[str, Any]:
    """The checked definition as stored: its secrets sealed."""
    check_steps(definition)
    destinations.check_definition(definition, settings)
    sealed: dict[str, Any] = secrets.seal(SECRETS, definition.model_dump(mode="json"))
    return sealed


def _aligned(new: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """`stored` with its steps in the order of `new`'s, matched by step name."""
    by_name = {step.get("name"): step for step in stored.get("steps", [])}
    steps = [by_name.get(step.get("name"), {}) for step in new.get("steps", [])]
    return {**stored, "steps": steps}


async def list_pipelines(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    enabled: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Pipeline]:
    """Pipelines matching the filters, one page."""
    return await repository.pipelines(
        session,
        workspace_id=workspace_id,
        org_id=org_id,
        enabled=enabled,
        limit=limit,
        offset=offset,
    )


def pipeline_query(
    workspace_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    enabled: bool | None = None,
) -> Select[tuple[Pipeline]]:
    """Pipelines matching the filters, unordered (the caller pages them)."""
    return repository.pipeline_query(workspace_id, org_id, enabled)


def execution_query(
    pipeline_id: uuid.UUID | None = None, status: str | None = None
) -> Select[tuple[PipelineExecution]]:
    """Executions matching the filters, unordered (the caller pages them)."""
    return repository.execution_query(pipeline_id, status)


async def get_pipeline(session: AsyncSession, pipeline_id: uuid.UUID) -> Pipeline:
    """The pipeline `pipeline_id`; raise PipelineNotFoundError otherwise."""
    return found_or_raise(
        await session.get(Pipeline, pipeline_id), PipelineNotFoundError()
    )


async def create_pipeline(
    session: AsyncSession, data: PipelineInput, settings: Settings
) -> Pipeline:
    """Create a pipeline whose steps' configurations are valid."""
    definition = _definition_dict(data.definition, settings)
    pipeline = Pipeline(
        name=data.name,
        definition=definition,
        enabled=data.definition.enabled,
        workspace_id=data.workspace_id,
        org_id=data.org_id,
    )
    session.add(pipeline)
    await session.flush()
    return pipeline


async def update_pipeline(
    session: AsyncSession,
    pipeline_id: uuid.UUID,
    data: PipelinePatch,
    settings: Settings,
    *,
    may_read_secrets: bool = False,
) -> Pipeline:
    """Change name, definition or enabled; `enabled` wins over the definition's.

    Masked secrets keep their stored values, unless their step now names
    another destination and the caller may not read secrets.
    """
    pipeline = await get_pipeline(session, pipeline_id)
    if data.name is not None:
        pipeline.name = data.name
    definition = dict(pipeline.definition)
    if data.definition is not None:
        echoed = data.definition.model_dump(mode="json")
        restored = secrets.keep_unchanged(
            SECRETS,
            echoed,
            _aligned(echoed, pipeline.definition),
            may_read=may_read_secrets,
        )
        definition = _definition_dict(Definition.model_validate(restored), settings)
        pipeline.enabled = data.definition.enabled
    if data.enabled is not None:
        pipeline.enabled = data.enabled
    pipeline.definition = {**definition, "enabled": pipeline.enabled}
    pipeline.updated_at = utcnow()
    await session.flush()
    return pipeline


async def delete_pipeline(session: AsyncSession, pipeline_id: uuid.UUID) -> None:
    """Delete a pipeline and its executions."""
    await session.delete(await get_pipeline(session, pipeline_id))
    await session.flush()


async def trigger(
    session: AsyncSession,
    pipeline_id: uuid.UUID,
    event: TriggerEvent | None,
) -> PipelineExecution:
    """Start a run by hand, with an optional event; the steps run in the worker."""
    pipeline = await get_pipeline(session, pipeline_id)
    if not pipeline.enabled:
        raise PipelineDisabledError
    payload = None if event is None else event.model_dump(mode="json")
    return await _start(session, pipeline, payload, None)


async def _start(
    session: AsyncSession,
    pipeline: Pipeline,
    trigger_event: dict[str, Any] | None,
    event_seq: int | None,
) -> PipelineExecution:
    execution = PipelineExecution(
        pipeline_id=pipeline.id,
        trigger_event=trigger_event,
        event_seq=event_seq,
        status="started",
        execution_log=[],
    )
    session.add(execution)
    await session.flush()
    jobs.enqueue(RUN_PIPELINE, execution_id=str(execution.id))
    return execution


async def list_executions(
    session: AsyncSession,
    *,
    pipeline_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[PipelineExecution]:
    """Executions matching the filters, newest first, one page."""
    return await repository.executions(
        session, pipeline_id=pipeline_id, status=status, limit=limit, offset=offset
    )


async def get_execution(
    session: AsyncSession, execution_id: uuid.UUID
) -> PipelineExecution:
    """The execution `execution_id`; raise ExecutionNotFoundError otherwise."""
    return found_or_raise(
        await session.get(PipelineExecution, execution_id), ExecutionNotFoundError()
    )


async def statistics(session: AsyncSession, pipeline_id: uuid.UUID) -> dict[str, Any]:
    """Execution counts, the last start and the mean duration of completed runs."""
    await get_pipeline(session, pipeline_id)
    return await repository.stats(session, pipeline_id)


async def run_execution(
    db: Sessionmaker, settings: Settings, execution_id: uuid.UUID
) -> None:
    """Run a started execution's steps in order (a no-op for any other status)."""
    async with unit_of_work(db) as session:
        if not await repository.claim(session, execution_id, utcnow() + LEASE_MARGIN):
            return
        execution = await get_execution(session, execution_id)
        pipeline = await get_pipeline(session, execution.pipeline_id)
    definition = Definition.model_validate(secrets.reveal(SECRETS, pipeline.definition))
    context = steps.Context(db, settings, execution_id, execution.trigger_event)
    log: list[dict[str, Any]] = []
    error: str | None = None
    for step in definition.steps:
        if not await _renew(db, execution_id, log, step.timeout):
            return
        entry = await _run_step(context, step.model_dump())
        log.append(entry)
        if not await _renew(db, execution_id, log, None):
            return
        if entry["status"] == "failed" and not step.continue_on_error:
            error = f"Step '{step.name}' failed: {entry['error_message']}"
            break
    async with unit_of_work(db) as session:
        status = "failed" if error else "completed"
        if not await repository.finish(session, execution_id, status, error, utcnow()):
            return
        await events.emit_domain(
            session,
            f"pipeline.execution.{status}",
            {
                "execution_id": str(execution_id),
                "pipeline_id": str(pipeline.id),
                "pipeline_name": pipeline.name,
                "status": status,
                "error_message": error,
            },
        )


async def _renew(
    db: Sessionmaker,
    execution_id: uuid.UUID,
    log: list[dict[str, Any]],
    step_seconds: float | None,
) -> bool:
    seconds = timedelta(seconds=step_seconds or DEFAULT_STEP_TIMEOUT)
    async with unit_of_work(db) as session:
        return await repository.renew(
            session, execution_id, log, utcnow() + seconds + LEASE_MARGIN
        )


async def fail_lapsed(session: AsyncSession) -> int:
    """End `failed` every running execution whose worker stopped renewing it."""
    return await repository.fail_lapsed(session, utcnow(), LAPSED)


async def _run_step(context: steps.Context, step: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "step_name": step["name"],
        "step_type": step["step_type"],
        "status": "running",
        "started_at": utcnow(),
        "completed_at": None,
        "output": None,
        "error_message": None,
    }
    started = time.perf_counter()
    timeout = step["timeout"] or DEFAULT_STEP_TIMEOUT
    try:
        config = render(step["config"], context.event)
        output = await asyncio.wait_for(
            steps.run(step["step_type"], config, context), timeout
        )
    except StepFailedError as exc:
        entry.update(status="failed", error_message=exc.message, output=exc.output)
    except TimeoutError:
        entry.update(status="failed", error_message=f"timed out after {timeout:g}s")
    except Exception as exc:
        entry.update(status="failed", error_message=steps.describe(exc))
    else:
        entry.update(status="completed", output=output)
    entry["completed_at"] = utcnow()
    entry["duration_ms"] = round((time.perf_counter() - started) * 1000)
    for key in ("started_at", "completed_at"):
        entry[key] = entry[key].isoformat()
    return entry


def _matches(filters: dict[str, Any], event: dict[str, Any]) -> bool:
    for key, expected in filters.items():
        actual = event["payload"].get(key, event.get(key))
        options = expected if isinstance(expected, list) else [expected]
        if not any(str(actual) == str(option) for option in options):
            return False
    return True


def _wants(pipeline: Pipeline, event: dict[str, Any]) -> bool:
    scope, where = pipeline.workspace_id, event.get("workspace_id")
    if scope is not None and where is not None and str(scope) != str(where):
        return False
    return any(
        t.get("event") == event["event_type"]
        and _matches(t.get("filters") or {}, event)
        for t in pipeline.definition.get("triggers", [])
    )


async def dispatch_event(
    session: AsyncSession, seq: int, event_type: str, data: dict[str, Any]
) -> list[PipelineExecution]:
    """Start every enabled pipeline a domain event triggers (once per event)."""
    event = {
        "event_type": event_type,
        "workspace_id": data.get("workspace_id"),
        "payload": data,
        "seq": seq,
    }
    started = []
    for pipeline in await repository.enabled_pipelines(session):
        if not _wants(pipeline, event):
            continue
        if await repository.execution_for_event(session, pipeline.id, seq) is None:
            started.append(await _start(session, pipeline, event, seq))
    return started
