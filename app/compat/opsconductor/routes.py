"""OpsConductor authentication routes."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.db import unit_of_work
from app.runtime_settings import service as settings_service
from app.users import repository as users_repository
from app.users import service as users_service
from app.users.errors import UserNotFoundError
from app.users.models import User


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)


def user_shape(user: User) -> dict[str, object]:
    """OpsConductor's user object: a list of role names."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "roles": sorted(r.name for r in user.roles),
    }


@surface.route("POST", "/auth/login", permission=None)
async def login(call: Call) -> Response:
    body = await call.body(LoginBody)
    async with unit_of_work(call.db) as session:
        user = await users_service.authenticate(session, body.username, body.password)
        issued = await users_service.start_session(
            session,
            user,
            call.settings.signing_key,
            await settings_service.token_lifetime(call.db),
            call.client,
        )
    return ok(
        {
            "user": user_shape(user),
            "session_token": issued.access_token,
            "expires_at": issued.expires_at.isoformat().replace("+00:00", "Z"),
        }
    )


@surface.route("GET", "/auth/me", permission="users.self.view")
async def me(call: Call) -> Response:
    async with call.db() as session:
        user = await users_repository.user_by_id(session, call.user().user_id)
    if user is None:
        raise UserNotFoundError
    return ok(user_shape(user))


@surface.route("POST", "/auth/logout", permission="users.self.view")
async def logout(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await users_service.end_session(session, call.user())
    return ok(None, message="Logged out")
