"""Business rules of workflows, their folders and tags, and requests to run them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs, secrets
from app.credentials import service as credentials_service
from app.db import EVERY_ROW, Page, Sessionmaker, utcnow
from app.errors import DomainError, found_or_raise
from app.workflows import cron, engine, graph, references, repository, triggers
from app.workflows.errors import (
    FolderNotFoundError,
    InvalidWorkflowError,
    NameTakenError,
    TagNotFoundError,
    WorkflowExecutionNotFoundError,
    WorkflowNotFoundError,
    WorkflowNotRunnableError,
)
from app.workflows.models import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowNodeResult,
    WorkflowTag,
)
from app.workflows.nodes import ansible as ansible_node
from app.workflows.repository import WorkflowFilter

log = logging.getLogger(__name__)
RUN_WORKFLOW = jobs.JobSpec(actor_name="workflows.run", queue="default")
SECRETS = graph.SECRETS
EDITABLE = frozenset(
    {
        "name",
        "description",
        "nodes",
        "edges",
        "variables",
        "settings",
        "folder_id",
        "tags",
        "is_template",
        "enabled",
    }
)
TRIGGER_TYPES = frozenset({"manual", "schedule", "event", "api"})

__all__ = ["RUN_WORKFLOW", "WorkflowFilter"]


def public_nodes(workflow: Workflow) -> list[dict[str, Any]]:
    """The workflow's nodes with their secrets (community, headers) masked."""
    shown: list[dict[str, Any]] = secrets.masked(SECRETS, workflow.nodes)
    return shown


async def get_workflow(session: AsyncSession, workflow_id: str) -> Workflow:
    """The workflow with `workflow_id`, with its tags."""
    return found_or_raise(
        await repository.workflow_by_id(session, workflow_id),
        WorkflowNotFoundError(workflow_id),
    )


async def list_workflows(
    session: AsyncSession, where: WorkflowFilter | None = None, page: Page = EVERY_ROW
) -> tuple[list[Workflow], int]:
    """One page of the workflows matching the filter (templates only when asked
    for), and how many match in all."""
    return await repository.list_workflows(session, where or WorkflowFilter(), page)


def workflow_query(where: WorkflowFilter) -> Select[tuple[Workflow]]:
    """The workflows matching the filter, unordered (the caller pages them)."""
    return repository.workflow_query(where)


def execution_query(
    workflow_id: str | None = None, status: str | None = None
) -> Select[tuple[WorkflowExecution]]:
    """Executions of one workflow (or every one) in a status (or any), unordered."""
    return repository.execution_query(workflow_id, status)


def node_result_query(execution_id: str) -> Select[tuple[WorkflowNodeResult]]:
    """One execution's node results, unordered."""
    return repository.node_result_query(execution_id)


async def tags_by_workflow(
    session: AsyncSession, workflow_ids: Sequence[str]
) -> dict[str, list[WorkflowTag]]:
    """The tags of each workflow among `workflow_ids`, by name."""
    found: dict[str, list[WorkflowTag]] = {w: [] for w in workflow_ids}
    for workflow_id, tag in await repository.tags_of(session, workflow_ids):
        found[workflow_id].append(tag)
    return found


async def create_workflow(
    session: AsyncSession,
    fields: dict[str, Any],
    user_id: int | None,
    *,
    may_use_credentials: bool = False,
) -> Workflow:
    """Validate and store a new workflow."""
    if not fields.get("name"):
        raise InvalidWorkflowError("name: a workflow needs a name")
    workflow = Workflow(created_by=user_id, tags=[], nodes=[])
    changes = {"nodes": [], "edges": [], **fields}
    await _apply(session, workflow, changes, may_use_credentials)
    session.add(workflow)
    await session.flush()
    await cron.sync(session, workflow, utcnow())
    return await get_workflow(session, workflow.id)


async def update_workflow(
    session: AsyncSession,
    workflow_id: str,
    changes: dict[str, Any],
    *,
    may_use_credentials: bool = False,
) -> Workflow:
    """Apply `changes`; a changed graph is validated whole before it is saved."""
    workflow = await get_workflow(session, workflow_id)
    if ("nodes" in changes) != ("edges" in changes):
        changes = {
            "nodes": workflow.nodes,
            "edges": workflow.edges,
            **changes,
        }
    await _apply(session, workflow, changes, may_use_credentials)
    await session.flush()
    await cron.sync(session, workflow, utcnow())
    return await get_workflow(session, workflow_id)


