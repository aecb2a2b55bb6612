"""Queries of the notifications domain."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.notifications import service
from app.notifications.graphql.types import (
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        description="Every notification channel, secrets masked.",
        permission_classes=[HasPermission("notifications.channel.view")],
    )
    async def notification_channels(self, info: Info) -> list[NotificationChannel]:
        async with info.context.db() as session:
            found, _ = await service.list_channels(session)
        settings = info.context.settings
        return [NotificationChannel.from_model(c, settings) for c in found]

    @strawberry.field(
        description="Every notification template.",
        permission_classes=[HasPermission("notifications.template.view")],
    )
    async def notification_templates(self, info: Info) -> list[NotificationTemplate]:
        async with info.context.db() as session:
            found, _ = await service.list_templates(session)
        return [NotificationTemplate.from_model(t) for t in found]

    @strawberry.field(
        description="Every notification rule.",
        permission_classes=[HasPermission("notifications.rule.view")],
    )
    async def notification_rules(self, info: Info) -> list[NotificationRule]:
        async with info.context.db() as session:
            found, _ = await service.list_rules(session)
        return [NotificationRule.from_model(r) for r in found]

    @strawberry.field(
        description="The newest deliveries with every attempt.",
        permission_classes=[HasPermission("notifications.delivery.view")],
    )
    async def notification_deliveries(
        self, info: Info, limit: int = 50
    ) -> list[NotificationDelivery]:
        async with info.context.db() as session:
            found = await service.recent_deliveries(session, limit)
        return [NotificationDelivery.from_model(d, tries) for d, tries in found]
