"""GraphQL types of workflows, their folders, tags, executions and errors."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.events import Event
from app.graphql.types import Error
from app.workflows import models, service


@strawberry.type(description="A folder grouping workflows.")
class WorkflowFolder:
    id: strawberry.ID = strawberry.field(description="Folder id (uuid).")
    name: str = strawberry.field(description="Unique folder name.")
    description: str = strawberry.field(description="What the folder holds.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_model(cls, folder: models.WorkflowFolder) -> WorkflowFolder:
        return cls(
            id=strawberry.ID(folder.id),
            name=folder.name,
            description=folder.description,
            created_at=folder.created_at,
        )


@strawberry.type(description="A label attached to workflows.")
class WorkflowTag:
    id: strawberry.ID = strawberry.field(description="Tag id (uuid).")
    name: str = strawberry.field(description="Unique tag name.")
    color: str | None = strawberry.field(description="Display colour.")

    @classmethod
    def from_model(cls, tag: models.WorkflowTag) -> WorkflowTag:
        return cls(id=strawberry.ID(tag.id), name=tag.name, color=tag.color)


@strawberry.type(description="A DAG of typed nodes joined by conditional edges.")
class Workflow:
    id: strawberry.ID = strawberry.field(description="Workflow id (uuid).")
    name: str = strawberry.field(description="Workflow name.")
    description: str = strawberry.field(description="What the workflow does.")
    enabled: bool = strawberry.field(description="Whether it may run.")
    is_template: bool = strawberry.field(description="A blueprint, not run.")
    folder_id: strawberry.ID | None = strawberry.field(description="Its folder.")
    tags: list[WorkflowTag] = strawberry.field(description="Its tags.")
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

    @classmethod
    def from_model(cls, w: models.Workflow) -> Workflow:
        return cls(
            id=strawberry.ID(w.id), name=w.name, description=w.description,
            enabled=w.enabled, is_template=w.is_template,
            folder_id=strawberry.ID(w.folder_id) if w.folder_id else None,
            tags=[WorkflowTag.from_model(t) for t in w.tags],
            nodes=service.public_nodes(w), edges=w.edges, variables=w.variables,
            settings=w.settings, last_run_at=w.last_run_at,
            last_run_status=w.last_run_status, created_at=w.created_at,
            updated_at=w.updated_at,
        )  # fmt: skip


@strawberry.type(description="One run of a workflow.")
class WorkflowExecution:
    id: strawberry.ID = strawberry.field(description="Execution id (uuid).")
    workflow_id: strawberry.ID = strawberry.field(description="The workflow run.")
    status: str = strawberry.field(description="pending, running, success, failed.")
    trigger_type: str = strawberry.field(description="manual, api, schedule, event.")
    trigger_data: JSON = strawberry.field(description="Data templates see as trigger.")
    test_mode: bool = strawberry.field(description="Dry run: no host touched.")
    variables: JSON = strawberry.field(description="Variables (final once ended).")
    error: str | None = strawberry.field(description="Why it failed.")
    created_at: datetime = strawberry.field(description="When it was requested.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")

    @classmethod
    def from_model(cls, x: models.WorkflowExecution) -> WorkflowExecution:
        return cls(
            id=strawberry.ID(x.id), workflow_id=strawberry.ID(x.workflow_id),
            status=x.status, trigger_type=x.trigger_type,
            trigger_data=x.trigger_data, test_mode=x.test_mode,
            variables=x.variables, error=x.error, created_at=x.created_at,
            started_at=x.started_at, finished_at=x.finished_at,
        )  # fmt: skip


@strawberry.type(description="What one node did in one execution.")
class WorkflowNodeResult:
    node_id: str = strawberry.field(description="The node.")
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
            node_id=r.node_id, node_type=r.node_type, status=r.status,
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


@strawberry.type(description="The workflow as saved.")
class WorkflowSuccess:
    workflow: Workflow = strawberry.field(description="The workflow.")


@strawberry.type(description="The workflow was deleted.")
class DeleteWorkflowSuccess:
    id: strawberry.ID = strawberry.field(description="Id of the deleted workflow.")


@strawberry.type(description="A run was queued.")
class RunWorkflowSuccess:
    execution: WorkflowExecution = strawberry.field(description="The new run.")


@strawberry.type(description="The folder as saved.")
class WorkflowFolderSuccess:
    folder: WorkflowFolder = strawberry.field(description="The folder.")


@strawberry.type(description="The tag as saved.")
class WorkflowTagSuccess:
    tag: WorkflowTag = strawberry.field(description="The tag.")


@strawberry.type(description="The folder or tag was deleted.")
class DeleteWorkflowLabelSuccess:
    id: strawberry.ID = strawberry.field(description="Id of what was deleted.")


@strawberry.type(description="The graph or a field breaks a rule.")
class InvalidWorkflow(Error):
    node_id: str | None = strawberry.field(description="The node at fault.")


@strawberry.type(description="No workflow has that id.")
class WorkflowNotFound(Error):
    workflow_id: strawberry.ID = strawberry.field(description="The id asked for.")


@strawberry.type(description="No folder or tag has that id.")
class WorkflowLabelNotFound(Error):
    id: strawberry.ID = strawberry.field(description="The id asked for.")


@strawberry.type(description="A folder or tag with that name exists.")
class WorkflowLabelNameTaken(Error):
    name: str = strawberry.field(description="The name asked for.")


@strawberry.type(description="Disabled workflows and templates run only in test mode.")
class WorkflowNotRunnable(Error):
    workflow_id: strawberry.ID = strawberry.field(description="The workflow.")
