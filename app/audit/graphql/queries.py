"""Queries of the audit trail."""

from __future__ import annotations

import strawberry

from app.audit import models, service
from app.audit.graphql.types import AuditEntry
from app.graphql.context import Info
from app.graphql.nodes import key_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.users.graphql.types import User


@strawberry.input(
    description="Which audit entries to list; every given filter applies."
)
class AuditFilter:
    action: str | None = strawberry.field(
        default=None, description="Only this action, e.g. auth.login.failed."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only what this user did (global id)."
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Audit entries in the order they were recorded (newest first "
        "unless `direction: ASC`), one page at a time.",
        permission_classes=[HasPermission("audit.log.read")],
    )
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: AuditFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[AuditEntry]:
        f = filter or AuditFilter()
        user = None if f.user_id is None else key_of(f.user_id, User, field="userId")
        query = service.entry_query(f.action, user)
        window = Window(first, after, last, before)
        return await paginate(
            info,
            query,
            [models.AuditEntry.id],
            direction,
            window,
            AuditEntry.from_model,
        )
