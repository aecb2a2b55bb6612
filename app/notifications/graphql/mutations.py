"""Mutations of the notifications domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.errors import ConflictError, InvalidError, NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from
from app.notifications import inputs, service
from app.notifications.errors import (
    ChannelNotFoundError,
    InvalidTemplateError,
    TemplateNotFoundError,
)
from app.notifications.graphql import inputs as gql_inputs
from app.notifications.graphql.payloads import (
    DeleteNotificationChannelSuccess,
    InvalidNotificationInput,
    InvalidTemplate,
    NotificationChannelSuccess,
    NotificationNameTaken,
    NotificationRuleSuccess,
    NotificationTargetNotFound,
    NotificationTemplateSuccess,
    SendNotificationSuccess,
    TestNotificationChannelSuccess,
    UrlNotAllowed,
)
from app.notifications.graphql.types import (
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)
from app.outbound import BlockedAddressError

Failure = (
    NotificationTargetNotFound
    | InvalidNotificationInput
    | UrlNotAllowed
    | InvalidTemplate
    | NotificationNameTaken
)
FAILURES = (
    NotificationTargetNotFound,
    InvalidNotificationInput,
    UrlNotAllowed,
    InvalidTemplate,
    NotificationNameTaken,
)
ChannelPayload = Annotated[
    NotificationChannelSuccess | Failure, strawberry.union("NotificationChannelPayload")
]
TemplatePayload = Annotated[
    NotificationTemplateSuccess | Failure,
    strawberry.union("NotificationTemplatePayload"),
]
RulePayload = Annotated[
    NotificationRuleSuccess | Failure, strawberry.union("NotificationRulePayload")
]
SendPayload = Annotated[
    SendNotificationSuccess | Failure, strawberry.union("SendNotificationPayload")
]
TestPayload = Annotated[
    TestNotificationChannelSuccess | NotificationTargetNotFound,
    strawberry.union("TestNotificationChannelPayload"),
]
DeletePayload = Annotated[
    DeleteNotificationChannelSuccess | NotificationTargetNotFound,
    strawberry.union("DeleteNotificationChannelPayload"),
]


def failure(exc: Exception, id_field: str = "channelIds") -> Error | None:
    """The union member naming why a notifications mutation failed; a missing
    channel is blamed on `id_field`, a missing template on `templateId`."""
    if isinstance(exc, BlockedAddressError):
        return error_from(UrlNotAllowed, exc)
    if isinstance(exc, InvalidTemplateError):
        return error_from(InvalidTemplate, exc)
    if isinstance(exc, NotFoundError):
        found = error_from(NotificationTargetNotFound, exc)
        if isinstance(exc, ChannelNotFoundError):
            found.field = id_field
        elif isinstance(exc, TemplateNotFoundError):
            found.field = "templateId"
        return found
    if isinstance(exc, ConflictError):
        return error_from(NotificationNameTaken, exc)
    if isinstance(exc, InvalidError):
        return error_from(InvalidNotificationInput, exc)
    return None


def _gone(exc: Exception) -> Error | None:
    """The not-found member of a mutation naming one channel by `id`."""
    if not isinstance(exc, NotFoundError):
        return None
    found = error_from(NotificationTargetNotFound, exc)
    found.field = "id"
    return found


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(
        description="Create a notification channel (its URL is checked).",
        permission_classes=[HasPermission("notifications.channel.create")],
    )
    async def create_notification_channel(
        self, info: Info, input: gql_inputs.NotificationChannelInput
    ) -> ChannelPayload:
        settings = info.context.settings
        async with expected(*FAILURES, via=failure, db=info.context.db) as out:
            data = inputs.parse(inputs.ChannelInput, gql_inputs.as_dict(input))
            channel = await service.create_channel(out.session, settings, data)
        return out.error or NotificationChannelSuccess(
            channel=NotificationChannel.from_model(channel)
        )

    @strawberry.mutation(
        description="Delete a notification channel.",
        permission_classes=[HasPermission("notifications.channel.delete")],
    )
    async def delete_notification_channel(
        self, info: Info, id: strawberry.ID
    ) -> DeletePayload:
        async with expected(
            NotificationTargetNotFound, via=_gone, db=info.context.db
        ) as out:
            key = key_of(id, NotificationChannel, field="id")
            await service.delete_channel(out.session, key)
        return out.error or DeleteNotificationChannelSuccess(
            deleted_id=global_id(NotificationChannel, key)
        )

    @strawberry.mutation(
        description="Really send a test message through a channel.",
        permission_classes=[HasPermission("notifications.channel.test")],
    )
    async def test_notification_channel(
        self, info: Info, id: strawberry.ID
    ) -> TestPayload:
        ctx = info.context
        async with expected(NotificationTargetNotFound, via=_gone) as out:
            key = key_of(id, NotificationChannel, field="id")
            channel, result = await service.test_channel(ctx.db, ctx.settings, key)
        return out.error or TestNotificationChannelSuccess(
            channel=NotificationChannel.from_model(channel),
            success=result.success,
            error=result.error,
        )

    @strawberry.mutation(
        description="Create a template; one that does not compile is refused.",
        permission_classes=[HasPermission("notifications.template.create")],
    )
    async def create_notification_template(
        self, info: Info, input: gql_inputs.NotificationTemplateInput
    ) -> TemplatePayload:
        async with expected(*FAILURES, via=failure, db=info.context.db) as out:
            data = inputs.parse(inputs.TemplateInput, gql_inputs.as_dict(input))
            template = await service.create_template(out.session, data)
        return out.error or NotificationTemplateSuccess(
            template=NotificationTemplate.from_model(template)
        )

    @strawberry.mutation(
        description="Create a rule: event type, conditions, channels, template.",
        permission_classes=[HasPermission("notifications.rule.create")],
    )
    async def create_notification_rule(
        self, info: Info, input: gql_inputs.NotificationRuleInput
    ) -> RulePayload:
        async with expected(*FAILURES, via=failure, db=info.context.db) as out:
            data = inputs.parse(inputs.RuleInput, gql_inputs.as_dict(input))
            rule = await service.create_rule(out.session, data)
        return out.error or NotificationRuleSuccess(
            rule=NotificationRule.from_model(rule)
        )

    @strawberry.mutation(
        description="Queue an ad-hoc message to some channels.",
        permission_classes=[HasPermission("notifications.notification.create")],
    )
    async def send_notification(
        self, info: Info, input: gql_inputs.SendNotificationInput
    ) -> SendPayload:
        async with expected(*FAILURES, via=failure, db=info.context.db) as out:
            data = inputs.parse(inputs.SendInput, gql_inputs.as_dict(input))
            queued = await service.send_adhoc(out.session, data)
        return out.error or SendNotificationSuccess(
            delivery_ids=[global_id(NotificationDelivery, d.id) for d in queued]
        )
