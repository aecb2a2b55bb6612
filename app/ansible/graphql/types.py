"""GraphQL types of the Ansible Hub domain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from strawberry.scalars import JSON

from app.ansible import service
from app.ansible.models import AnsibleJob as JobModel
from app.ansible.models import AnsibleJobPlaybook as JobPlaybookModel
from app.ansible.models import AnsiblePlaybook as PlaybookModel
from app.executions.graphql.types import Execution
from app.graphql.context import Info
from app.graphql.nodes import Entity, global_id, row_loader
from app.graphql.types import Error

if TYPE_CHECKING:
    from app.inventories.graphql.schema import Inventory

InventoryRef = Annotated["Inventory", strawberry.lazy("app.inventories.graphql.schema")]
MAX_JOB_KEY = 40  # the length of ansible_job.id


@strawberry.type(description="One task of an Ansible playbook.")
class AnsibleTask:
    id: int = strawberry.field(description="Task id, kept across updates.")
    enabled: bool = strawberry.field(description="Only enabled tasks are run.")
    content: str = strawberry.field(description="The task as YAML.")


@strawberry.type(description="An Ansible Hub playbook: one play and ordered tasks.")
class AnsiblePlaybook(Entity):
    table = PlaybookModel
    permission = "playbooks.ansible_playbook.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
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
    def scope(cls, info: Info, query: Select[Any]) -> Select[Any]:
        """Every playbook is visible; it is read with its tasks (one statement)."""
        return query.options(selectinload(PlaybookModel.tasks))

    @classmethod
    def from_model(cls, p: PlaybookModel) -> AnsiblePlaybook:
        return cls(
            number=p.id,
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


@strawberry.type(description="One playbook of an Ansible job and its run.")
class AnsibleJobPlaybook:
    position: int = strawberry.field(description="Run order, from 1.")
    name: str = strawberry.field(description="Playbook name at job creation.")
    status: str = strawberry.field(
        description="`queued`, `running`, `success`, `failed` or `cancelled`."
    )
    output: str = strawberry.field(description="Ansible's stdout (PLAY/TASK/RECAP).")
    rendered: str = strawberry.field(description="The YAML that was run.")
    started_at: datetime | None = strawberry.field(description="Run start.")
    completed_at: datetime | None = strawberry.field(description="Run end.")
    playbook_id: strawberry.Private[int | None]

    @strawberry.field(description="The playbook (null once deleted).")
    async def playbook(self, info: Info) -> AnsiblePlaybook | None:
        if self.playbook_id is None:
            return None
        found = await row_loader(info, AnsiblePlaybook).load(self.playbook_id)
        return AnsiblePlaybook.from_model(found) if found is not None else None

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
class AnsibleJob(Entity):
    table = JobModel
    permission = "playbooks.ansible_job.view"
    key_field = "key"

    key: str = strawberry.field(
        description="The job's own id (`job-3f2a...`), as the REST surfaces use."
    )
    status: str = strawberry.field(
        description="`queued`, `running`, `completed`, `failed` or `cancelled`."
    )
    error: str | None = strawberry.field(description="Why the job could not run.")
    playbooks: list[AnsibleJobPlaybook] = strawberry.field(description="In order.")
    created_at: datetime = strawberry.field(description="When it was queued.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    completed_at: datetime | None = strawberry.field(description="When it ended.")
    execution_id: strawberry.ID | None = strawberry.field(
        description="The execution backing the job (`execution`, `executionEvents`, "
        "`cancelExecution`); null only for jobs queued before jobs were executions."
    )
    inventory_id: strawberry.Private[int | None]

    @strawberry.field(description="The inventory it ran against (null once deleted).")
    async def inventory(self, info: Info) -> InventoryRef | None:
        from app.inventories.graphql.schema import Inventory

        if self.inventory_id is None:
            return None
        found = await row_loader(info, Inventory).load(self.inventory_id)
        return Inventory.from_model(found) if found is not None else None

    @classmethod
    def parse_key(cls, raw: str) -> str | None:
        """A job id is short text (`job-` and hex for new jobs)."""
        return raw if 0 < len(raw) <= MAX_JOB_KEY and raw.isprintable() else None

    @classmethod
    def scope(cls, info: Info, query: Select[Any]) -> Select[Any]:
        """Every job is visible; it is read with its playbooks (one statement)."""
        return query.options(selectinload(JobModel.playbooks))

    @classmethod
    def from_model(cls, j: JobModel) -> AnsibleJob:
        return cls(
            key=j.id,
            execution_id=(
                global_id(Execution, j.execution_uuid) if j.execution_uuid else None
            ),
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
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted playbook."
    )


@strawberry.type(description="The job after a successful request.")
class AnsibleJobSuccess:
    job: AnsibleJob = strawberry.field(description="The job.")


@strawberry.type(description="No Ansible playbook has this id (PLAYBOOK_NOT_FOUND).")
class AnsiblePlaybookNotFound(Error):
    pass


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
    pass


@strawberry.type(description="The job has already finished.")
class AnsibleJobNotCancellable(Error):
    status: str = strawberry.field(description="Its final status.")


@strawberry.type(description="The job request is invalid (e.g. no playbooks).")
class AnsibleJobInvalid(Error):
    pass


@strawberry.type(description="No inventory has this id (INVENTORY_NOT_FOUND).")
class AnsibleInventoryNotFound(Error):
    pass
