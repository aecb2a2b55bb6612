"""Mutation payload members of the workflows domain: successes and errors."""

from __future__ import annotations

import strawberry

from app.graphql.types import Error
from app.workflows.graphql.types import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowTag,
)


@strawberry.type(description="The workflow as saved.")
class WorkflowSuccess:
    workflow: Workflow = strawberry.field(description="The workflow.")


@strawberry.type(description="The workflow was deleted.")
class DeleteWorkflowSuccess:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted workflow."
    )


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
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of what was deleted."
    )


@strawberry.type(description="The graph or a field breaks a rule.")
class InvalidWorkflow(Error):
    node_id: str | None = strawberry.field(description="The node at fault.")


@strawberry.type(description="No workflow has that id (or it is not visible).")
class WorkflowNotFound(Error):
    pass


@strawberry.type(description="No folder or tag has that id.")
class WorkflowLabelNotFound(Error):
    pass


@strawberry.type(description="A folder or tag with that name exists.")
class WorkflowLabelNameTaken(Error):
    name: str = strawberry.field(description="The name asked for.")


@strawberry.type(description="Disabled workflows and templates run only in test mode.")
class WorkflowNotRunnable(Error):
    pass
