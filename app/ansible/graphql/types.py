"""GraphQL types of the Ansible Hub domain."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.ansible import service
from app.ansible.models import AnsibleJob as JobModel
from app.ansible.models import AnsibleJobPlaybook as JobPlaybookModel
from app.ansible.models import AnsiblePlaybook as PlaybookModel
from app.graphql.types import Error


@strawberry.type(description="One task of an Ansible playbook.")
class AnsibleTask:
    id: int = strawberry.field(description="Task id, kept across updates.")
    enabled: bool = strawberry.field(description="Only enabled tasks are run.")
    content: str = strawberry.field(description="The task as YAML.")


@strawberry.type(description="An Ansible Hub playbook: one play and ordered tasks.")
class AnsiblePlaybook:
    id: int = strawberry.field(description="Playbook id.")
    name: str = strawberry.field(description="Unique name.")
    type: str = strawberry.field(description="`Machine` or `Other`.")
    status: str = strawberry.field(
        description="Latest run: `Success`, `Fail` or `Not start`."
    )
    main: JSON = strawberry.field(description="Play header: hosts, gather_facts, ...")
    tasks: list[AnsibleTask] = strawberry.field(description="Tasks in order.")
    rendered: str = strawberry.field(
        description="The real Ansible playbook YAML (enabled tasks only)."
    )
    last_run_at: datetime | None = strawberry.field(description="Latest run's end.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_model(cls, p: PlaybookModel) -> AnsiblePlaybook:
        return cls(
            id=p.id,
            name=p.name,
            type=p.type,
            status=p.status,
            main=p.main,
            tasks=[
                AnsibleTask(id=t.id, enabled=t.enabled, content=t.content)
                for t in p.tasks
            ],
            rendered=service.render(p),
            last_run_at=p.last_run_at,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@strawberry.type(description="A page of Ansible playbooks (without tasks).")
class AnsiblePlaybookPage:
    items: list[AnsiblePlaybookSummary] = strawberry.field(description="This page.")
    page: int = strawberry.field(description="Page number, from 1.")
    per_page: int = strawberry.field(description="Page size.")
    total: int = strawberry.field(description="Matching playbooks in all.")
    total_pages: int = strawberry.field(description="Number of pages.")

    @classmethod
    def from_page(cls, found: service.Page) -> AnsiblePlaybookPage:
        return cls(
            items=[AnsiblePlaybookSummary.from_model(p) for p in found.items],
            page=found.page,
            per_page=found.per_page,
            total=found.total,
            total_pages=found.total_pages,
        )


@strawberry.type(description="An Ansible playbook as lists show it.")
class AnsiblePlaybookSummary:
    id: int = strawberry.field(description="Playbook id.")
    name: str = strawberry.field(description="Unique name.")
    type: str = strawberry.field(description="`Machine` or `Other`.")
    status: str = strawberry.field(description="`Success`, `Fail` or `Not start`.")
    last_run_at: datetime | None = strawberry.field(description="Latest run's end.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_model(cls, p: PlaybookModel) -> AnsiblePlaybookSummary:
        return cls(
            id=p.id,
            name=p.name,
            type=p.type,
            status=p.status,
            last_run_at=p.last_run_at,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@strawberry.type(description="One playbook of an Ansible job and its run.")
class AnsibleJobPlaybook:
    position: int = strawberry.field(description="Run order, from 1.")
    playbook_id: int | None = strawberry.field(
        description="The playbook (null once deleted)."
    )
    name: str = strawberry.field(description="Playbook name at job creation.")
    status: str = strawberry.field(
        description="`queued`, `running`, `success`, `failed` or `cancelled`."
    )
    output: str = strawberry.field(description="Ansible's stdout (PLAY/TASK/RECAP).")
    rendered: str = strawberry.field(description="The YAML that was run.")
    started_at: datetime | None = strawberry.field(description="Run start.")
    completed_at: datetime | None = strawberry.field(description="Run end.")

    @classmethod
    def from_model(cls, e: JobPlaybookModel) -> AnsibleJobPlaybook:
        return cls(
            position=e.position,
            playbook_id=e.playbook_id,
            name=e.name,
            status=e.status,
            output=e.output,
            rendered=e.rendered,
            started_at=e.started_at,
            completed_at=e.completed_at,
        )


@strawberry.type(description="Playbooks run one after another by ansible-runner.")
class AnsibleJob:
    id: strawberry.ID = strawberry.field(description="Job id, e.g. `job-3f2a...`.")
    status: str = strawberry.field(
        description="`queued`, `running`, `completed`, `failed` or `cancelled`."
    )
    error: str | None = strawberry.field(description="Why the job could not run.")
    inventory_id: int | None = strawberry.field(description="Inventory used.")
    playbooks: list[AnsibleJobPlaybook] = strawberry.field(description="In order.")
    created_at: datetime = strawberry.field(description="When it was queued.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    completed_at: datetime | None = strawberry.field(description="When it ended.")
    execution_id: strawberry.ID | None = strawberry.field(
        description="The execution backing the job (`execution`, `executionEvents`, "
        "`cancelExecution`); null only for jobs queued before jobs were executions."
    )

    @classmethod
    def from_model(cls, j: JobModel) -> AnsibleJob:
        return cls(
            id=strawberry.ID(j.id),
            execution_id=strawberry.ID(j.execution_uuid) if j.execution_uuid else None,
            status=j.status,
            error=j.error,
            inventory_id=j.inventory_id,
            playbooks=[AnsibleJobPlaybook.from_model(e) for e in j.playbooks],
            created_at=j.created_at,
            started_at=j.started_at,
            completed_at=j.completed_at,
        )


@strawberry.type(description="The playbook after a successful change.")
class AnsiblePlaybookSuccess:
    playbook: AnsiblePlaybook = strawberry.field(description="The playbook.")


@strawberry.type(description="The playbook was deleted.")
class DeleteAnsiblePlaybookSuccess:
    id: int = strawberry.field(description="Id of the deleted playbook.")


@strawberry.type(description="The job after a successful request.")
class AnsibleJobSuccess:
    job: AnsibleJob = strawberry.field(description="The job.")


@strawberry.type(description="No Ansible playbook has this id (PLAYBOOK_NOT_FOUND).")
class AnsiblePlaybookNotFound(Error):
    playbook_id: int = strawberry.field(description="The id asked for.")


@strawberry.type(description="The name is taken (PLAYBOOK_NAME_DUPLICATE).")
class AnsiblePlaybookNameDuplicate(Error):
    name: str = strawberry.field(description="The name asked for.")


@strawberry.type(description="A task is not valid YAML (INVALID_YAML_FORMAT).")
class InvalidYamlFormat(Error):
    task: int = strawberry.field(description="1-based position of the task.")
    line: int | None = strawberry.field(description="Line of the YAML error.")
    column: int | None = strawberry.field(description="Column of the YAML error.")


@strawberry.type(
    description="The play or a task is invalid (PLAYBOOK_VALIDATION_ERROR)."
)
class AnsiblePlaybookInvalid(Error):
    pass


@strawberry.type(description="No Ansible job has this id (JOB_NOT_FOUND).")
class AnsibleJobNotFound(Error):
    job_id: str = strawberry.field(description="The id asked for.")


@strawberry.type(description="The job has already finished.")
class AnsibleJobNotCancellable(Error):
    job_id: str = strawberry.field(description="The job.")
    status: str = strawberry.field(description="Its final status.")


@strawberry.type(description="The job request is invalid (e.g. no playbooks).")
class AnsibleJobInvalid(Error):
    pass


@strawberry.type(description="No inventory has this id (INVENTORY_NOT_FOUND).")
class AnsibleInventoryNotFound(Error):
    inventory_id: int = strawberry.field(description="The id asked for.")
