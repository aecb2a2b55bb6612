"""Queries of the alerts domain."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.alerts import service
from app.alerts.graphql.types import Alert
from app.alerts.models import Alert as AlertModel
from app.graphql.context import Info
from app.graphql.nodes import key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission


@strawberry.enum(description="What alerts can be sorted by.")
class AlertOrderField(Enum):
    NUMBER = "id"
    CREATED_AT = "created_at"
    SEVERITY = "severity"
    STATUS = "status"


@strawberry.input(description="How to sort alerts (default: newest first).")
class AlertOrder:
    field: AlertOrderField = AlertOrderField.NUMBER
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input(description="Which alerts to list; every given filter applies.")
class AlertFilter:
    status: str | None = strawberry.field(
        default=None, description="`active`, `acknowledged` or `resolved`."
    )
    severity: str | None = strawberry.field(
        default=None, description="`critical`, `warning` or `info`."
    )
    source: str | None = strawberry.field(
        default=None, description="What raised it, e.g. `monitor`."
    )


@strawberry.type
class AlertsQuery:
    @strawberry.field(
        description="Alerts matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("alerts.alert.view")],
    )
    async def alerts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: AlertFilter | None = None,
        order_by: AlertOrder | None = None,
    ) -> Connection[Alert]:
        f = filter or AlertFilter()
        order = order_by or AlertOrder()
        query = service.alert_query(
            status=f.status, severity=f.severity, source=f.source
        )
        keys = [getattr(AlertModel, order.field.value), AlertModel.id]
        if order.field is AlertOrderField.NUMBER:
            keys = [AlertModel.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Alert.from_model
        )

    @strawberry.field(
        description="One alert, or null when absent or not visible.",
        permission_classes=[HasPermission("alerts.alert.view")],
    )
    async def alert(self, info: Info, id: strawberry.ID) -> Alert | None:
        return await node_of(info, Alert, key_or_none(id, Alert))
