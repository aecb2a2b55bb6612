"""GraphQL inputs of the notifications domain."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.graphql.nodes import key_of, keys_of
from app.notifications.graphql.types import NotificationChannel, NotificationTemplate


def as_dict(value: object) -> dict[str, Any]:
    """An input's set fields by Python name (None means not given), with
    global ids of channels and templates as row ids."""
    given = {k: v for k, v in vars(value).items() if v is not None}
    if "channel_ids" in given:
        given["channel_ids"] = keys_of(
            given["channel_ids"], NotificationChannel, field="channelIds"
        )
    if "template_id" in given:
        given["template_id"] = key_of(
            given["template_id"], NotificationTemplate, field="templateId"
        )
    return given


@strawberry.input(description="A new notification channel.")
class NotificationChannelInput:
    name: str
    channel_type: str = strawberry.field(description="`slack`, `webhook` or `email`.")
    config: JSON = strawberry.field(description="Type-specific configuration.")
    enabled: bool = True


@strawberry.input(description="A new notification template (Jinja2, sandboxed).")
class NotificationTemplateInput:
    name: str
    body: str
    subject: str = ""
    format: str = "text"


@strawberry.input(description="A new notification rule.")
class NotificationRuleInput:
    name: str
    event_type: str
    channel_ids: list[strawberry.ID] = strawberry.field(
        description="Channels to notify (global ids)."
    )
    conditions: JSON | None = None
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Template (global id)."
    )
    enabled: bool = True


@strawberry.input(description="An ad-hoc message to some channels.")
class SendNotificationInput:
    channel_ids: list[strawberry.ID] = strawberry.field(
        description="Channels to send through (global ids)."
    )
    message: str
    subject: str = ""
    format: str = "text"
    data: JSON | None = None
