"""GraphQL types of the notifications domain."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.graphql.types import Error
from app.notifications import models
from app.notifications import service as notifications_service
from app.settings import Settings


@strawberry.type(description="Where notifications go; secrets are always masked.")
class NotificationChannel:
    id: int = strawberry.field(description="Channel id.")
    name: str = strawberry.field(description="Unique name.")
    channel_type: str = strawberry.field(description="`slack`, `webhook` or `email`.")
    config: JSON = strawberry.field(description="Configuration, secrets masked.")
    enabled: bool = strawberry.field(description="Disabled channels receive nothing.")
    last_test_at: datetime | None = strawberry.field(description="Last test send.")
    last_test_success: bool | None = strawberry.field(
        description="Whether the last test send worked."
    )

    @classmethod
    def from_model(
        cls, channel: models.NotificationChannel, settings: Settings
    ) -> NotificationChannel:
        return cls(
            id=channel.id,
            name=channel.name,
            channel_type=channel.channel_type,
            config=notifications_service.masked_config(settings, channel),
            enabled=channel.enabled,
            last_test_at=channel.last_test_at,
            last_test_success=channel.last_test_success,
        )


@strawberry.type(description="A sandboxed Jinja2 subject and body.")
class NotificationTemplate:
    id: int = strawberry.field(description="Template id.")
    name: str = strawberry.field(description="Unique name.")
    subject: str = strawberry.field(description="Subject template.")
    body: str = strawberry.field(description="Body template.")
    format: str = strawberry.field(description="`text` or `html`.")

    @classmethod
    def from_model(cls, row: models.NotificationTemplate) -> NotificationTemplate:
        return cls(
            id=row.id,
            name=row.name,
            subject=row.subject,
            body=row.body,
            format=row.format,
        )


@strawberry.type(description="Which events notify which channels.")
class NotificationRule:
    id: int = strawberry.field(description="Rule id.")
    name: str = strawberry.field(description="Name.")
    event_type: str = strawberry.field(description="Domain event type, or `*`.")
    conditions: JSON = strawberry.field(description="Dotted field -> value(s).")
    channel_ids: list[int] = strawberry.field(description="Channels to notify.")
    template_id: int | None = strawberry.field(description="Template, if any.")
    enabled: bool = strawberry.field(description="Disabled rules match nothing.")

    @classmethod
    def from_model(cls, row: models.NotificationRule) -> NotificationRule:
        return cls(
            id=row.id,
            name=row.name,
            event_type=row.event_type,
            conditions=row.conditions,
            channel_ids=list(row.channel_ids),
            template_id=row.template_id,
            enabled=row.enabled,
        )


@strawberry.type(description="One try at sending one delivery.")
class NotificationAttempt:
    number: int = strawberry.field(description="1 for the first try.")
    success: bool = strawberry.field(description="Whether the peer accepted it.")
    status_code: int | None = strawberry.field(description="HTTP status, if any.")
    error: str | None = strawberry.field(description="Why it failed (no peer body).")
    started_at: datetime = strawberry.field(description="When the try started.")
    duration_ms: int = strawberry.field(description="How long it took.")


@strawberry.type(description="One message for one channel and where sending stands.")
class NotificationDelivery:
    id: int = strawberry.field(description="Delivery id.")
    rule_id: int | None = strawberry.field(description="Rule that queued it.")
    channel_id: int = strawberry.field(description="Channel it goes to.")
    event_seq: int | None = strawberry.field(description="Domain event seq.")
    event_type: str = strawberry.field(description="Event type it reports.")
    status: str = strawberry.field(
        description="`queued`, `sending`, `retrying`, `sent` or `failed`."
    )
    attempts: int = strawberry.field(description="Tries so far.")
    last_error: str | None = strawberry.field(description="Last failure reason.")
    created_at: datetime = strawberry.field(description="When it was queued.")
    sent_at: datetime | None = strawberry.field(description="When it was sent.")
    attempt_log: list[NotificationAttempt] = strawberry.field(
        description="Every try, oldest first."
    )

    @classmethod
    def from_model(
        cls,
        row: models.NotificationDelivery,
        tries: list[models.NotificationAttempt],
    ) -> NotificationDelivery:
        return cls(
            id=row.id,
            rule_id=row.rule_id,
            channel_id=row.channel_id,
            event_seq=row.event_seq,
            event_type=row.event_type,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
            attempt_log=[
                NotificationAttempt(
                    number=t.number,
                    success=t.success,
                    status_code=t.status_code,
                    error=t.error,
                    started_at=t.started_at,
                    duration_ms=t.duration_ms,
                )
                for t in tries
            ],
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
    delivery_ids: list[int] = strawberry.field(description="One per channel.")


@strawberry.type(description="The object was deleted.")
class DeleteNotificationChannelSuccess:
    id: int = strawberry.field(description="Id of the deleted channel.")


@strawberry.type(description="A referenced channel or template does not exist.")
class NotificationTargetNotFound(Error):
    pass


@strawberry.type(description="The input breaks a rule (type, config, name, format).")
class InvalidNotificationInput(Error):
    field: str | None = strawberry.field(description="The offending field.")


@strawberry.type(description="The URL or host is refused by the outbound policy.")
class UrlNotAllowed(Error):
    pass


@strawberry.type(description="A template does not compile.")
class InvalidTemplate(Error):
    field: str | None = strawberry.field(description="`subject` or `body`.")


@strawberry.type(description="The name is already used.")
class NotificationNameTaken(Error):
    pass
