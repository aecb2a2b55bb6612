"""Every SQL statement of the workflows domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import Page, fetch_page
from app.workflows.models import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowNodeResult,
    WorkflowTag,
    workflow_tag_link,
)


@dataclass(frozen=True)
class WorkflowFilter:
    """The documented list filters of OpsConductor's `GET /api/workflows`."""

    folder_id: str | None = None
    tag_ids: tuple[str, ...] = ()
    search: str | None = None
    enabled: bool | None = None
    include_templates: bool = False


async def workflow_by_id(session: AsyncSession, workflow_id: str) -> Workflow | None:
    """The workflow with `workflow_id`, with its tags."""
    return await session.scalar(
        select(Workflow)
        .where(Workflow.id == workflow_id)
        .options(selectinload(Workflow.tags))
    )


async def list_workflows(
    session: AsyncSession, where: WorkflowFilter, page: Page
) -> tuple[list[Workflow], int]:
    """One page of the workflows matching `where`, by name, with their tags."""
    query = workflow_query(where).options(selectinload(Workflow.tags))
    return await fetch_page(session, query.order_by(Workflow.name, Workflow.id), page)


def workflow_query(where: WorkflowFilter) -> Select[tuple[Workflow]]:
    """The workflows matching `where`, unordered."""
    query = select(Workflow)
    if where.folder_id is not None:
        query = query.where(Workflow.folder_id == where.folder_id)
    if where.tag_ids:
        tagged = select(workflow_tag_link.c.workflow_id).where(
            workflow_tag_link.c.tag_id.in_(where.tag_ids)
        )
        query = query.where(Workflow.id.in_(tagged))
    if where.search:
        query = query.where(Workflow.name.ilike(f"%{_escape(where.search)}%", "\\"))
    if where.enabled is not None:
        query = query.where(Workflow.enabled.is_(where.enabled))
    if not where.include_templates:
        query = query.where(Workflow.is_template.is_(False))
    return query


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def delete_workflow(session: AsyncSession, workflow_id: str) -> bool:
    """Delete one workflow; False if it did not exist."""
    result = await session.execute(delete(Workflow).where(Workflow.id == workflow_id))
    return bool(result.rowcount)


async def folder_by_id(session: AsyncSession, folder_id: str) -> WorkflowFolder | None:
    """The folder with `folder_id`."""
    return await session.get(WorkflowFolder, folder_id)


async def list_folders(session: AsyncSession) -> list[WorkflowFolder]:
    """Every folder, by name."""
    return list(await session.scalars(select(WorkflowFolder).order_by("name")))


async def name_taken(
    session: AsyncSession,
    model: type[WorkflowFolder] | type[WorkflowTag],
    name: str,
    except_id: str | None = None,
) -> bool:
    """True when another folder (or tag) already has `name`."""
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if except_id is not None:
        query = query.where(model.id != except_id)
    return (await session.scalar(query)) is not None


async def tag_by_id(session: AsyncSession, tag_id: str) -> WorkflowTag | None:
    """The tag with `tag_id`."""
    return await session.get(WorkflowTag, tag_id)


async def list_tags(session: AsyncSession) -> list[WorkflowTag]:
    """Every tag, by name."""
    return list(await session.scalars(select(WorkflowTag).order_by("name")))


async def tags_by_names(
    session: AsyncSession, names: Sequence[str]
) -> list[WorkflowTag]:
    """The existing tags among `names`."""
    return list(
        await session.scalars(select(WorkflowTag).where(WorkflowTag.name.in_(names)))
    )


async def execution_by_id(
    session: AsyncSession, execution_id: str
) -> WorkflowExecution | None:
    """The workflow execution with `execution_id`."""
    return await session.get(WorkflowExecution, execution_id)


async def list_executions(
    session: AsyncSession, workflow_id: str, limit: int = 100
) -> list[WorkflowExecution]:
    """A workflow's executions, newest first."""
    return list(
        await session.scalars(
            select(WorkflowExecution)
            .where(WorkflowExecution.workflow_id == workflow_id)
            .order_by(WorkflowExecution.created_at.desc())
            .limit(limit)
        )
    )


