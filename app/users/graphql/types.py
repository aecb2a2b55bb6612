"""GraphQL types of users and roles."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.graphql.types import Error
from app.users import models


@strawberry.type(description="A role: a named set of permission strings.")
class Role:
    id: strawberry.ID = strawberry.field(description="Role id.")
    name: str = strawberry.field(description="Unique role name.")
    description: str = strawberry.field(description="What the role is for.")
    permissions: list[str] = strawberry.field(
        description="Permission strings `domain.object.action`, `*` wildcards."
    )
    builtin: bool = strawberry.field(description="Shipped with OpsGraph.")

    @classmethod
    def from_model(cls, role: models.Role) -> Role:
        return cls(
            id=strawberry.ID(str(role.id)),
            name=role.name,
            description=role.description,
            permissions=list(role.permissions),
            builtin=role.builtin,
        )


@strawberry.type(description="A user who can log in.")
class User:
    id: strawberry.ID = strawberry.field(description="User id.")
    username: str = strawberry.field(description="Login name.")
    email: str | None = strawberry.field(description="Contact address.")
    is_active: bool = strawberry.field(description="Whether the user may log in.")
    roles: list[Role] = strawberry.field(description="Roles granted to the user.")
    created_at: datetime = strawberry.field(description="When the user was created.")

    @classmethod
    def from_model(cls, user: models.User) -> User:
        return cls(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            email=user.email,
            is_active=user.is_active,
            roles=[Role.from_model(r) for r in user.roles],
            created_at=user.created_at,
        )


@strawberry.type(description="A logged-in session's access token.")
class LoginSuccess:
    access_token: str = strawberry.field(description="Send as `Authorization: Bearer`.")
    expires_at: datetime = strawberry.field(
        description="When the access token expires."
    )
    user: User = strawberry.field(description="Who logged in.")


@strawberry.type(
    description="The username or password is wrong, or the user is inactive."
)
class InvalidCredentials(Error):
    pass
