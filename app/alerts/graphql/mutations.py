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
from app.db import unit_of_work
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission
from app.graphql.types import error_from

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


def _not_found(exc: NotFoundError) -> AlertNotFound:
    """The not-found member, naming the `id` argument."""
    found = error_from(AlertNotFound, exc)
    found.field = "id"
    return found


@strawberry.type
class AlertsMutation:
    @strawberry.mutation(
        description="Acknowledge an active alert.",
        permission_classes=[HasPermission("alerts.alert.update")],
    )
    async def acknowledge_alert(
        self, info: Info, id: strawberry.ID
    ) -> AcknowledgeAlertPayload:
        try:
            key = key_of(id, Alert, field="id")
            async with unit_of_work(info.context.db) as session:
                alert = await service.acknowledge(session, key, _user(info))
        except NotFoundError as exc:
            return _not_found(exc)
        except AlertResolvedError as exc:
            return AlertAlreadyResolved(message=exc.message, field="id")
        return AlertSuccess(alert=Alert.from_model(alert))

    @strawberry.mutation(
        description="Resolve an alert.",
        permission_classes=[HasPermission("alerts.alert.update")],
    )
    async def resolve_alert(self, info: Info, id: strawberry.ID) -> ResolveAlertPayload:
        try:
            key = key_of(id, Alert, field="id")
            async with unit_of_work(info.context.db) as session:
                alert = await service.resolve(session, key, _user(info))
        except NotFoundError as exc:
            return _not_found(exc)
        return AlertSuccess(alert=Alert.from_model(alert))

    @strawberry.mutation(
        description="Delete an alert.",
        permission_classes=[HasPermission("alerts.alert.delete")],
    )
    async def delete_alert(self, info: Info, id: strawberry.ID) -> DeleteAlertPayload:
        try:
            key = key_of(id, Alert, field="id")
            async with unit_of_work(info.context.db) as session:
                await service.delete(session, key)
        except NotFoundError as exc:
            return _not_found(exc)
        return DeleteAlertSuccess(deleted_id=global_id(Alert, key))
