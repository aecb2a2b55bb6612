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
from app.db import unit_of_work
from app.errors import DomainError, InvalidError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

PlaybookFailure = (
    AnsiblePlaybookNotFound
    | AnsiblePlaybookNameDuplicate
    | InvalidYamlFormat
    | AnsiblePlaybookInvalid
)
CreateAnsiblePlaybookPayload = Annotated[
    AnsiblePlaybookSuccess
    | AnsiblePlaybookNameDuplicate
    | InvalidYamlFormat
    | AnsiblePlaybookInvalid,
    strawberry.union("CreateAnsiblePlaybookPayload"),
]
UpdateAnsiblePlaybookPayload = Annotated[
    AnsiblePlaybookSuccess | PlaybookFailure,
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
    playbook_ids: list[int] = strawberry.field(description="Playbooks, in run order.")
    inventory_id: int | None = strawberry.field(
        default=None, description="Inventory to run against."
    )
    extra_vars: JSON | None = strawberry.field(default=None, description="Extra vars.")


def _drafts(tasks: list[AnsibleTaskInput]) -> list[service.TaskDraft]:
    return [service.TaskDraft(t.enabled, t.content, t.id) for t in tasks]


def _playbook_failure(exc: DomainError) -> PlaybookFailure:
    if isinstance(exc, errors.PlaybookNotFoundError):
        return AnsiblePlaybookNotFound(message=exc.message, playbook_id=exc.playbook_id)
    if isinstance(exc, errors.PlaybookNameDuplicateError):
        return AnsiblePlaybookNameDuplicate(message=exc.message, name=exc.name)
    if isinstance(exc, errors.InvalidYamlFormatError):
        return InvalidYamlFormat(
            message=exc.message, task=exc.task, line=exc.line, column=exc.column
        )
    if isinstance(exc, InvalidError):
        return AnsiblePlaybookInvalid(message=exc.message)
    raise exc


def _job_failure(
    exc: DomainError,
) -> AnsiblePlaybookNotFound | AnsibleInventoryNotFound | AnsibleJobInvalid:
    if isinstance(exc, errors.PlaybookNotFoundError):
        return AnsiblePlaybookNotFound(message=exc.message, playbook_id=exc.playbook_id)
    if exc.code == "INVENTORY_NOT_FOUND":  # raised by the inventories service
        inventory_id = int(str(exc.details.get("inventory_id", 0)))
        return AnsibleInventoryNotFound(message=exc.message, inventory_id=inventory_id)
    if isinstance(exc, InvalidError):
        return AnsibleJobInvalid(message=exc.message)
    raise exc


@strawberry.type
class AnsibleMutation:
    @strawberry.mutation(
        description="Create an Ansible playbook; task YAML is validated.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.create")],
    )
    async def create_ansible_playbook(
        self, info: Info, input: CreateAnsiblePlaybookInput
    ) -> CreateAnsiblePlaybookPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                playbook = await service.create_playbook(
                    session,
                    name=input.name,
                    type_=input.type,
                    main=input.main,
                    tasks=_drafts(input.tasks),
                )
        except DomainError as exc:
            return _playbook_failure(exc)  # type: ignore[return-value]
        return AnsiblePlaybookSuccess(playbook=AnsiblePlaybook.from_model(playbook))

    @strawberry.mutation(
        description="Change an Ansible playbook; tasks sent with an id keep it.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.update")],
    )
    async def update_ansible_playbook(
        self, info: Info, id: int, input: UpdateAnsiblePlaybookInput
    ) -> UpdateAnsiblePlaybookPayload:
        tasks = None if input.tasks is None else _drafts(input.tasks)
        try:
            async with unit_of_work(info.context.db) as session:
                playbook = await service.update_playbook(
                    session,
                    id,
                    name=input.name,
                    type_=input.type,
                    main=input.main,
                    tasks=tasks,
                )
        except DomainError as exc:
            return _playbook_failure(exc)
        return AnsiblePlaybookSuccess(playbook=AnsiblePlaybook.from_model(playbook))

    @strawberry.mutation(
        description="Delete an Ansible playbook (past jobs keep their copy).",
        permission_classes=[HasPermission("playbooks.ansible_playbook.delete")],
    )
    async def delete_ansible_playbook(
        self, info: Info, id: int
    ) -> DeleteAnsiblePlaybookPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_playbook(session, id)
        except errors.PlaybookNotFoundError as exc:
            return AnsiblePlaybookNotFound(message=exc.message, playbook_id=id)
        return DeleteAnsiblePlaybookSuccess(id=id)

    @strawberry.mutation(
        description="Queue a job running the playbooks one after another.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.execute")],
    )
    async def execute_ansible_playbooks(
        self, info: Info, input: ExecuteAnsiblePlaybooksInput
    ) -> ExecuteAnsiblePlaybooksPayload:
        principal = info.context.principal
        try:
            async with unit_of_work(info.context.db) as session:
                job = await job_service.create_job(
                    session,
                    input.playbook_ids,
                    inventory_id=input.inventory_id,
                    extra_vars=input.extra_vars,
                    user_id=principal.user_id if principal else None,
                )
        except DomainError as exc:
            return _job_failure(exc)
        return AnsibleJobSuccess(job=AnsibleJob.from_model(job))

    @strawberry.mutation(
        description="Cancel an Ansible job; a running ansible-runner is stopped.",
        permission_classes=[HasPermission("playbooks.ansible_job.cancel")],
    )
    async def cancel_ansible_job(
        self, info: Info, job_id: strawberry.ID
    ) -> CancelAnsibleJobPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                job = await job_service.cancel_job(session, str(job_id))
        except errors.JobNotFoundError as exc:
            return AnsibleJobNotFound(message=exc.message, job_id=exc.job_id)
        except errors.JobNotCancellableError as exc:
            return AnsibleJobNotCancellable(
                message=exc.message, job_id=exc.job_id, status=exc.status
            )
        return AnsibleJobSuccess(job=AnsibleJob.from_model(job))
