"""Queries of the Ansible Hub domain."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.ansible import service
from app.ansible.graphql.types import AnsibleJob, AnsiblePlaybook
from app.ansible.models import AnsiblePlaybook as PlaybookModel
from app.graphql.context import Info
from app.graphql.nodes import key_or_none, node_of, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission


@strawberry.enum(description="What Ansible playbooks can be sorted by.")
class AnsiblePlaybookOrderField(Enum):
    NUMBER = "id"
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="How to sort Ansible playbooks.")
class AnsiblePlaybookOrder:
    field: AnsiblePlaybookOrderField = AnsiblePlaybookOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which Ansible playbooks to list; every filter applies.")
class AnsiblePlaybookFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name (any case)."
    )
    type: str | None = strawberry.field(default=None, description="Machine or Other.")
    status: str | None = strawberry.field(
        default=None, description="Latest run: Success, Fail or Not start."
    )


@strawberry.type
class AnsibleQuery:
    @strawberry.field(
        description="Ansible playbooks matching the filter, sorted, a page at a time.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.view")],
    )
    async def ansible_playbooks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: AnsiblePlaybookFilter | None = None,
        order_by: AnsiblePlaybookOrder | None = None,
    ) -> Connection[AnsiblePlaybook]:
        f = filter or AnsiblePlaybookFilter()
        order = order_by or AnsiblePlaybookOrder()
        query = service.playbook_query(f.search, f.type, f.status)
        keys = [PlaybookModel.id]
        if order.field is not AnsiblePlaybookOrderField.NUMBER:
            keys.insert(0, getattr(PlaybookModel, order.field.value))
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, AnsiblePlaybook.from_model
        )

    @strawberry.field(
        description="One Ansible playbook with its tasks and rendered YAML, or null "
        "when absent.",
        permission_classes=[HasPermission("playbooks.ansible_playbook.view")],
    )
    async def ansible_playbook(
        self, info: Info, id: strawberry.ID
    ) -> AnsiblePlaybook | None:
        key = key_or_none(id, AnsiblePlaybook)
        loader = row_loader(info, AnsiblePlaybook)
        row = await loader.load(key) if key is not None else None
        return AnsiblePlaybook.from_model(row) if row is not None else None

    @strawberry.field(
        description="One Ansible job with each playbook's status and output, or null "
        "when absent.",
        permission_classes=[HasPermission("playbooks.ansible_job.view")],
    )
    async def ansible_job(self, info: Info, id: strawberry.ID) -> AnsibleJob | None:
        return await node_of(info, AnsibleJob, key_or_none(id, AnsibleJob))
