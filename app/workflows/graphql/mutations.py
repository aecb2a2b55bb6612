"""Mutations of the workflows domain."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission, holds
from app.graphql.types import Error, error_from
from app.workflows import errors, service
from app.workflows.graphql.payloads import (
    DeleteWorkflowLabelSuccess,
    DeleteWorkflowSuccess,
    InvalidWorkflow,
    RunWorkflowSuccess,
    WorkflowFolderSuccess,
    WorkflowLabelNameTaken,
    WorkflowLabelNotFound,
    WorkflowNotFound,
    WorkflowNotRunnable,
    WorkflowSuccess,
    WorkflowTagSuccess,
)
from app.workflows.graphql.types import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowTag,
)

SaveWorkflowPayload = Annotated[
    WorkflowSuccess | InvalidWorkflow | WorkflowNotFound | WorkflowLabelNotFound,
    strawberry.union("SaveWorkflowPayload"),
]
DeleteWorkflowPayload = Annotated[
    DeleteWorkflowSuccess | WorkflowNotFound, strawberry.union("DeleteWorkflowPayload")
]
RunWorkflowPayload = Annotated[
    RunWorkflowSuccess | WorkflowNotFound | WorkflowNotRunnable | InvalidWorkflow,
    strawberry.union("RunWorkflowPayload"),
]
SaveWorkflowFolderPayload = Annotated[
    WorkflowFolderSuccess
    | WorkflowLabelNotFound
    | WorkflowLabelNameTaken
    | InvalidWorkflow,
    strawberry.union("SaveWorkflowFolderPayload"),
]
SaveWorkflowTagPayload = Annotated[
    WorkflowTagSuccess
    | WorkflowLabelNotFound
    | WorkflowLabelNameTaken
    | InvalidWorkflow,
    strawberry.union("SaveWorkflowTagPayload"),
]
DeleteWorkflowLabelPayload = Annotated[
    DeleteWorkflowLabelSuccess | WorkflowLabelNotFound,
    strawberry.union("DeleteWorkflowLabelPayload"),
]
SAVE_ERRORS = (InvalidWorkflow, WorkflowNotFound, WorkflowLabelNotFound)
RUN_ERRORS = (WorkflowNotFound, WorkflowNotRunnable, InvalidWorkflow)
LABEL_ERRORS = (WorkflowLabelNotFound, WorkflowLabelNameTaken, InvalidWorkflow)


@strawberry.input(description="Fields of a workflow; unset ones keep their value.")
class WorkflowInput:
    name: str | None = strawberry.field(default=None, description="Name.")
    description: str | None = strawberry.field(default=None, description="About.")
    folder_id: strawberry.ID | None = strawberry.field(
        default=None, description="Folder (global id)."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Tag names.")
    nodes: JSON | None = strawberry.field(default=None, description="Canonical nodes.")
    edges: JSON | None = strawberry.field(default=None, description="Canonical edges.")
    variables: JSON | None = strawberry.field(default=None, description="Variables.")
    settings: JSON | None = strawberry.field(default=None, description="Settings.")
    enabled: bool | None = strawberry.field(default=None, description="May it run.")
    is_template: bool | None = strawberry.field(default=None, description="Blueprint.")

    def fields(self) -> dict[str, Any]:
        """The fields that were given, with the folder's global id as its key."""
        given = {k: v for k, v in vars(self).items() if v is not None}
        if "folder_id" in given:
            given["folder_id"] = key_of(
                given["folder_id"], WorkflowFolder, field="folderId"
            )
        return given


def _failure(
    exc: Exception, field: str = "id", not_found: type[Error] = WorkflowNotFound
) -> Error | None:
    """The union member for an expected failure; `field` names the input that
    named what was not found (a `not_found`), unless the error says which."""
    if isinstance(exc, errors.InvalidWorkflowError):
        return InvalidWorkflow(message=exc.message, node_id=exc.node_id)
    if isinstance(exc, errors.NameTakenError):
        return WorkflowLabelNameTaken(message=exc.message, name=exc.name, field="name")
    if isinstance(exc, errors.WorkflowNotRunnableError):
        return WorkflowNotRunnable(message=exc.message, field="id")
    if not isinstance(exc, NotFoundError):
        return None
    kind = not_found
    label = isinstance(exc, errors.FolderNotFoundError | errors.TagNotFoundError)
    if label or exc.details.get("field") == "folderId":
        kind = WorkflowLabelNotFound
    member = error_from(kind, exc)
    member.field = member.field or field
    return member


def _update_failure(exc: Exception) -> Error | None:
    """A workflow update's failure: a missing folder is the `folderId`'s."""
    folder = isinstance(exc, errors.FolderNotFoundError)
    return _failure(exc, "folderId" if folder else "id")


_create_failure = partial(_failure, field="folderId")
_label_failure = partial(_failure, not_found=WorkflowLabelNotFound)


