"""OpsConductor authentication routes."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.timefmt import iso_z_micro
from app.users import service as users_service
from app.users import twofactor
from app.users.models import User


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)


class VerifyTwoFactorBody(BaseModel):
    session_token: str = Field(min_length=1, max_length=4096)
    code: str = Field(min_length=1, max_length=64)
    method: str = Field(default="totp", pattern="^(totp|recovery|email)$")


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class ChangePasswordBody(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


def user_shape(user: User) -> dict[str, object]:
    """OpsConductor's user object: a list of role names."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "roles": sorted(r.name for r in user.roles),
    }


def session_shape(issued: users_service.IssuedTokens) -> dict[str, object]:
    """The `data` of a completed login or refresh."""
    return {
        "user": user_shape(issued.user),
        "session_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "expires_at": iso_z_micro(issued.expires_at),
    }


async def _policy(call: Call) -> users_service.TokenPolicy:
    return await users_service.token_policy(call.db, call.settings)


@surface.route("POST", "/auth/login", permission=None, rate="auth")
async def login(call: Call) -> Response:
    body = await call.body(LoginBody)
    result = await users_service.sign_in(
        call.db, call.settings, body.username, body.password, call.client
    )
    if isinstance(result, users_service.TwoFactorChallenge):
        return JSONResponse(
            {
                "success": True,
                "requires_2fa": True,
                "session_token": result.token,
                "methods": list(result.methods),
            }
        )
    return ok(session_shape(result))


@surface.route("POST", "/auth/verify-2fa", permission=None, rate="auth")
async def verify_two_factor(call: Call) -> Response:
    body = await call.body(VerifyTwoFactorBody)
    issued = await twofactor.verify_login(
        call.db,
        call.settings,
        await _policy(call),
        body.session_token,
        body.code,
        body.method,
        call.client,
    )
    return ok(session_shape(issued))


@surface.route("POST", "/auth/refresh", permission=None, rate="auth")
async def refresh(call: Call) -> Response:
    body = await call.body(RefreshBody)
    issued = await users_service.refresh(
        call.db, await _policy(call), body.refresh_token, call.client
    )
    return ok(session_shape(issued))


@surface.route("GET", "/auth/me", permission="users.self.view")
async def me(call: Call) -> Response:
    async with call.db() as session:
        user = await users_service.get_user(session, call.user().user_id)
    return ok(user_shape(user))


@surface.route("POST", "/auth/logout", permission="users.self.update")
async def logout(call: Call) -> Response:
    await users_service.logout(call.db, call.user(), call.client)
    return ok(None, message="Logged out")


@surface.route("POST", "/auth/change-password", permission="users.self.update")
async def change_password(call: Call) -> Response:
    body = await call.body(ChangePasswordBody)
    await users_service.change_password(
        call.db, call.user(), body.current_password, body.new_password, call.client
    )
    return ok(None, message="Password changed")