def execution_query(
    workflow_id: str | None, status: str | None
) -> Select[tuple[WorkflowExecution]]:
    """The executions of one workflow (or all) in `status` (or any), unordered."""
    query = select(WorkflowExecution)
    if workflow_id is not None:
        query = query.where(WorkflowExecution.workflow_id == workflow_id)
    if status is not None:
        query = query.where(WorkflowExecution.status == status)
    return query


def node_result_query(execution_id: str) -> Select[tuple[WorkflowNodeResult]]:
    """The recorded node results of one execution, unordered."""
    return select(WorkflowNodeResult).where(
        WorkflowNodeResult.execution_id == execution_id
    )


async def tags_of(
    session: AsyncSession, workflow_ids: Sequence[str]
) -> list[tuple[str, WorkflowTag]]:
    """(workflow id, tag) for every tag of the workflows among `workflow_ids`."""
    rows = await session.execute(
        select(workflow_tag_link.c.workflow_id, WorkflowTag)
        .join(WorkflowTag, WorkflowTag.id == workflow_tag_link.c.tag_id)
        .where(workflow_tag_link.c.workflow_id.in_(workflow_ids))
        .order_by(WorkflowTag.name)
    )
    return [(row[0], row[1]) for row in rows]


async def node_results(
    session: AsyncSession, execution_id: str
) -> list[WorkflowNodeResult]:
    """The recorded node results of one execution, in start order."""
    return list(
        await session.scalars(
            select(WorkflowNodeResult)
            .where(WorkflowNodeResult.execution_id == execution_id)
            .order_by(WorkflowNodeResult.started_at, WorkflowNodeResult.id)
        )
    )


async def claim_execution(
    session: AsyncSession, execution_id: str, token: str, now: datetime, until: datetime
) -> WorkflowExecution | None:
    """Take the lease of a pending execution; None if it already started or ended.

    A running execution whose lease expired is never re-run (its nodes may not be
    idempotent): the reconciler ends it instead.
    """
    result = await session.execute(
        update(WorkflowExecution)
        .where(
            WorkflowExecution.id == execution_id,
            WorkflowExecution.status == "pending",
        )
        .values(
            status="running",
            lease_token=token,
            lease_expires_at=until,
            started_at=func.coalesce(WorkflowExecution.started_at, now),
        )
        .returning(WorkflowExecution.id)
    )
    if result.scalar_one_or_none() is None:
        return None
    return await session.get(WorkflowExecution, execution_id, populate_existing=True)


async def holds_lease(session: AsyncSession, execution_id: str, token: str) -> bool:
    """True while `token` is still the execution's lease (the fencing check)."""
    found = await session.scalar(
        select(WorkflowExecution.id)
        .where(
            WorkflowExecution.id == execution_id,
            WorkflowExecution.lease_token == token,
            WorkflowExecution.status == "running",
        )
        .with_for_update()
    )
    return found is not None


async def expired_executions(session: AsyncSession, now: datetime) -> list[str]:
    """Ids of running executions whose lease ran out (their worker died)."""
    return list(
        await session.scalars(
            select(WorkflowExecution.id).where(
                WorkflowExecution.status == "running",
                WorkflowExecution.lease_expires_at < now,
            )
        )
    )


async def execution_statuses(
    session: AsyncSession, execution_ids: Sequence[str]
) -> dict[str, str]:
    """Status by id of the executions among `execution_ids`."""
    rows = await session.execute(
        select(WorkflowExecution.id, WorkflowExecution.status).where(
            WorkflowExecution.id.in_(execution_ids)
        )
    )
    return {row.id: row.status for row in rows}


async def workflow_counts(session: AsyncSession) -> tuple[int, int]:
    """Workflows (templates excluded) and the enabled ones, in one aggregate."""
    row = (
        await session.execute(
            select(func.count(), func.count().filter(Workflow.enabled.is_(True)))
            .select_from(Workflow)
            .where(Workflow.is_template.is_(False))
        )
    ).one()
    return int(row[0]), int(row[1])