@strawberry.type
class WorkflowsMutation:
    @strawberry.mutation(
        description="Create a workflow; the graph is validated whole.",
        permission_classes=[HasPermission("workflows.workflow.create")],
    )
    async def create_workflow(
        self, info: Info, input: WorkflowInput
    ) -> SaveWorkflowPayload:
        principal = info.context.principal
        async with expected(
            *SAVE_ERRORS, via=_create_failure, db=info.context.db
        ) as out:
            fields = input.fields()
            workflow = await service.create_workflow(
                out.session,
                fields,
                principal.user_id if principal else None,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        return out.error or WorkflowSuccess(workflow=Workflow.from_model(workflow))

    @strawberry.mutation(
        description="Change a workflow; a changed graph is validated whole.",
        permission_classes=[HasPermission("workflows.workflow.update")],
    )
    async def update_workflow(
        self, info: Info, id: strawberry.ID, input: WorkflowInput
    ) -> SaveWorkflowPayload:
        async with expected(
            *SAVE_ERRORS, via=_update_failure, db=info.context.db
        ) as out:
            key, fields = key_of(id, Workflow, field="id"), input.fields()
            workflow = await service.update_workflow(
                out.session,
                key,
                fields,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        return out.error or WorkflowSuccess(workflow=Workflow.from_model(workflow))

    @strawberry.mutation(
        description="Delete a workflow with its executions.",
        permission_classes=[HasPermission("workflows.workflow.delete")],
    )
    async def delete_workflow(
        self, info: Info, id: strawberry.ID
    ) -> DeleteWorkflowPayload:
        async with expected(WorkflowNotFound, via=_failure, db=info.context.db) as out:
            key = key_of(id, Workflow, field="id")
            await service.delete_workflow(out.session, key)
        return out.error or DeleteWorkflowSuccess(deleted_id=global_id(Workflow, key))

    @strawberry.mutation(
        description="Queue a run; follow it with `workflowExecutionEvents`.",
        permission_classes=[HasPermission("workflows.workflow.execute")],
    )
    async def run_workflow(
        self,
        info: Info,
        id: strawberry.ID,
        trigger_data: JSON | None = None,
        test_mode: bool = False,
    ) -> RunWorkflowPayload:
        principal = info.context.principal
        async with expected(*RUN_ERRORS, via=_failure, db=info.context.db) as out:
            key = key_of(id, Workflow, field="id")
            run = await service.start_run(
                out.session,
                key,
                trigger_type="api",
                trigger_data=trigger_data if isinstance(trigger_data, dict) else {},
                test_mode=test_mode,
                user_id=principal.user_id if principal else None,
            )
        return out.error or RunWorkflowSuccess(
            execution=WorkflowExecution.from_model(run)
        )

    @strawberry.mutation(
        description="Create a folder (no id) or rename/describe one.",
        permission_classes=[HasPermission("workflows.folder.update")],
    )
    async def save_workflow_folder(
        self, info: Info, name: str | None = None,
        id: strawberry.ID | None = None, description: str | None = None,
    ) -> SaveWorkflowFolderPayload:  # fmt: skip
        async with expected(
            *LABEL_ERRORS, via=_label_failure, db=info.context.db
        ) as out:
            key = None if id is None else key_of(id, WorkflowFolder, field="id")
            folder = await service.save_folder(out.session, key, name, description)
        return out.error or WorkflowFolderSuccess(
            folder=WorkflowFolder.from_model(folder)
        )

    @strawberry.mutation(
        description="Delete a folder; its workflows stay, unfiled.",
        permission_classes=[HasPermission("workflows.folder.delete")],
    )
    async def delete_workflow_folder(
        self, info: Info, id: strawberry.ID
    ) -> DeleteWorkflowLabelPayload:
        async with expected(
            WorkflowLabelNotFound, via=_label_failure, db=info.context.db
        ) as out:
            key = key_of(id, WorkflowFolder, field="id")
            await service.delete_folder(out.session, key)
        return out.error or DeleteWorkflowLabelSuccess(
            deleted_id=global_id(WorkflowFolder, key)
        )

    @strawberry.mutation(
        description="Create a tag (no id) or rename/recolour one.",
        permission_classes=[HasPermission("workflows.tag.update")],
    )
    async def save_workflow_tag(
        self, info: Info, name: str | None = None,
        id: strawberry.ID | None = None, color: str | None = None,
    ) -> SaveWorkflowTagPayload:  # fmt: skip
        async with expected(
            *LABEL_ERRORS, via=_label_failure, db=info.context.db
        ) as out:
            key = None if id is None else key_of(id, WorkflowTag, field="id")
            tag = await service.save_tag(out.session, key, name, color)
        return out.error or WorkflowTagSuccess(tag=WorkflowTag.from_model(tag))

    @strawberry.mutation(
        description="Delete a tag; workflows lose it.",
        permission_classes=[HasPermission("workflows.tag.delete")],
    )
    async def delete_workflow_tag(
        self, info: Info, id: strawberry.ID
    ) -> DeleteWorkflowLabelPayload:
        async with expected(
            WorkflowLabelNotFound, via=_label_failure, db=info.context.db
        ) as out:
            key = key_of(id, WorkflowTag, field="id")
            await service.delete_tag(out.session, key)
        return out.error or DeleteWorkflowLabelSuccess(
            deleted_id=global_id(WorkflowTag, key)
        )
