"""Queries of the Ansible Hub domain."""

from __future__ import annotations

import strawberry

from app.ansible import job_service, service
from app.ansible.graphql.types import (
    AnsibleJob,
    AnsiblePlaybook,
    AnsiblePlaybookPage,
)
from app.graphql.context import Info
from app.graphql.permissions import HasPermission


@strawberry.type
class AnsibleQuery:
    @strawberry.field(
        description="Ansible playbooks by name search, type and status, paginated.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.view")],
    )
    async def ansible_playbooks(
        self,
        info: Info,
        search: str | None = None,
        type: str | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = 10,
    ) -> AnsiblePlaybookPage:
        async with info.context.db() as session:
            found = await service.list_playbooks(
                session,
                search=search,
                type_=type,
                status=status,
                page=page,
                per_page=per_page,
            )
        return AnsiblePlaybookPage.from_page(found)

    @strawberry.field(
        description="One Ansible playbook with its tasks and rendered YAML.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.view")],
    )
    async def ansible_playbook(self, info: Info, id: int) -> AnsiblePlaybook:
        async with info.context.db() as session:
            playbook = await service.get_playbook(session, id)
        return AnsiblePlaybook.from_model(playbook)

    @strawberry.field(
        description="One Ansible job with each playbook's status and output.",
        permission_classes=[HasPermission("playbooks.ansible_job.view")],
    )
    async def ansible_job(self, info: Info, id: strawberry.ID) -> AnsibleJob:
        async with info.context.db() as session:
            job = await job_service.get_job(session, str(id))
        return AnsibleJob.from_model(job)
