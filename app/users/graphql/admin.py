"""Mutations administering users and roles."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, keys_of
from app.graphql.permissions import HasPermission
from app.users import service
from app.users.graphql.errors import member
from app.users.graphql.types import (
    BuiltinRoleProtected,
    InvalidPermission,
    LastAdmin,
    RoleDeleted,
    RoleNameTaken,
    RoleNotFound,
    RoleSuccess,
    SelfLockout,
    User,
    UserDeleted,
    UsernameTaken,
    UserNotFound,
    UserSuccess,
    WeakPassword,
)
from app.users.graphql.types import Role as RoleType

CreateUserPayload = Annotated[
    UserSuccess | UsernameTaken | RoleNotFound | WeakPassword,
    strawberry.union("CreateUserPayload"),
]
UpdateUserPayload = Annotated[
    UserSuccess | UserNotFound | RoleNotFound | WeakPassword | SelfLockout | LastAdmin,
    strawberry.union("UpdateUserPayload"),
]
DeleteUserPayload = Annotated[
    UserDeleted | UserNotFound | SelfLockout | LastAdmin,
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
    RoleDeleted | RoleNotFound | BuiltinRoleProtected,
    strawberry.union("DeleteRolePayload"),
]
UPDATE_USER_ERRORS = (
    UserNotFound,
    RoleNotFound,
    WeakPassword,
    SelfLockout,
    LastAdmin,
)
UPDATE_ROLE_ERRORS = (
    RoleNotFound,
    RoleNameTaken,
    InvalidPermission,
    BuiltinRoleProtected,
)


@strawberry.input(description="A new user.")
class CreateUserInput:
    username: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="At least 8 characters.")
    email: str | None = strawberry.field(default=None, description="Contact address.")
    role_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Roles (global ids); none given: viewer."
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
    role_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Roles (global ids); replaces the user's roles."
    )


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


async def _role_names(
    session: AsyncSession, raws: list[strawberry.ID] | None
) -> list[str] | None:
    """The names of the roles global ids name (None: none given)."""
    if raws is None:
        return None
    keys = keys_of(raws, RoleType, field="roleIds")
    names = {r.id: r.name for r in await service.roles_by_ids(session, keys)}
    for key, raw in zip(keys, raws, strict=True):
        if key not in names:
            raise NotFoundError(
                f"No Role with id '{raw}'", details={"field": "roleIds"}
            )
    return [names[k] for k in keys]


async def _changes(session: AsyncSession, data: UpdateUserInput) -> service.UserChanges:
    roles = await _role_names(session, data.role_ids)
    return service.UserChanges(data.email, data.password, data.is_active, roles)


def _role_changes(data: RoleInput) -> service.RoleChanges:
    return service.RoleChanges(data.name, data.description, data.permissions)


# The members of failures of mutations whose `id` names a user, or a role.
_user = partial(member, missing=UserNotFound)
_role = partial(member, missing=RoleNotFound)


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
        async with expected(
            UsernameTaken, RoleNotFound, WeakPassword, via=_user, db=info.context.db
        ) as out:
            user = await service.create_user(
                out.session,
                input.username,
                input.password,
                email=input.email,
                roles=await _role_names(out.session, input.role_ids),
                actor=actor,
            )
        return out.error or UserSuccess(user=User.from_model(user))

    @strawberry.mutation(
        description="Change a user.",
        permission_classes=[HasPermission("users.user.update")],
    )
    async def update_user(
        self, info: Info, id: strawberry.ID, input: UpdateUserInput
    ) -> UpdateUserPayload:
        async with expected(*UPDATE_USER_ERRORS, via=_user, db=info.context.db) as out:
            user = await service.update_user(
                out.session,
                _caller(info),
                key_of(id, User, field="id"),
                await _changes(out.session, input),
                info.context.client,
            )
        return out.error or UserSuccess(user=User.from_model(user))

    @strawberry.mutation(
        description="Delete a user.",
        permission_classes=[HasPermission("users.user.delete")],
    )
    async def delete_user(self, info: Info, id: strawberry.ID) -> DeleteUserPayload:
        async with expected(
            UserNotFound, SelfLockout, LastAdmin, via=_user, db=info.context.db
        ) as out:
            key = key_of(id, User, field="id")
            await service.delete_user(
                out.session, _caller(info), key, info.context.client
            )
        return out.error or UserDeleted(deleted_id=global_id(User, key))

    @strawberry.mutation(
        description="Create a role.",
        permission_classes=[HasPermission("users.role.create")],
    )
    async def create_role(
        self, info: Info, input: CreateRoleInput
    ) -> CreateRolePayload:
        async with expected(
            RoleNameTaken, InvalidPermission, via=_role, db=info.context.db
        ) as out:
            role = await service.create_role(
                out.session,
                _caller(info),
                input.name,
                input.description,
                input.permissions,
                info.context.client,
            )
        return out.error or RoleSuccess(role=RoleType.from_model(role))

    @strawberry.mutation(
        description="Change a role; built-in roles only take a new description.",
        permission_classes=[HasPermission("users.role.update")],
    )
    async def update_role(
        self, info: Info, id: strawberry.ID, input: RoleInput
    ) -> UpdateRolePayload:
        async with expected(*UPDATE_ROLE_ERRORS, via=_role, db=info.context.db) as out:
            role = await service.update_role(
                out.session,
                _caller(info),
                key_of(id, RoleType, field="id"),
                _role_changes(input),
                info.context.client,
            )
        return out.error or RoleSuccess(role=RoleType.from_model(role))

    @strawberry.mutation(
        description="Delete a custom role.",
        permission_classes=[HasPermission("users.role.delete")],
    )
    async def delete_role(self, info: Info, id: strawberry.ID) -> DeleteRolePayload:
        async with expected(
            RoleNotFound, BuiltinRoleProtected, via=_role, db=info.context.db
        ) as out:
            key = key_of(id, RoleType, field="id")
            await service.delete_role(
                out.session, _caller(info), key, info.context.client
            )
        return out.error or RoleDeleted(deleted_id=global_id(RoleType, key))