async def _apply(
    session: AsyncSession,
    workflow: Workflow,
    changes: dict[str, Any],
    may_use_credentials: bool,
) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidWorkflowError(f"Unknown workflow field '{sorted(unknown)[0]}'")
    for key in ("variables", "settings"):
        if not isinstance(changes.get(key, {}), dict):
            raise InvalidWorkflowError(f"{key} must be an object")
    if "nodes" in changes:
        given = secrets.keep_unchanged(SECRETS, changes["nodes"], workflow.nodes)
        nodes, workflow.edges = graph.parse(
            secrets.reveal(SECRETS, given), changes["edges"]
        )
        await ansible_node.refuse_controller_side(session, nodes)
        await references.check_nodes(session, nodes)
        stored = secrets.reveal(SECRETS, workflow.nodes or [])
        if graph.new_credential_uses(stored, nodes):
            credentials_service.require_use(may_use_credentials)
        workflow.nodes = secrets.seal(SECRETS, nodes)
    if changes.get("folder_id") is not None:
        await get_folder(session, changes["folder_id"])
    if "tags" in changes:
        workflow.tags = await _tags_named(session, changes["tags"] or [])
    for key in EDITABLE - {"nodes", "edges", "tags"}:
        if key in changes:
            setattr(workflow, key, changes[key])


async def _tags_named(session: AsyncSession, names: Sequence[str]) -> list[WorkflowTag]:
    """The tags called `names`, creating the ones that do not exist yet."""
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    found = {t.name: t for t in await repository.tags_by_names(session, wanted)}
    for name in wanted:
        if name not in found:
            found[name] = WorkflowTag(name=name)
            session.add(found[name])
    return [found[n] for n in wanted]


async def delete_workflow(session: AsyncSession, workflow_id: str) -> None:
    """Delete a workflow with its executions."""
    if not await repository.delete_workflow(session, workflow_id):
        raise WorkflowNotFoundError(workflow_id)


async def start_run(
    session: AsyncSession,
    workflow_id: str,
    *,
    trigger_type: str = "manual",
    trigger_data: dict[str, Any] | None = None,
    test_mode: bool = False,
    user_id: int | None = None,
) -> WorkflowExecution:
    """Record a pending execution of the workflow's current graph and queue it."""
    workflow = await get_workflow(session, workflow_id)
    if not test_mode and (not workflow.enabled or workflow.is_template):
        reason = "a template" if workflow.is_template else "disabled"
        raise WorkflowNotRunnableError(
            f"Workflow '{workflow.name}' is {reason}; run it with test_mode"
        )
    nodes, edges = graph.parse(secrets.reveal(SECRETS, workflow.nodes), workflow.edges)
    nodes = secrets.seal(SECRETS, nodes)
    execution = WorkflowExecution(
        workflow_id=workflow.id,
        trigger_type=trigger_type if trigger_type in TRIGGER_TYPES else "api",
        trigger_data=dict(trigger_data or {}),
        test_mode=test_mode,
        graph={"nodes": nodes, "edges": edges, "settings": dict(workflow.settings)},
        variables=dict(workflow.variables or {}),
        requested_by=user_id,
    )
    session.add(execution)
    await session.flush()
    jobs.enqueue(RUN_WORKFLOW, execution_id=execution.id)
    return execution


async def get_execution(
    session: AsyncSession, workflow_id: str, execution_id: str
) -> tuple[WorkflowExecution, list[WorkflowNodeResult]]:
    """One execution of the workflow, with its node results."""
    execution = await repository.execution_by_id(session, execution_id)
    if execution is None or execution.workflow_id != workflow_id:
        raise WorkflowExecutionNotFoundError(execution_id)
    return execution, await repository.node_results(session, execution_id)


async def find_execution(
    session: AsyncSession, execution_id: str
) -> WorkflowExecution | None:
    """The execution with `execution_id`, if it exists (any workflow)."""
    return await repository.execution_by_id(session, execution_id)


