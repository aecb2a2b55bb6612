"""Mutations administering users and roles."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app import auth
from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.users import service
from app.users.graphql.errors import EXPECTED, member
from app.users.graphql.types import (
    BuiltinRoleProtected,
    Done,
    InvalidPermission,
    LastAdmin,
    RoleNameTaken,
    RoleNotFound,
    RoleSuccess,
    SelfLockout,
    UnknownRole,
    User,
    UsernameTaken,
    UserNotFound,
    UserSuccess,
    WeakPassword,
)
from app.users.graphql.types import Role as RoleType

CreateUserPayload = Annotated[
    UserSuccess | UsernameTaken | UnknownRole | WeakPassword,
    strawberry.union("CreateUserPayload"),
]
UpdateUserPayload = Annotated[
    UserSuccess | UserNotFound | UnknownRole | WeakPassword | SelfLockout | LastAdmin,
    strawberry.union("UpdateUserPayload"),
]
DeleteUserPayload = Annotated[
    Done | UserNotFound | SelfLockout | LastAdmin,
    strawberry.union("DeleteUserPayload"),
]
CreateRolePayload = Annotated[
    RoleSuccess | RoleNameTaken | InvalidPermission,
    strawberry.union("CreateRolePayload"),
]
UpdateRolePayload = Annotated[
    RoleSuccess
    | RoleNotFound
    | RoleNameTaken
    | InvalidPermission
    | BuiltinRoleProtected,
    strawberry.union("UpdateRolePayload"),
]
DeleteRolePayload = Annotated[
    Done | RoleNotFound | BuiltinRoleProtected, strawberry.union("DeleteRolePayload")
]


@strawberry.input(description="A new user.")
class CreateUserInput:
    username: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="At least 8 characters.")
    email: str | None = strawberry.field(default=None, description="Contact address.")
    roles: list[str] = strawberry.field(
        default_factory=lambda: ["viewer"], description="Role names."
    )


@strawberry.input(description="Changes to a user; omitted fields stay.")
class UpdateUserInput:
    email: str | None = strawberry.field(default=None, description="Contact address.")
    password: str | None = strawberry.field(
        default=None, description="New password; ends the user's sessions."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="False ends the user's sessions."
    )
    roles: list[str] | None = strawberry.field(default=None, description="Role names.")


@strawberry.input(description="A new role.")
class CreateRoleInput:
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(default="", description="What it is for.")
    permissions: list[str] = strawberry.field(
        default_factory=list, description="Permission strings `domain.object.action`."
    )


@strawberry.input(description="Changes to a role; omitted fields stay.")
class RoleInput:
    name: str | None = strawberry.field(default=None, description="Unique name.")
    description: str | None = strawberry.field(
        default=None, description="What the role is for."
    )
    permissions: list[str] | None = strawberry.field(
        default=None, description="Permission strings `domain.object.action`."
    )


def _caller(info: Info) -> auth.Principal:
    principal = info.context.principal
    assert principal is not None  # noqa: S101  guaranteed by the permission class
    return principal


def _changes(data: UpdateUserInput) -> service.UserChanges:
    return service.UserChanges(data.email, data.password, data.is_active, data.roles)


def _role_changes(data: RoleInput) -> service.RoleChanges:
    return service.RoleChanges(data.name, data.description, data.permissions)


@strawberry.type
class UsersAdminMutation:
    @strawberry.mutation(
        description="Create a user.",
        permission_classes=[HasPermission("users.user.create")],
    )
    async def create_user(
        self, info: Info, input: CreateUserInput
    ) -> CreateUserPayload:
        actor = service.actor_of(_caller(info), info.context.client)
        try:
            async with unit_of_work(info.context.db) as session:
                user = await service.create_user(
                    session,
                    input.username,
                    input.password,
                    email=input.email,
                    roles=input.roles,
                    actor=actor,
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return UserSuccess(user=User.from_model(user))

    @strawberry.mutation(
        description="Change a user.",
        permission_classes=[HasPermission("users.user.update")],
    )
    async def update_user(
        self, info: Info, id: strawberry.ID, input: UpdateUserInput
    ) -> UpdateUserPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                user = await service.update_user(
                    session,
                    _caller(info),
                    _int(id),
                    _changes(input),
                    info.context.client,
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return UserSuccess(user=User.from_model(user))

    @strawberry.mutation(
        description="Delete a user.",
        permission_classes=[HasPermission("users.user.delete")],
    )
    async def delete_user(self, info: Info, id: strawberry.ID) -> DeleteUserPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_user(
                    session, _caller(info), _int(id), info.context.client
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return Done(ok=True)

    @strawberry.mutation(
        description="Create a role.",
        permission_classes=[HasPermission("users.role.create")],
    )
    async def create_role(
        self, info: Info, input: CreateRoleInput
    ) -> CreateRolePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                role = await service.create_role(
                    session,
                    _caller(info),
                    input.name,
                    input.description,
                    input.permissions,
                    info.context.client,
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return RoleSuccess(role=RoleType.from_model(role))

    @strawberry.mutation(
        description="Change a role; built-in roles only take a new description.",
        permission_classes=[HasPermission("users.role.update")],
    )
    async def update_role(
        self, info: Info, id: strawberry.ID, input: RoleInput
    ) -> UpdateRolePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                role = await service.update_role(
                    session,
                    _caller(info),
                    _int(id),
                    _role_changes(input),
                    info.context.client,
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return RoleSuccess(role=RoleType.from_model(role))

    @strawberry.mutation(
        description="Delete a custom role.",
        permission_classes=[HasPermission("users.role.delete")],
    )
    async def delete_role(self, info: Info, id: strawberry.ID) -> DeleteRolePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_role(
                    session, _caller(info), _int(id), info.context.client
                )
        except EXPECTED as exc:
            return member(exc)  # type: ignore[return-value]
        return Done(ok=True)


def _int(raw: strawberry.ID) -> int:
    """An id argument; anything not a positive integer matches nothing."""
    return int(raw) if str(raw).isdigit() else 0
