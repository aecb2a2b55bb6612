"""GraphQL types of workflows, their folders, tags, executions and results."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.events import Event
from app.graphql.context import Info
from app.graphql.nodes import Entity, UuidEntity, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate_items
from app.graphql.permissions import holds
from app.workflows import models, service
from app.workflows.loaders import tags_by_workflow


class TextUuidEntity(UuidEntity):
    """A workflow entity: its UUID key is stored as text."""

    key_is_text = True


@strawberry.type(description="A folder grouping workflows.")
class WorkflowFolder(TextUuidEntity):
    table = models.WorkflowFolder
    permission = "workflows.folder.view"

    uuid: str = strawberry.field(description="Folder id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique folder name.")
    description: str = strawberry.field(description="What the folder holds.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_model(cls, folder: models.WorkflowFolder) -> WorkflowFolder:
        return cls(
            uuid=folder.id,
            name=folder.name,
            description=folder.description,
            created_at=folder.created_at,
        )


@strawberry.type(description="A label attached to workflows.")
class WorkflowTag(TextUuidEntity):
    table = models.WorkflowTag
    permission = "workflows.tag.view"

    uuid: str = strawberry.field(description="Tag id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique tag name.")
    color: str | None = strawberry.field(description="Display colour.")

    @classmethod
    def from_model(cls, tag: models.WorkflowTag) -> WorkflowTag:
        return cls(uuid=tag.id, name=tag.name, color=tag.color)


@strawberry.type(description="A DAG of typed nodes joined by conditional edges.")
class Workflow(TextUuidEntity):
    table = models.Workflow
    permission = "workflows.workflow.view"

    uuid: str = strawberry.field(description="Workflow id, as the REST surfaces use.")
    name: str = strawberry.field(description="Workflow name.")
    description: str = strawberry.field(description="What the workflow does.")
    enabled: bool = strawberry.field(description="Whether it may run.")
    is_template: bool = strawberry.field(description="A blueprint, not run.")
    nodes: JSON = strawberry.field(
        description="Nodes `{id, type, position, data}`; `data` is the config."
    )
    edges: JSON = strawberry.field(
        description="Edges `{id, source, target, sourceHandle, targetHandle}`; "
        "`sourceHandle` success (default), failure, always, true or false."
    )
    variables: JSON = strawberry.field(description="Initial variables (`vars`).")
    settings: JSON = strawberry.field(description="Settings, e.g. timeout_seconds.")
    last_run_at: datetime | None = strawberry.field(description="Last real run.")
    last_run_status: str | None = strawberry.field(description="Its outcome.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    folder_key: strawberry.Private[str | None]

    @strawberry.field(description="Its folder, if it is filed.")
    async def folder(self, info: Info) -> WorkflowFolder | None:
        if self.folder_key is None:
            return None
        row = await row_loader(info, WorkflowFolder).load(self.folder_key)
        return WorkflowFolder.from_model(row) if row is not None else None

    @strawberry.field(description="Its tags, by name.")
    async def tags(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[WorkflowTag]:  # fmt: skip
        loader = tags_by_workflow(info.context.loaders, info.context.db)
        found = await loader.load(self.uuid)
        window = Window(first, after, last, before)
        return paginate_items(
            found, lambda t: (t.name, t.id), direction, window, WorkflowTag.from_model
        )

    @classmethod
    def from_model(cls, w: models.Workflow) -> Workflow:
        return cls(
            uuid=w.id, name=w.name, description=w.description,
            enabled=w.enabled, is_template=w.is_template, folder_key=w.folder_id,
            nodes=service.public_nodes(w), edges=w.edges, variables=w.variables,
            settings=w.settings, last_run_at=w.last_run_at,
            last_run_status=w.last_run_status, created_at=w.created_at,
            updated_at=w.updated_at,
        )  # fmt: skip


@strawberry.type(description="One run of a workflow.")
class WorkflowExecution(TextUuidEntity):
    table = models.WorkflowExecution
    permission = "workflows.execution.view"

    uuid: str = strawberry.field(description="Execution id, as REST uses.")
    status: str = strawberry.field(description="pending, running, success, failed.")
    trigger_type: str = strawberry.field(description="manual, api, schedule, event.")
    trigger_data: JSON = strawberry.field(description="Data templates see as trigger.")
    test_mode: bool = strawberry.field(description="Dry run: no host touched.")
    variables: JSON = strawberry.field(description="Variables (final once ended).")
    error: str | None = strawberry.field(description="Why it failed.")
    created_at: datetime = strawberry.field(description="When it was requested.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    workflow_key: strawberry.Private[str]

    @strawberry.field(description="The workflow run (null if not visible).")
    async def workflow(self, info: Info) -> Workflow | None:
        if not holds(info, "workflows.workflow.view"):
            return None
        row = await row_loader(info, Workflow).load(self.workflow_key)
        return Workflow.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, x: models.WorkflowExecution) -> WorkflowExecution:
        return cls(
            uuid=x.id, workflow_key=x.workflow_id,
            status=x.status, trigger_type=x.trigger_type,
            trigger_data=x.trigger_data, test_mode=x.test_mode,
            variables=x.variables, error=x.error, created_at=x.created_at,
            started_at=x.started_at, finished_at=x.finished_at,
        )  # fmt: skip


@strawberry.type(description="What one node did in one execution.")
class WorkflowNodeResult(Entity):
    table = models.WorkflowNodeResult
    permission = "workflows.execution.view"

    number: int = strawberry.field(description="Row id.")
    node_id: str = strawberry.field(description="The node (of the workflow graph).")
    node_type: str = strawberry.field(description="Its type.")
    status: str = strawberry.field(description="success, failed or skipped.")
    output: JSON = strawberry.field(description="What it produced.")
    error: str | None = strawberry.field(description="Why it failed.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    duration_ms: int | None = strawberry.field(description="How long it ran.")

    @classmethod
    def from_model(cls, r: models.WorkflowNodeResult) -> WorkflowNodeResult:
        return cls(
            number=r.id, node_id=r.node_id, node_type=r.node_type, status=r.status,
            output=r.output, error=r.error, started_at=r.started_at,
            finished_at=r.finished_at, duration_ms=r.duration_ms,
        )  # fmt: skip


@strawberry.type(description="One event of a workflow execution's stream.")
class WorkflowExecutionEvent:
    seq: int = strawberry.field(description="Gap-free sequence number.")
    type: str = strawberry.field(description="node.started, node.completed, ...")
    data: JSON = strawberry.field(description="Event payload.")
    created_at: datetime = strawberry.field(description="When it was stored.")

    @classmethod
    def from_event(cls, event: Event) -> WorkflowExecutionEvent:
        return cls(
            seq=event.seq, type=event.type, data=event.data, created_at=event.created_at
        )
