"""Mutations of the users domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.db import unit_of_work
from app.graphql.context import Info
from app.runtime_settings import service as settings_service
from app.users import service
from app.users.errors import InvalidCredentialsError
from app.users.graphql.types import InvalidCredentials, LoginSuccess, User

LoginPayload = Annotated[
    LoginSuccess | InvalidCredentials, strawberry.union("LoginPayload")
]


@strawberry.type
class UsersMutation:
    @strawberry.mutation(description="Log in with a username and password.")
    async def login(self, info: Info, username: str, password: str) -> LoginPayload:
        settings = info.context.settings
        try:
            async with unit_of_work(info.context.db) as session:
                user = await service.authenticate(session, username, password)
                issued = await service.start_session(
                    session,
                    user,
                    settings.signing_key,
                    await settings_service.token_lifetime(info.context.db),
                    info.context.client,
                )
        except InvalidCredentialsError as exc:
            return InvalidCredentials(message=exc.message)
        return LoginSuccess(
            access_token=issued.access_token,
            expires_at=issued.expires_at,
            user=User.from_model(user),
        )
