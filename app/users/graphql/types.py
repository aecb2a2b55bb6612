"""GraphQL types of users, roles and login sessions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import Entity
from app.graphql.pagination import Connection, OrderDirection, Window, paginate_items
from app.graphql.types import Error
from app.users import models
from app.users.loaders import roles_by_user
from app.users.sessions import IssuedTokens


@strawberry.type(description="A role: a named set of permission strings.")
class Role(Entity):
    table = models.Role
    permission = "users.role.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique role name.")
    description: str = strawberry.field(description="What the role is for.")
    permissions: list[str] = strawberry.field(
        description="Permission strings `domain.object.action`, `*` wildcards."
    )
    builtin: bool = strawberry.field(description="Shipped with OpsGraph.")

    @classmethod
    def from_model(cls, role: models.Role) -> Role:
        return cls(
            number=role.id,
            name=role.name,
            description=role.description,
            permissions=list(role.permissions),
            builtin=role.builtin,
        )


@strawberry.type(description="A user who can log in.")
class User(Entity):
    table = models.User
    permission = "users.user.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    username: str = strawberry.field(description="Login name.")
    email: str | None = strawberry.field(description="Contact address.")
    is_active: bool = strawberry.field(description="Whether the user may log in.")
    two_factor_enabled: bool = strawberry.field(
        description="Whether logging in needs a TOTP code."
    )
    email_verified: bool = strawberry.field(
        description="Whether the user proved `email` with a code mailed to it."
    )
    email_two_factor_enabled: bool = strawberry.field(
        description="Whether a code mailed at login is a second factor."
    )
    created_at: datetime = strawberry.field(description="When the user was created.")

    @strawberry.field(description="Roles granted to the user, by name.")
    async def roles(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[Role]:  # fmt: skip
        found = await roles_by_user(info.context.loaders, info.context.db).load(
            self.number
        )
        window = Window(first, after, last, before)
        return paginate_items(
            found, lambda r: (r.name, r.id), direction, window, Role.from_model
        )

    @classmethod
    def from_model(cls, user: models.User) -> User:
        return cls(
            number=user.id,
            username=user.username,
            email=user.email,
            is_active=user.is_active,
            two_factor_enabled=user.totp_enabled,
            email_verified=user.email_verified_at is not None,
            email_two_factor_enabled=user.email_2fa_enabled,
            created_at=user.created_at,
        )


@strawberry.type(description="A logged-in session's tokens.")
class LoginSuccess:
    access_token: str = strawberry.field(description="Send as `Authorization: Bearer`.")
    refresh_token: str = strawberry.field(
        description="Trade for new tokens with `refreshToken`; valid once."
    )
    expires_at: datetime = strawberry.field(
        description="When the access token expires."
    )
    user: User = strawberry.field(description="Who logged in.")

    @classmethod
    def from_issued(cls, issued: IssuedTokens) -> LoginSuccess:
        return cls(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_at=issued.expires_at,
            user=User.from_model(issued.user),
        )


@strawberry.type(description="The password was right; a second factor is needed.")
class TwoFactorRequired:
    challenge_token: str = strawberry.field(
        description="Short-lived token to pass to `verifyTwoFactor`."
    )
    methods: list[str] = strawberry.field(description="Accepted second factors.")


@strawberry.type(description="A new TOTP secret; shown once, enable with confirm.")
class TwoFactorEnrolment:
    secret: str = strawberry.field(description="Base32 TOTP secret.")
    provisioning_uri: str = strawberry.field(
        description="`otpauth://` URI for authenticator apps (QR code)."
    )
    recovery_codes: list[str] = strawberry.field(
        description="Single-use codes for when the authenticator is lost."
    )


@strawberry.type(description="An action that succeeded and returns nothing else.")
class Done:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="A user that was created or changed.")
class UserSuccess:
    user: User = strawberry.field(description="The user as it is now.")


@strawberry.type(description="A role that was created or changed.")
class RoleSuccess:
    role: Role = strawberry.field(description="The role as it is now.")


@strawberry.type(description="The user was deleted.")
class UserDeleted:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted user."
    )


@strawberry.type(description="The role was deleted; users holding it lost it.")
class RoleDeleted:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted role."
    )


@strawberry.type(
    description="The username or password is wrong, or the user is inactive."
)
class InvalidCredentials(Error):
    pass


@strawberry.type(description="The 2FA code or challenge token is wrong or used.")
class InvalidTwoFactorCode(Error):
    pass


@strawberry.type(description="The email code is wrong, used, expired or superseded.")
class InvalidEmailCode(Error):
    pass


@strawberry.type(
    description="No code can be mailed: no address, no SMTP server, or a refused send."
)
class EmailUnavailable(Error):
    pass


@strawberry.type(description="The refresh token is invalid, expired or already used.")
class InvalidRefreshToken(Error):
    pass


@strawberry.type(description="The current password given is not the user's.")
class WrongCurrentPassword(Error):
    pass


@strawberry.type(description="The new password is too short.")
class WeakPassword(Error):
    pass


@strawberry.type(description="Another user already has this name.")
class UsernameTaken(Error):
    pass


@strawberry.type(description="No user has this id.")
class UserNotFound(Error):
    pass


@strawberry.type(description="Users cannot delete or deactivate themselves.")
class SelfLockout(Error):
    pass


@strawberry.type(description="No role has this id.")
class RoleNotFound(Error):
    pass


@strawberry.type(description="Another role already has this name.")
class RoleNameTaken(Error):
    pass


@strawberry.type(description="A permission string is not `domain.object.action`.")
class InvalidPermission(Error):
    pass


@strawberry.type(description="Built-in roles cannot be deleted, renamed or re-scoped.")
class BuiltinRoleProtected(Error):
    pass


@strawberry.type(description="2FA is not in the state this action needs.")
class TwoFactorStateConflict(Error):
    pass


@strawberry.type(description="The change would leave no active admin.")
class LastAdmin(Error):
    pass
