"""Mutations of the alerts domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.alerts import service
from app.alerts.errors import AlertNotFoundError, AlertResolvedError
from app.alerts.graphql.types import (
    Alert,
    AlertAlreadyResolved,
    AlertNotFound,
    AlertSuccess,
    DeleteAlertSuccess,
)
from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

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


@strawberry.type
class AlertsMutation:
    @strawberry.mutation(
        description="Acknowledge an active alert.",
        permission_classes=[HasPermission("alerts.alert.update")],
    )
    async def acknowledge_alert(self, info: Info, id: int) -> AcknowledgeAlertPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                alert = await service.acknowledge(session, id, _user(info))
        except AlertNotFoundError as exc:
            return AlertNotFound(message=exc.message, id=id)
        except AlertResolvedError as exc:
            return AlertAlreadyResolved(message=exc.message, id=id)
        return AlertSuccess(alert=Alert.from_model(alert))

    @strawberry.mutation(
        description="Resolve an alert.",
        permission_classes=[HasPermission("alerts.alert.update")],
    )
    async def resolve_alert(self, info: Info, id: int) -> ResolveAlertPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                alert = await service.resolve(session, id, _user(info))
        except AlertNotFoundError as exc:
            return AlertNotFound(message=exc.message, id=id)
        return AlertSuccess(alert=Alert.from_model(alert))

    @strawberry.mutation(
        description="Delete an alert.",
        permission_classes=[HasPermission("alerts.alert.delete")],
    )
    async def delete_alert(self, info: Info, id: int) -> DeleteAlertPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete(session, id)
        except AlertNotFoundError as exc:
            return AlertNotFound(message=exc.message, id=id)
        return DeleteAlertSuccess(id=id)
