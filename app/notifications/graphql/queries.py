"""Queries of the notifications domain: one connection and one nullable
getter per kind of object."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import Entity, key_of, key_or_none
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.notifications import models, service
from app.notifications.graphql.types import (
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)

E = TypeVar("E", bound=Entity)


@strawberry.enum(description="What channels, templates and rules can be sorted by.")
class NotificationOrderField(Enum):
    NUMBER = "id"
    NAME = "name"


@strawberry.input(description="How to sort notification channels, templates or rules.")
class NotificationOrder:
    field: NotificationOrderField = NotificationOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which channels to list; every given filter applies.")
class NotificationChannelFilter:
    channel_type: str | None = strawberry.field(
        default=None, description="`slack`, `webhook` or `email`."
    )
    enabled: bool | None = strawberry.field(default=None, description="Enabled.")
    search: str | None = strawberry.field(default=None, description="Part of name.")


@strawberry.input(description="Which templates to list.")
class NotificationTemplateFilter:
    search: str | None = strawberry.field(default=None, description="Part of name.")


@strawberry.input(description="Which rules to list; every given filter applies.")
class NotificationRuleFilter:
    event_type: str | None = strawberry.field(default=None, description="Event type.")
    enabled: bool | None = strawberry.field(default=None, description="Enabled.")


@strawberry.input(description="Which deliveries to list; every given filter applies.")
class NotificationDeliveryFilter:
    status: str | None = strawberry.field(
        default=None, description="`queued`, `sending`, `retrying`, `sent`, `failed`."
    )
    channel_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those to this channel (global id)."
    )
    event_type: str | None = strawberry.field(default=None, description="Event type.")


def _keys(model: Any, order: NotificationOrder) -> list[Any]:
    if order.field is NotificationOrderField.NUMBER:
        return [model.id]
    return [getattr(model, order.field.value), model.id]


async def _one(info: Info, node_type: type[E], raw: strawberry.ID) -> E | None:
    """The `node_type` a global id names, or None (absent, malformed, other)."""
    key = key_or_none(raw, node_type)
    if key is None:
        return None
    found: list[E | None] = await node_type.resolve_nodes(
        info=info, node_ids=[str(key)]
    )
    return found[0]


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        description="Notification channels (secrets masked), one page at a time.",
        permission_classes=[HasPermission("notifications.channel.view")],
    )
    async def notification_channels(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: NotificationChannelFilter | None = None,
        order_by: NotificationOrder | None = None,
    ) -> Connection[NotificationChannel]:
        f = filter or NotificationChannelFilter()
        order = order_by or NotificationOrder()
        query = service.channel_query(f.channel_type, f.enabled, f.search)
        keys = _keys(models.NotificationChannel, order)
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, NotificationChannel.from_model
        )

    @strawberry.field(
        description="One notification channel, or null when absent.",
        permission_classes=[HasPermission("notifications.channel.view")],
    )
    async def notification_channel(
        self, info: Info, id: strawberry.ID
    ) -> NotificationChannel | None:
        return await _one(info, NotificationChannel, id)

    @strawberry.field(
        description="Notification templates, one page at a time.",
        permission_classes=[HasPermission("notifications.template.view")],
    )
    async def notification_templates(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: NotificationTemplateFilter | None = None,
        order_by: NotificationOrder | None = None,
    ) -> Connection[NotificationTemplate]:
        query = service.template_query((filter or NotificationTemplateFilter()).search)
        order = order_by or NotificationOrder()
        keys = _keys(models.NotificationTemplate, order)
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, NotificationTemplate.from_model
        )

    @strawberry.field(
        description="One notification template, or null when absent.",
        permission_classes=[HasPermission("notifications.template.view")],
    )
    async def notification_template(
        self, info: Info, id: strawberry.ID
    ) -> NotificationTemplate | None:
        return await _one(info, NotificationTemplate, id)

    @strawberry.field(
        description="Notification rules, one page at a time.",
        permission_classes=[HasPermission("notifications.rule.view")],
    )
    async def notification_rules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: NotificationRuleFilter | None = None,
        order_by: NotificationOrder | None = None,
    ) -> Connection[NotificationRule]:
        f = filter or NotificationRuleFilter()
        order = order_by or NotificationOrder()
        query = service.rule_query(f.event_type, f.enabled)
        keys = _keys(models.NotificationRule, order)
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, NotificationRule.from_model
        )

    @strawberry.field(
        description="One notification rule, or null when absent.",
        permission_classes=[HasPermission("notifications.rule.view")],
    )
    async def notification_rule(
        self, info: Info, id: strawberry.ID
    ) -> NotificationRule | None:
        return await _one(info, NotificationRule, id)

    @strawberry.field(
        description="Deliveries with every attempt, newest first by default.",
        permission_classes=[HasPermission("notifications.delivery.view")],
    )
    async def notification_deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: NotificationDeliveryFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[NotificationDelivery]:
        f = filter or NotificationDeliveryFilter()
        channel = f.channel_id
        query = service.delivery_query(
            f.status,
            None
            if channel is None
            else key_of(channel, NotificationChannel, field="channelId"),
            f.event_type,
        )
        keys = [models.NotificationDelivery.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, direction, window, NotificationDelivery.from_model
        )

    @strawberry.field(
        description="One notification delivery, or null when absent.",
        permission_classes=[HasPermission("notifications.delivery.view")],
    )
    async def notification_delivery(
        self, info: Info, id: strawberry.ID
    ) -> NotificationDelivery | None:
        return await _one(info, NotificationDelivery, id)
