"""Queries of the audit trail."""

from __future__ import annotations

import strawberry

from app.audit import service
from app.audit.graphql.types import AuditEntry
from app.graphql.context import Info
from app.graphql.permissions import HasPermission


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Audit entries, newest first (at most 500 per page).",
        permission_classes=[HasPermission("audit.log.view")],
    )
    async def audit_log(
        self,
        info: Info,
        action: str | None = None,
        user_id: strawberry.ID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditEntry]:
        uid = int(user_id) if user_id is not None and str(user_id).isdigit() else None
        async with info.context.db() as session:
            rows = await service.list_entries(
                session, action=action, user_id=uid, limit=limit, offset=offset
            )
        return [AuditEntry.from_model(r) for r in rows]
