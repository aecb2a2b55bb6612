"""Mutations of proving an email address and using it as a second factor."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.graphql.ratelimit import spend
from app.users import emailcodes
from app.users.graphql.errors import EXPECTED, member
from app.users.graphql.types import (
    Done,
    EmailUnavailable,
    InvalidEmailCode,
    TwoFactorStateConflict,
    WrongCurrentPassword,
)

SendEmailVerificationPayload = Annotated[
    Done | EmailUnavailable, strawberry.union("SendEmailVerificationPayload")
]
ConfirmEmailPayload = Annotated[
    Done | InvalidEmailCode, strawberry.union("ConfirmEmailPayload")
]
SetEmailTwoFactorPayload = Annotated[
    Done | WrongCurrentPassword | TwoFactorStateConflict,
    strawberry.union("SetEmailTwoFactorPayload"),
]
SELF_UPDATE = [HasPermission("users.self.update")]


def _me(info: Info) -> int:
    principal = info.context.principal
    assert principal is not None  # noqa: S101  guaranteed by the permission class
    return principal.user_id


@strawberry.type
class UsersEmailMutation:
    @strawberry.mutation(
        description="Mail a 6-digit code to the caller's address (valid "
        "OPSGRAPH_EMAIL_CODE_MINUTES; a new one replaces it).",
        permission_classes=SELF_UPDATE,
    )
    async def send_email_verification(self, info: Info) -> SendEmailVerificationPayload:
        await spend(info)
        try:
            await emailcodes.send_verification(
                info.context.db, info.context.settings, _me(info)
            )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return Done(ok=True)

    @strawberry.mutation(
        description="Mark the caller's address verified with the mailed code.",
        permission_classes=SELF_UPDATE,
    )
    async def confirm_email(self, info: Info, code: str) -> ConfirmEmailPayload:
        await spend(info)
        try:
            async with unit_of_work(info.context.db) as session:
                await emailcodes.confirm_email(
                    session, info.context.settings, _me(info), code, info.context.client
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return Done(ok=True)

    @strawberry.mutation(
        description="Turn email as a second factor on (verified address only) "
        "or off; needs the caller's password.",
        permission_classes=SELF_UPDATE,
    )
    async def set_email_two_factor(
        self, info: Info, enabled: bool, password: str
    ) -> SetEmailTwoFactorPayload:
        await spend(info)
        try:
            async with unit_of_work(info.context.db) as session:
                await emailcodes.set_email_two_factor(
                    session, _me(info), enabled, password, info.context.client
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return Done(ok=True)
