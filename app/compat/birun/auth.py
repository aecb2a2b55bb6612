"""biRun authentication routes."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.birun import surface
from app.db import unit_of_work
from app.errors import UnauthenticatedError
from app.users import service as users_service
from app.users.models import User


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)


class RegisterBody(BaseModel):
    username: str = Field(min_length=1, max_length=150, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=1, max_length=1024)
    email: str | None = Field(
        default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"
    )


def user_shape(user: User) -> dict[str, object]:
    """biRun's user object: a single `role` name."""
    names = sorted(r.name for r in user.roles)
    role = "admin" if "admin" in names else (names[0] if names else "user")
    return {"id": user.id, "username": user.username, "email": user.email, "role": role}


@surface.route("POST", "/auth/login", permission=None, rate="auth")
async def login(call: Call) -> Response:
    body = await call.body(LoginBody)
    policy = await users_service.token_policy(call.db, call.settings)
    result = await users_service.login(
        call.db, policy, body.username, body.password, call.client
    )
    if isinstance(result, users_service.TwoFactorChallenge):
        # biRun has no second-factor step: users with 2FA log in elsewhere.
        raise UnauthenticatedError(
            "Two-factor authentication required; use /api/auth/login",
            code="REQUIRES_2FA",
        )
    return JSONResponse(
        {
            "access_token": result.access_token,
            "token_type": "bearer",
            "user": user_shape(result.user),
        }
    )


@surface.route("POST", "/auth/register", permission=None, rate="auth")
async def register(call: Call) -> Response:
    users_service.ensure_registration_open(call.settings.allow_registration)
    body = await call.body(RegisterBody)
    async with unit_of_work(call.db) as session:
        user = await users_service.register(
            session,
            call.settings.allow_registration,
            body.username,
            body.password,
            body.email,
            call.client,
        )
    return JSONResponse(
        {"message": "User created successfully", "user": user_shape(user)}, 201
    )
