"""Mutations of the alerts domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.alerts import service
from app.alerts.errors import AlertResolvedError
from app.alerts.graphql.types import (
    Alert,
    AlertAlreadyResolved,
    AlertNotFound,
    AlertSuccess,
    DeleteAlertSuccess,
)
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from

AcknowledgeAlertPayload = Annotated[
    AlertSuccess | AlertNotFound | AlertAlreadyResolved,
    strawberry.union("AcknowledgeAlertPayload"),
]
ResolveAlertPayload = Annotated[
    AlertSuccess | AlertNotFound, strawberry.union("ResolveAlertPayload")
]
DeleteAlertPayload = Annotated[
    DeleteAlertSuccess | AlertNotFound, strawberry.union("DeleteAlertPayload")
]


def _user(info: Info) -> int | None:
    return info.context.principal.user_id if info.context.principal else None


def _failure(exc: Exception) -> Error | None:
    """The member naming `exc`'s condition; `field` is the `id` argument."""
    if isinstance(exc, NotFoundError):
        found = error_from(AlertNotFound, exc)
        found.field = "id"
        return found
    if isinstance(exc, AlertResolvedError):
        return AlertAlreadyResolved(message=exc.message, field="id")
    return None


@strawberry.type
class AlertsMutation:
    @strawberry.mutation(
        description="Acknowledge an active alert.",
        permission_classes=[HasPermission("alerts.alert.update")],
    )
    async def acknowledge_alert(
        self, info: Info, id: strawberry.ID
    ) -> AcknowledgeAlertPayload:
        async with expected(
            AlertNotFound, AlertAlreadyResolved, via=_failure, db=info.context.db
        ) as out:
            key = key_of(id, Alert, field="id")
            alert = await service.acknowledge(out.session, key, _user(info))
        return out.error or AlertSuccess(alert=Alert.from_model(alert))

    @strawberry.mutation(
        description="Resolve an alert.",
        permission_classes=[HasPermission("alerts.alert.update")],
    )
    async def resolve_alert(self, info: Info, id: strawberry.ID) -> ResolveAlertPayload:
        async with expected(AlertNotFound, via=_failure, db=info.context.db) as out:
            key = key_of(id, Alert, field="id")
            alert = await service.resolve(out.session, key, _user(info))
        return out.error or AlertSuccess(alert=Alert.from_model(alert))

    @strawberry.mutation(
        description="Delete an alert.",
        permission_classes=[HasPermission("alerts.alert.delete")],
    )
    async def delete_alert(self, info: Info, id: strawberry.ID) -> DeleteAlertPayload:
        async with expected(AlertNotFound, via=_failure, db=info.context.db) as out:
            key = key_of(id, Alert, field="id")
            await service.delete(out.session, key)
        return out.error or DeleteAlertSuccess(deleted_id=global_id(Alert, key))
