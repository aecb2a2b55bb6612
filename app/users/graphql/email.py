"""Mutations of proving an email address and using it as a second factor."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.permissions import HasPermission
from app.graphql.ratelimit import spend
from app.users import emailcodes
from app.users.graphql.errors import member
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
        async with expected(EmailUnavailable, via=member) as out:
            await emailcodes.send_verification(
                info.context.db, info.context.settings, _me(info)
            )
        return out.error or Done(ok=True)

    @strawberry.mutation(
        description="Mark the caller's address verified with the mailed code.",
        permission_classes=SELF_UPDATE,
    )
    async def confirm_email(self, info: Info, code: str) -> ConfirmEmailPayload:
        await spend(info)
        async with expected(InvalidEmailCode, via=member, db=info.context.db) as out:
            await emailcodes.confirm_email(
                out.session, info.context.settings, _me(info), code, info.context.client
            )
        return out.error or Done(ok=True)

    @strawberry.mutation(
        description="Turn email as a second factor on (verified address only) "
        "or off; needs the caller's password.",
        permission_classes=SELF_UPDATE,
    )
    async def set_email_two_factor(
        self, info: Info, enabled: bool, password: str
    ) -> SetEmailTwoFactorPayload:
        await spend(info)
        async with expected(
            WrongCurrentPassword, TwoFactorStateConflict, via=member, db=info.context.db
        ) as out:
            await emailcodes.set_email_two_factor(
                out.session, _me(info), enabled, password, info.context.client
            )
        return out.error or Done(ok=True)
