"""OpsConductor users and roles administration: `/auth/users`, `/auth/roles`."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, page_query, surface
from app.compat.timefmt import iso_z_micro
from app.db import unit_of_work
from app.users import service as users_service
from app.users.models import Role, User

NAME = r"^[A-Za-z0-9_.@-]+$"
EMAIL = r"^[^@\s]+@[^@\s]+$"


class CreateUserBody(BaseModel):
    username: str = Field(min_length=1, max_length=150, pattern=NAME)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL)
    password: str = Field(min_length=1, max_length=1024)
    roles: list[str] = Field(default_factory=lambda: ["viewer"], max_length=50)


class UpdateUserBody(BaseModel):
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL)
    password: str | None = Field(default=None, min_length=1, max_length=1024)
    is_active: bool | None = None
    roles: list[str] | None = Field(default=None, max_length=50)


class CreateRoleBody(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=NAME)
    description: str = Field(default="", max_length=500)
    permissions: list[str] = Field(default_factory=list, max_length=500)


class UpdateRoleBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100, pattern=NAME)
    description: str | None = Field(default=None, max_length=500)
    permissions: list[str] | None = Field(default=None, max_length=500)


def user_detail(user: User) -> dict[str, object]:
    """A user as the administration routes show it."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "roles": sorted(r.name for r in user.roles),
        "is_active": user.is_active,
        "created_at": iso_z_micro(user.created_at),
    }


def role_shape(role: Role) -> dict[str, object]:
    """A role with its permission strings."""
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "permissions": list(role.permissions),
        "builtin": role.builtin,
    }


@surface.route("GET", "/auth/users", permission="users.user.view")
async def list_users(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        users, total = await users_service.list_users(session, q.page)
    rows = [user_detail(u) for u in users]
    return ok(rows, total=total, limit=q.limit, offset=q.offset)


@surface.route("POST", "/auth/users", permission="users.user.create")
async def create_user(call: Call) -> Response:
    body = await call.body(CreateUserBody)
    actor = users_service.actor_of(call.user(), call.client)
    async with unit_of_work(call.db) as session:
        user = await users_service.create_user(
            session,
            body.username,
            body.password,
            email=body.email,
            roles=body.roles,
            actor=actor,
        )
    return ok(user_detail(user), status=201, message="User created")


@surface.route("PUT", "/auth/users/{id}", permission="users.user.update")
async def update_user(call: Call) -> Response:
    user_id = call.path_int("id")
    body = await call.body(UpdateUserBody)
    changes = users_service.UserChanges(**body.model_dump())
    async with unit_of_work(call.db) as session:
        user = await users_service.update_user(
            session, call.user(), user_id, changes, call.client
        )
    return ok(user_detail(user), message="User updated")


@surface.route("DELETE", "/auth/users/{id}", permission="users.user.delete")
async def delete_user(call: Call) -> Response:
    user_id = call.path_int("id")
    async with unit_of_work(call.db) as session:
        await users_service.delete_user(session, call.user(), user_id, call.client)
    return ok(None, message="User deleted")


@surface.route("GET", "/auth/roles", permission="users.role.view")
async def list_roles(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        roles, total = await users_service.list_roles(session, q.page)
    rows = [role_shape(r) for r in roles]
    return ok(rows, total=total, limit=q.limit, offset=q.offset)


@surface.route("POST", "/auth/roles", permission="users.role.create")
async def create_role(call: Call) -> Response:
    body = await call.body(CreateRoleBody)
    async with unit_of_work(call.db) as session:
        role = await users_service.create_role(
            session,
            call.user(),
            body.name,
            body.description,
            body.permissions,
            call.client,
        )
    return ok(role_shape(role), status=201, message="Role created")


@surface.route("PUT", "/auth/roles/{id}", permission="users.role.update")
async def update_role(call: Call) -> Response:
    role_id = call.path_int("id")
    body = await call.body(UpdateRoleBody)
    changes = users_service.RoleChanges(**body.model_dump())
    async with unit_of_work(call.db) as session:
        role = await users_service.update_role(
            session, call.user(), role_id, changes, call.client
        )
    return ok(role_shape(role), message="Role updated")


@surface.route("DELETE", "/auth/roles/{id}", permission="users.role.delete")
async def delete_role(call: Call) -> Response:
    role_id = call.path_int("id")
    async with unit_of_work(call.db) as session:
        await users_service.delete_role(session, call.user(), role_id, call.client)
    return ok(None, message="Role deleted")
