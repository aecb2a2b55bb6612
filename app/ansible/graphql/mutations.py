"""Mutations of the Ansible Hub domain."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.ansible import errors, job_service, service
from app.ansible.graphql.types import (
    AnsibleInventoryNotFound,
    AnsibleJob,
    AnsibleJobInvalid,
    AnsibleJobNotCancellable,
    AnsibleJobNotFound,
    AnsibleJobSuccess,
    AnsiblePlaybook,
    AnsiblePlaybookInvalid,
    AnsiblePlaybookNameDuplicate,
    AnsiblePlaybookNotFound,
    AnsiblePlaybookSuccess,
    DeleteAnsiblePlaybookSuccess,
    InvalidYamlFormat,
)
from app.errors import DomainError, InvalidError, NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, keys_of
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from

CreateAnsiblePlaybookPayload = Annotated[
    AnsiblePlaybookSuccess
    | AnsiblePlaybookNameDuplicate
    | InvalidYamlFormat
    | AnsiblePlaybookInvalid,
    strawberry.union("CreateAnsiblePlaybookPayload"),
]
UpdateAnsiblePlaybookPayload = Annotated[
    AnsiblePlaybookSuccess
    | AnsiblePlaybookNotFound
    | AnsiblePlaybookNameDuplicate
    | InvalidYamlFormat
    | AnsiblePlaybookInvalid,
    strawberry.union("UpdateAnsiblePlaybookPayload"),
]
DeleteAnsiblePlaybookPayload = Annotated[
    DeleteAnsiblePlaybookSuccess | AnsiblePlaybookNotFound,
    strawberry.union("DeleteAnsiblePlaybookPayload"),
]
ExecuteAnsiblePlaybooksPayload = Annotated[
    AnsibleJobSuccess
    | AnsiblePlaybookNotFound
    | AnsibleInventoryNotFound
    | AnsibleJobInvalid,
    strawberry.union("ExecuteAnsiblePlaybooksPayload"),
]
CancelAnsibleJobPayload = Annotated[
    AnsibleJobSuccess | AnsibleJobNotFound | AnsibleJobNotCancellable,
    strawberry.union("CancelAnsibleJobPayload"),
]
SAVE_ERRORS = (AnsiblePlaybookNameDuplicate, InvalidYamlFormat, AnsiblePlaybookInvalid)
JOB_ERRORS = (AnsiblePlaybookNotFound, AnsibleInventoryNotFound, AnsibleJobInvalid)


@strawberry.input(description="A task; send `id` to keep an existing task.")
class AnsibleTaskInput:
    id: int | None = strawberry.field(default=None, description="Existing task id.")
    enabled: bool = strawberry.field(description="Whether the task runs.")
    content: str = strawberry.field(description="The task as YAML.")


@strawberry.input(description="A new Ansible playbook.")
class CreateAnsiblePlaybookInput:
    name: str = strawberry.field(description="Unique name.")
    type: str = strawberry.field(description="`Machine` or `Other`.")
    main: JSON = strawberry.field(description="Play header: hosts, gather_facts...")
    tasks: list[AnsibleTaskInput] = strawberry.field(description="Tasks in order.")


@strawberry.input(description="Changes to an Ansible playbook; omitted fields stay.")
class UpdateAnsiblePlaybookInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    type: str | None = strawberry.field(default=None, description="New type.")
    main: JSON | None = strawberry.field(default=None, description="New header.")
    tasks: list[AnsibleTaskInput] | None = strawberry.field(
        default=None, description="The full new task list."
    )


@strawberry.input(description="Playbooks to run in order against an inventory.")
class ExecuteAnsiblePlaybooksInput:
    playbook_ids: list[strawberry.ID] = strawberry.field(
        description="Playbooks (global ids), in run order."
    )
    inventory_id: strawberry.ID | None = strawberry.field(
        default=None, description="Inventory to run against (global id)."
    )
    extra_vars: JSON | None = strawberry.field(default=None, description="Extra vars.")

    def keys(self) -> tuple[list[int], int | None]:
        """The playbooks' and the inventory's row ids."""
        from app.inventories.graphql.schema import Inventory

        playbooks = keys_of(self.playbook_ids, AnsiblePlaybook, field="playbookIds")
        if self.inventory_id is None:
            return playbooks, None
        return playbooks, key_of(self.inventory_id, Inventory, field="inventoryId")


def _drafts(tasks: list[AnsibleTaskInput]) -> list[service.TaskDraft]:
    return [service.TaskDraft(t.enabled, t.content, t.id) for t in tasks]


def _not_found(exc: DomainError, field: str) -> AnsiblePlaybookNotFound:
    """A missing playbook, naming `field` when the error names no input."""
    missing = error_from(AnsiblePlaybookNotFound, exc)
    missing.field = missing.field or field
    return missing


def _playbook_failure(exc: Exception) -> Error | None:
    if isinstance(exc, NotFoundError):
        return _not_found(exc, "id")
    if isinstance(exc, errors.PlaybookNameDuplicateError):
        return AnsiblePlaybookNameDuplicate(
            message=exc.message, field="name", name=exc.name
        )
    if isinstance(exc, errors.InvalidYamlFormatError):
        return InvalidYamlFormat(
            message=exc.message,
            field="tasks",
            task=exc.task,
            line=exc.line,
            column=exc.column,
        )
    if isinstance(exc, InvalidError):
        return error_from(AnsiblePlaybookInvalid, exc)
    return None


def _job_failure(exc: Exception) -> Error | None:
    if not isinstance(exc, DomainError):
        return None
    field = exc.details.get("field")
    if exc.code == "INVENTORY_NOT_FOUND" or field == "inventoryId":
        missing = error_from(AnsibleInventoryNotFound, exc)
        missing.field = "inventoryId"
        return missing
    if isinstance(exc, NotFoundError):
        return _not_found(exc, "playbookIds")
    if isinstance(exc, InvalidError):
        return error_from(AnsibleJobInvalid, exc)
    return None


def _cancel_failure(exc: Exception) -> Error | None:
    if isinstance(exc, NotFoundError):
        missing = error_from(AnsibleJobNotFound, exc)
        missing.field = "jobId"
        return missing
    if isinstance(exc, errors.JobNotCancellableError):
        return AnsibleJobNotCancellable(
            message=exc.message, field="jobId", status=exc.status
        )
    return None


@strawberry.type
class AnsibleMutation:
    @strawberry.mutation(
        description="Create an Ansible playbook; task YAML is validated.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.create")],
    )
    async def create_ansible_playbook(
        self, info: Info, input: CreateAnsiblePlaybookInput
    ) -> CreateAnsiblePlaybookPayload:
        async with expected(
            *SAVE_ERRORS, via=_playbook_failure, db=info.context.db
        ) as out:
            playbook = await service.create_playbook(
                out.session,
                name=input.name,
                type_=input.type,
                main=input.main,
                tasks=_drafts(input.tasks),
            )
        return out.error or AnsiblePlaybookSuccess(
            playbook=AnsiblePlaybook.from_model(playbook)
        )

    @strawberry.mutation(
        description="Change an Ansible playbook; tasks sent with an id keep it.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.update")],
    )
    async def update_ansible_playbook(
        self, info: Info, id: strawberry.ID, input: UpdateAnsiblePlaybookInput
    ) -> UpdateAnsiblePlaybookPayload:
        tasks = None if input.tasks is None else _drafts(input.tasks)
        async with expected(
            AnsiblePlaybookNotFound,
            *SAVE_ERRORS,
            via=_playbook_failure,
            db=info.context.db,
        ) as out:
            playbook = await service.update_playbook(
                out.session,
                key_of(id, AnsiblePlaybook, field="id"),
                name=input.name,
                type_=input.type,
                main=input.main,
                tasks=tasks,
            )
        return out.error or AnsiblePlaybookSuccess(
            playbook=AnsiblePlaybook.from_model(playbook)
        )

    @strawberry.mutation(
        description="Delete an Ansible playbook (past jobs keep their copy).",
        permission_classes=[HasPermission("playbooks.ansible_playbook.delete")],
    )
    async def delete_ansible_playbook(
        self, info: Info, id: strawberry.ID
    ) -> DeleteAnsiblePlaybookPayload:
        async with expected(
            AnsiblePlaybookNotFound, via=_playbook_failure, db=info.context.db
        ) as out:
            key = key_of(id, AnsiblePlaybook, field="id")
            await service.delete_playbook(out.session, key)
        return out.error or DeleteAnsiblePlaybookSuccess(
            deleted_id=global_id(AnsiblePlaybook, key)
        )

    @strawberry.mutation(
        description="Queue a job running the playbooks one after another.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.execute")],
    )
    async def execute_ansible_playbooks(
        self, info: Info, input: ExecuteAnsiblePlaybooksInput
    ) -> ExecuteAnsiblePlaybooksPayload:
        principal = info.context.principal
        async with expected(*JOB_ERRORS, via=_job_failure, db=info.context.db) as out:
            playbook_ids, inventory_id = input.keys()
            job = await job_service.create_job(
                out.session,
                playbook_ids,
                inventory_id=inventory_id,
                extra_vars=input.extra_vars,
                user_id=principal.user_id if principal else None,
            )
        return out.error or AnsibleJobSuccess(job=AnsibleJob.from_model(job))

    @strawberry.mutation(
        description="Cancel an Ansible job; a running ansible-runner is stopped.",
        permission_classes=[HasPermission("playbooks.ansible_job.cancel")],
    )
    async def cancel_ansible_job(
        self, info: Info, job_id: strawberry.ID
    ) -> CancelAnsibleJobPayload:
        async with expected(
            AnsibleJobNotFound,
            AnsibleJobNotCancellable,
            via=_cancel_failure,
            db=info.context.db,
        ) as out:
            key = key_of(job_id, AnsibleJob, field="jobId")
            job = await job_service.cancel_job(out.session, key)
        return out.error or AnsibleJobSuccess(job=AnsibleJob.from_model(job))
