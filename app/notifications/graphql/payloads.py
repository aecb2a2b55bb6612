"""Mutation payload members of the notifications domain."""

from __future__ import annotations

import strawberry

from app.graphql.types import Error
from app.notifications.graphql.types import (
    NotificationChannel,
    NotificationRule,
    NotificationTemplate,
)


@strawberry.type(description="The channel after the change.")
class NotificationChannelSuccess:
    channel: NotificationChannel = strawberry.field(description="The channel.")


@strawberry.type(description="A test message was sent (or failed to be).")
class TestNotificationChannelSuccess:
    channel: NotificationChannel = strawberry.field(description="The channel.")
    success: bool = strawberry.field(description="Whether the peer accepted it.")
    error: str | None = strawberry.field(description="Why it failed.")


@strawberry.type(description="The template was saved.")
class NotificationTemplateSuccess:
    template: NotificationTemplate = strawberry.field(description="The template.")


@strawberry.type(description="The rule was saved.")
class NotificationRuleSuccess:
    rule: NotificationRule = strawberry.field(description="The rule.")


@strawberry.type(description="Deliveries were queued.")
class SendNotificationSuccess:
    delivery_ids: list[strawberry.ID] = strawberry.field(
        description="Global ids of the deliveries, one per channel."
    )


@strawberry.type(description="The object was deleted.")
class DeleteNotificationChannelSuccess:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted channel."
    )


@strawberry.type(description="A referenced channel or template does not exist.")
class NotificationTargetNotFound(Error):
    pass


@strawberry.type(description="The input breaks a rule (type, config, name, format).")
class InvalidNotificationInput(Error):
    pass


@strawberry.type(description="The URL or host is refused by the outbound policy.")
class UrlNotAllowed(Error):
    pass


@strawberry.type(description="A template does not compile (`field`: subject or body).")
class InvalidTemplate(Error):
    pass


@strawberry.type(description="The name is already used.")
class NotificationNameTaken(Error):
    pass
