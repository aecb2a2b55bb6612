"""GraphQL types of the audit trail."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.audit import models
from app.graphql.nodes import Entity, global_id
from app.users.graphql.types import User


@strawberry.type(description="One security-relevant action.")
class AuditEntry(Entity):
    table = models.AuditEntry
    permission = "audit.log.read"

    number: int = strawberry.field(description="Row id.")
    action: str = strawberry.field(description="What happened, e.g. auth.login.failed.")
    user_id: strawberry.ID | None = strawberry.field(
        description="Acting user's global id; the user may since be deleted."
    )
    username: str | None = strawberry.field(description="Acting or attempted name.")
    client: str | None = strawberry.field(description="Client address.")
    target: str | None = strawberry.field(description="Affected object, `kind:id`.")
    details: JSON = strawberry.field(description="Action-specific facts.")
    created_at: datetime = strawberry.field(description="When it happened.")

    @classmethod
    def from_model(cls, entry: models.AuditEntry) -> AuditEntry:
        return cls(
            number=entry.id,
            action=entry.action,
            user_id=global_id(User, entry.user_id) if entry.user_id else None,
            username=entry.username,
            client=entry.client,
            target=entry.target,
            details=entry.details,
            created_at=entry.created_at,
        )
