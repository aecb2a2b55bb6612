"""Queries of the alerts domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.alerts import service
from app.alerts.errors import AlertNotFoundError
from app.alerts.graphql.types import Alert
from app.graphql.context import Info
from app.graphql.permissions import HasPermission


@strawberry.type
class AlertsQuery:
    @strawberry.field(
        description="Alerts, newest first, filtered by status, severity and source.",
        permission_classes=[HasPermission("alerts.alert.view")],
    )
    async def alerts(
        self,
        info: Info,
        status: str | None = None,
        severity: str | None = None,
        # `source` would clash with the resolver's own first argument.
        raised_by: Annotated[
            str | None, strawberry.argument(name="source", description="Raiser.")
        ] = None,
    ) -> list[Alert]:
        async with info.context.db() as session:
            found, _ = await service.list_alerts(
                session, status=status, severity=severity, source=raised_by
            )
        return [Alert.from_model(a) for a in found]

    @strawberry.field(
        description="One alert by id, or null.",
        permission_classes=[HasPermission("alerts.alert.view")],
    )
    async def alert(self, info: Info, id: int) -> Alert | None:
        try:
            async with info.context.db() as session:
                return Alert.from_model(await service.get_alert(session, id))
        except AlertNotFoundError:
            return None
