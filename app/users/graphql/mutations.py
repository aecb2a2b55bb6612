"""Mutations of logging in and out, tokens, passwords and 2FA."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.errors import UnauthenticatedError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.permissions import HasPermission
from app.graphql.ratelimit import spend
from app.users import service, twofactor
from app.users.errors import InvalidCredentialsError
from app.users.graphql.errors import member
from app.users.graphql.types import (
    Done,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidTwoFactorCode,
    LoginSuccess,
    TwoFactorEnrolment,
    TwoFactorRequired,
    TwoFactorStateConflict,
    WeakPassword,
    WrongCurrentPassword,
)

LoginPayload = Annotated[
    LoginSuccess | TwoFactorRequired | InvalidCredentials,
    strawberry.union("LoginPayload"),
]
VerifyTwoFactorPayload = Annotated[
    LoginSuccess | InvalidTwoFactorCode, strawberry.union("VerifyTwoFactorPayload")
]
RefreshTokenPayload = Annotated[
    LoginSuccess | InvalidRefreshToken, strawberry.union("RefreshTokenPayload")
]
ChangePasswordPayload = Annotated[
    Done | WrongCurrentPassword | WeakPassword,
    strawberry.union("ChangePasswordPayload"),
]
EnrollTwoFactorPayload = Annotated[
    TwoFactorEnrolment | TwoFactorStateConflict,
    strawberry.union("EnrollTwoFactorPayload"),
]
TwoFactorCodePayload = Annotated[
    Done | InvalidTwoFactorCode | TwoFactorStateConflict,
    strawberry.union("TwoFactorCodePayload"),
]
CODE_ERRORS = (InvalidTwoFactorCode, TwoFactorStateConflict)
# Ending one's own session has no expected failure: a one-member union, so
# error members can join later without breaking clients.
LogoutPayload = Annotated[Done, strawberry.union("LogoutPayload")]
SELF_UPDATE = [HasPermission("users.self.update")]


async def _policy(info: Info) -> service.TokenPolicy:
    return await service.token_policy(info.context.db, info.context.settings)


def _me(info: Info) -> int:
    principal = info.context.principal
    assert principal is not None  # noqa: S101  guaranteed by the permission class
    return principal.user_id


@strawberry.type
class UsersMutation:
    @strawberry.mutation(description="Log in with a username and password.")
    async def login(self, info: Info, username: str, password: str) -> LoginPayload:
        await spend(info)
        try:
            result = await service.sign_in(
                info.context.db,
                info.context.settings,
                username,
                password,
                info.context.client,
            )
        except InvalidCredentialsError as exc:
            return InvalidCredentials(message=exc.message)
        if isinstance(result, service.TwoFactorChallenge):
            return TwoFactorRequired(
                challenge_token=result.token, methods=list(result.methods)
            )
        return LoginSuccess.from_issued(result)

    @strawberry.mutation(
        description="Complete a login that answered TwoFactorRequired; "
        "`method` is `totp`, `recovery` or `email` (the code mailed at login)."
    )
    async def verify_two_factor(
        self, info: Info, challenge_token: str, code: str, method: str = "totp"
    ) -> VerifyTwoFactorPayload:
        await spend(info)
        try:
            issued = await twofactor.verify_login(
                info.context.db,
                info.context.settings,
                await _policy(info),
                challenge_token,
                code,
                method,
                info.context.client,
            )
        except UnauthenticatedError as exc:
            return InvalidTwoFactorCode(message=exc.message)
        return LoginSuccess.from_issued(issued)

    @strawberry.mutation(
        description="Trade a refresh token for new tokens. Using one twice "
        "revokes its whole session."
    )
    async def refresh_token(
        self, info: Info, refresh_token: str
    ) -> RefreshTokenPayload:
        await spend(info)
        try:
            issued = await service.refresh(
                info.context.db, await _policy(info), refresh_token, info.context.client
            )
        except UnauthenticatedError as exc:
            return InvalidRefreshToken(message=exc.message)
        return LoginSuccess.from_issued(issued)

    @strawberry.mutation(
        description="Revoke the caller's session.", permission_classes=SELF_UPDATE
    )
    async def logout(self, info: Info) -> LogoutPayload:
        principal = info.context.principal
        assert principal is not None  # noqa: S101  guaranteed by the permission class
        await service.logout(info.context.db, principal, info.context.client)
        return Done(ok=True)

    @strawberry.mutation(
        description="Change the caller's password; ends their other sessions.",
        permission_classes=SELF_UPDATE,
    )
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> ChangePasswordPayload:
        await spend(info)  # every alias of it costs argon2 work
        principal = info.context.principal
        assert principal is not None  # noqa: S101  guaranteed by the permission class
        async with expected(WrongCurrentPassword, WeakPassword, via=member) as out:
            await service.change_password(
                info.context.db,
                principal,
                current_password,
                new_password,
                info.context.client,
            )
        return out.error or Done(ok=True)

    @strawberry.mutation(
        description="Start TOTP enrolment: a secret, its URI and recovery codes.",
        permission_classes=SELF_UPDATE,
    )
    async def enroll_two_factor(self, info: Info) -> EnrollTwoFactorPayload:
        issuer = info.context.settings.totp_issuer
        async with expected(
            TwoFactorStateConflict, via=member, db=info.context.db
        ) as out:
            enrolment = await twofactor.begin_enrolment(
                out.session, _me(info), issuer, info.context.settings.signing_key
            )
        return out.error or TwoFactorEnrolment(
            secret=enrolment.secret,
            provisioning_uri=enrolment.provisioning_uri,
            recovery_codes=enrolment.recovery_codes,
        )

    @strawberry.mutation(
        description="Enable 2FA with a code from the enrolled authenticator.",
        permission_classes=SELF_UPDATE,
    )
    async def confirm_two_factor(self, info: Info, code: str) -> TwoFactorCodePayload:
        await spend(info)
        async with expected(*CODE_ERRORS, via=member, db=info.context.db) as out:
            await twofactor.confirm_enrolment(
                out.session,
                _me(info),
                code,
                info.context.client,
                info.context.settings.signing_key,
            )
        return out.error or Done(ok=True)

    @strawberry.mutation(
        description="Disable 2FA with a current TOTP or an unused recovery code.",
        permission_classes=SELF_UPDATE,
    )
    async def disable_two_factor(self, info: Info, code: str) -> TwoFactorCodePayload:
        await spend(info)
        async with expected(*CODE_ERRORS, via=member, db=info.context.db) as out:
            await twofactor.disable(
                out.session,
                _me(info),
                code,
                info.context.client,
                info.context.settings.signing_key,
            )
        return out.error or Done(ok=True)
