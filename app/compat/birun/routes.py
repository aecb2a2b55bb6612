"""biRun authentication routes."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.birun import surface
from app.db import unit_of_work
from app.runtime_settings import service as settings_service
from app.users import service as users_service
from app.users.models import User


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)


def user_shape(user: User) -> dict[str, object]:
    """biRun's user object: a single `role` name."""
    names = sorted(r.name for r in user.roles)
    role = "admin" if "admin" in names else (names[0] if names else "user")
    return {"id": user.id, "username": user.username, "email": user.email, "role": role}


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
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "user": user_shape(user),
        }
    )
