"""Queries of the users domain."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import IsAuthenticated
from app.users import repository
from app.users.errors import UserNotFoundError
from app.users.graphql.types import User


@strawberry.type
class UsersQuery:
    @strawberry.field(
        description="The calling user.", permission_classes=[IsAuthenticated]
    )
    async def me(self, info: Info) -> User:
        principal = info.context.principal
        assert principal is not None  # noqa: S101  guaranteed by IsAuthenticated
        async with info.context.db() as session:
            user = await repository.user_by_id(session, principal.user_id)
        if user is None:
            raise UserNotFoundError
        return User.from_model(user)
