"""GraphQL types of the notifications domain: channels, templates, rules and
deliveries, each a Node."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from app.graphql.context import Info
from app.graphql.nodes import Entity, global_id
from app.graphql.pagination import Connection, OrderDirection, Window, paginate_items
from app.notifications import models
from app.notifications import service as notifications_service


@strawberry.type(description="Where notifications go; secrets are always masked.")
class NotificationChannel(Entity):
    table = models.NotificationChannel
    permission = "notifications.channel.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique name.")
    channel_type: str = strawberry.field(description="`slack`, `webhook` or `email`.")
    enabled: bool = strawberry.field(description="Disabled channels receive nothing.")
    last_test_at: datetime | None = strawberry.field(description="Last test send.")
    last_test_success: bool | None = strawberry.field(
        description="Whether the last test send worked."
    )
    created_at: datetime = strawberry.field(description="Creation time.")
    row: strawberry.Private[models.NotificationChannel]

    @strawberry.field(description="Configuration, secrets masked.")
    def config(self, info: Info) -> JSON:
        return notifications_service.masked_config(info.context.settings, self.row)

    @classmethod
    def from_model(cls, channel: models.NotificationChannel) -> NotificationChannel:
        return cls(
            number=channel.id,
            name=channel.name,
            channel_type=channel.channel_type,
            enabled=channel.enabled,
            last_test_at=channel.last_test_at,
            last_test_success=channel.last_test_success,
            created_at=channel.created_at,
            row=channel,
        )


@strawberry.type(description="A sandboxed Jinja2 subject and body.")
class NotificationTemplate(Entity):
    table = models.NotificationTemplate
    permission = "notifications.template.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique name.")
    subject: str = strawberry.field(description="Subject template.")
    body: str = strawberry.field(description="Body template.")
    format: str = strawberry.field(description="`text` or `html`.")

    @classmethod
    def from_model(cls, row: models.NotificationTemplate) -> NotificationTemplate:
        return cls(
            number=row.id,
            name=row.name,
            subject=row.subject,
            body=row.body,
            format=row.format,
        )


@strawberry.type(description="Which events notify which channels.")
class NotificationRule(Entity):
    table = models.NotificationRule
    permission = "notifications.rule.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Name.")
    event_type: str = strawberry.field(description="Domain event type, or `*`.")
    conditions: JSON = strawberry.field(description="Dotted field -> value(s).")
    enabled: bool = strawberry.field(description="Disabled rules match nothing.")
    channel_numbers: strawberry.Private[list[int]]
    template_number: strawberry.Private[int | None]

    @strawberry.field(description="Global ids of the channels to notify.")
    def channel_ids(self) -> list[strawberry.ID]:
        return [global_id(NotificationChannel, n) for n in self.channel_numbers]

    @strawberry.field(
        description="The channels to notify that exist and are visible, in the "
        "rule's order (`channelIds`)."
    )
    async def channels(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[NotificationChannel]:  # fmt: skip
        keys = [str(n) for n in self.channel_numbers]
        found = await NotificationChannel.resolve_nodes(info=info, node_ids=keys)
        # The sort key is the channel's place in the rule, unique per rule.
        placed = [(i, c) for i, c in enumerate(found) if c is not None]
        window = Window(first, after, last, before)
        return paginate_items(
            placed, lambda p: (p[0],), direction, window, lambda p: p[1]
        )

    @strawberry.field(description="Global id of the template, if any.")
    def template_id(self) -> strawberry.ID | None:
        n = self.template_number
        return None if n is None else global_id(NotificationTemplate, n)

    @strawberry.field(description="The template; null when none or not visible.")
    async def template(self, info: Info) -> NotificationTemplate | None:
        if self.template_number is None:
            return None
        keys = [str(self.template_number)]
        found = await NotificationTemplate.resolve_nodes(info=info, node_ids=keys)
        return found[0]

    @classmethod
    def from_model(cls, row: models.NotificationRule) -> NotificationRule:
        return cls(
            number=row.id,
            name=row.name,
            event_type=row.event_type,
            conditions=row.conditions,
            enabled=row.enabled,
            channel_numbers=list(row.channel_ids),
            template_number=row.template_id,
        )


@strawberry.type(description="One try at sending one delivery.")
class NotificationAttempt:
    number: int = strawberry.field(description="1 for the first try.")
    success: bool = strawberry.field(description="Whether the peer accepted it.")
    status_code: int | None = strawberry.field(description="HTTP status, if any.")
    error: str | None = strawberry.field(description="Why it failed (no peer body).")
    started_at: datetime = strawberry.field(description="When the try started.")
    duration_ms: int = strawberry.field(description="How long it took.")

    @classmethod
    def from_model(cls, t: models.NotificationAttempt) -> NotificationAttempt:
        return cls(
            number=t.number,
            success=t.success,
            status_code=t.status_code,
            error=t.error,
            started_at=t.started_at,
            duration_ms=t.duration_ms,
        )


def attempts_loader(info: Info) -> DataLoader[int, list[models.NotificationAttempt]]:
    """This request's loader of deliveries' attempts, oldest first."""
    name = "notifications:attempts_by_delivery"
    loaders: dict[str, Any] = info.context.loaders
    if name not in loaders:

        async def load(ids: Sequence[int]) -> list[list[models.NotificationAttempt]]:
            found: dict[int, list[models.NotificationAttempt]] = {i: [] for i in ids}
            async with info.context.db() as session:
                for t in await notifications_service.attempts_of(session, list(ids)):
                    found[t.delivery_id].append(t)
            return [found[i] for i in ids]

        loaders[name] = DataLoader(load_fn=load)
    loader: DataLoader[int, list[models.NotificationAttempt]] = loaders[name]
    return loader


@strawberry.type(description="One message for one channel and where sending stands.")
class NotificationDelivery(Entity):
    table = models.NotificationDelivery
    permission = "notifications.delivery.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    event_seq: int | None = strawberry.field(description="Domain event seq.")
    event_type: str = strawberry.field(description="Event type it reports.")
    status: str = strawberry.field(
        description="`queued`, `sending`, `retrying`, `sent` or `failed`."
    )
    attempts: int = strawberry.field(description="Tries so far.")
    last_error: str | None = strawberry.field(description="Last failure reason.")
    created_at: datetime = strawberry.field(description="When it was queued.")
    sent_at: datetime | None = strawberry.field(description="When it was sent.")
    rule_number: strawberry.Private[int | None]
    channel_number: strawberry.Private[int]

    @strawberry.field(description="Global id of the rule that queued it, if any.")
    def rule_id(self) -> strawberry.ID | None:
        n = self.rule_number
        return None if n is None else global_id(NotificationRule, n)

    @strawberry.field(description="Global id of the channel it goes to.")
    def channel_id(self) -> strawberry.ID:
        return global_id(NotificationChannel, self.channel_number)

    @strawberry.field(description="The channel it goes to; null when not visible.")
    async def channel(self, info: Info) -> NotificationChannel | None:
        keys = [str(self.channel_number)]
        return (await NotificationChannel.resolve_nodes(info=info, node_ids=keys))[0]

    @strawberry.field(description="Every try, oldest first.")
    async def attempt_log(self, info: Info) -> list[NotificationAttempt]:
        tries = await attempts_loader(info).load(self.number)
        return [NotificationAttempt.from_model(t) for t in tries]

    @classmethod
    def from_model(cls, row: models.NotificationDelivery) -> NotificationDelivery:
        return cls(
            number=row.id,
            rule_number=row.rule_id,
            channel_number=row.channel_id,
            event_seq=row.event_seq,
            event_type=row.event_type,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )
