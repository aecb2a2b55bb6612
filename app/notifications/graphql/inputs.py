"""GraphQL inputs of the notifications domain."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON


def as_dict(value: object) -> dict[str, Any]:
    """An input's set fields by Python name (None means not given)."""
    return {k: v for k, v in vars(value).items() if v is not None}


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
    channel_ids: list[int]
    conditions: JSON | None = None
    template_id: int | None = None
    enabled: bool = True


@strawberry.input(description="An ad-hoc message to some channels.")
class SendNotificationInput:
    channel_ids: list[int]
    message: str
    subject: str = ""
    format: str = "text"
    data: JSON | None = None