async def execution_statuses(
    session: AsyncSession, execution_ids: Sequence[str]
) -> dict[str, str]:
    """The status of each execution among `execution_ids` that exists."""
    if not execution_ids:
        return {}
    return await repository.execution_statuses(session, execution_ids)


async def dispatch_events(session: AsyncSession, db: Sessionmaker) -> int:
    """Start every workflow whose `trigger:event` matches a new domain event."""
    return await _start_all(session, await triggers.due_runs(session, db), "event")


async def dispatch_cron(
    session: AsyncSession, now: datetime, tolerance: timedelta
) -> int:
    """Start every workflow whose cron trigger is due (missed ones are skipped)."""
    runs = await cron.due_runs(session, now, tolerance)
    return await _start_all(session, runs, "schedule")


async def _start_all(
    session: AsyncSession, runs: list[tuple[str, dict[str, Any]]], trigger_type: str
) -> int:
    started = 0
    for workflow_id, data in runs:
        try:
            await start_run(
                session, workflow_id, trigger_type=trigger_type, trigger_data=data
            )
        except DomainError as exc:  # refused before writing: skip, keep going
            log.warning(
                "%s trigger of workflow %s refused: %s", trigger_type, workflow_id, exc
            )
            continue
        started += 1
    return started


async def reconcile_expired(db: Sessionmaker) -> int:
    """End executions whose worker died (lease expired) as failed; how many."""
    return await engine.reconcile_expired(db)


async def list_executions(
    session: AsyncSession, workflow_id: str
) -> list[WorkflowExecution]:
    """A workflow's executions, newest first."""
    await get_workflow(session, workflow_id)
    return await repository.list_executions(session, workflow_id)


async def get_folder(session: AsyncSession, folder_id: str) -> WorkflowFolder:
    """The folder with `folder_id`."""
    return found_or_raise(
        await repository.folder_by_id(session, folder_id),
        FolderNotFoundError(folder_id),
    )


async def list_folders(session: AsyncSession) -> list[WorkflowFolder]:
    """Every folder, by name."""
    return await repository.list_folders(session)


async def save_folder(
    session: AsyncSession,
    folder_id: str | None,
    name: str | None,
    description: str | None = None,
) -> WorkflowFolder:
    """Create a folder (no id) or rename/describe one; names are unique."""
    if folder_id is None and not name:
        raise InvalidWorkflowError("A folder needs a name")
    folder = (
        WorkflowFolder() if folder_id is None else await get_folder(session, folder_id)
    )
    if name is not None:
        if await repository.name_taken(session, WorkflowFolder, name, folder_id):
            raise NameTakenError("folder", name)
        folder.name = name
    if description is not None:
        folder.description = description
    session.add(folder)
    await session.flush()
    return folder


async def delete_folder(session: AsyncSession, folder_id: str) -> None:
    """Delete a folder; its workflows stay, unfiled."""
    await session.delete(await get_folder(session, folder_id))
    await session.flush()


async def get_tag(session: AsyncSession, tag_id: str) -> WorkflowTag:
    """The tag with `tag_id`."""
    return found_or_raise(
        await repository.tag_by_id(session, tag_id), TagNotFoundError(tag_id)
    )


async def list_tags(session: AsyncSession) -> list[WorkflowTag]:
    """Every tag, by name."""
    return await repository.list_tags(session)


async def save_tag(
    session: AsyncSession, tag_id: str | None, name: str | None, color: str | None
) -> WorkflowTag:
    """Create a tag (no id) or rename/recolour one; names are unique."""
    if tag_id is None and not name:
        raise InvalidWorkflowError("A tag needs a name")
    tag = WorkflowTag() if tag_id is None else await get_tag(session, tag_id)
    if name is not None:
        if await repository.name_taken(session, WorkflowTag, name, tag_id):
            raise NameTakenError("tag", name)
        tag.name = name
    if color is not None:
        tag.color = color
    session.add(tag)
    await session.flush()
    return tag


async def delete_tag(session: AsyncSession, tag_id: str) -> None:
    """Delete a tag; workflows lose it."""
    await session.delete(await get_tag(session, tag_id))
    await session.flush()


async def workflow_counts(session: AsyncSession) -> tuple[int, int]:
    """(total, enabled) workflows, templates excluded."""
    return await repository.workflow_counts(session)
