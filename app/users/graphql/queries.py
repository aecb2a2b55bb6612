"""Queries of the users domain."""

from __future__ import annotations

import strawberry

from app import inputs
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.users import service
from app.users.errors import UserNotFoundError
from app.users.graphql.types import Role, User


@strawberry.type
class UsersQuery:
    @strawberry.field(
        description="The calling user.",
        permission_classes=[HasPermission("users.self.view")],
    )
    async def me(self, info: Info) -> User:
        principal = info.context.principal
        assert principal is not None  # noqa: S101  guaranteed by the permission class
        async with info.context.db() as session:
            user = await service.get_user(session, principal.user_id)
        return User.from_model(user)

    @strawberry.field(
        description="Every user.", permission_classes=[HasPermission("users.user.view")]
    )
    async def users(self, info: Info) -> list[User]:
        async with info.context.db() as session:
            users, _ = await service.list_users(session)
        return [User.from_model(u) for u in users]

    @strawberry.field(
        description="One user, or null.",
        permission_classes=[HasPermission("users.user.view")],
    )
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        user_id = inputs.parse_id(id)
        if user_id is None:
            return None
        try:
            async with info.context.db() as session:
                user = await service.get_user(session, user_id)
        except UserNotFoundError:
            return None
        return User.from_model(user)

    @strawberry.field(
        description="Every role.", permission_classes=[HasPermission("users.role.view")]
    )
    async def roles(self, info: Info) -> list[Role]:
        async with info.context.db() as session:
            roles, _ = await service.list_roles(session)
        return [Role.from_model(r) for r in roles]
