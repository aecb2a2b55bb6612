"""Business rules of roles: create, change, delete (never a built-in one)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.audit import service as audit_service
from app.audit.service import Actor
from app.db import EVERY_ROW, Page, fetch_page
from app.errors import found_or_raise
from app.users import repository
from app.users.errors import (
    BuiltinRoleError,
    InvalidPermissionError,
    RoleNameTakenError,
    RoleNotFoundError,
    UnknownPermissionError,
)
from app.users.models import Role


@dataclass(frozen=True)
class RoleChanges:
    """Fields of a role to change; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    permissions: list[str] | None = None


def validate_permissions(permissions: list[str]) -> list[str]:
    """The permissions, deduplicated in order; raise on a malformed one."""
    for permission in permissions:
        if not auth.valid_permission(permission):
            raise InvalidPermissionError(permission)
        if not auth.grants_anything(permission):
            raise UnknownPermissionError(permission)
    return list(dict.fromkeys(permissions))


def _actor(principal: auth.Principal, client: str | None) -> Actor:
    return Actor(principal.user_id, principal.username, client)


async def list_roles(
    session: AsyncSession, page: Page = EVERY_ROW
) -> tuple[list[Role], int]:
    """One page of the roles, by name, and how many there are."""
    return await fetch_page(session, repository.roles_query(), page)


async def get_role(session: AsyncSession, role_id: int) -> Role:
    """The role `role_id`."""
    return found_or_raise(
        await repository.role_by_id(session, role_id), RoleNotFoundError()
    )


async def create_role(
    session: AsyncSession,
    principal: auth.Principal,
    name: str,
    description: str,
    permissions: list[str],
    client: str | None,
) -> Role:
    """Create a custom role after validating its permission strings."""
    checked = validate_permissions(permissions)
    if await repository.role_by_name(session, name) is not None:
        raise RoleNameTakenError(name)
    role = Role(name=name, description=description, permissions=checked)
    session.add(role)
    await session.flush()
    await audit_service.record(
        session,
        "role.created",
        _actor(principal, client),
        target=f"role:{role.id}",
        details={"name": name, "permissions": checked},
    )
    return role


async def update_role(
    session: AsyncSession,
    principal: auth.Principal,
    role_id: int,
    changes: RoleChanges,
    client: str | None,
) -> Role:
    """Change a custom role; built-in roles keep their name and permissions."""
    role = await get_role(session, role_id)
    if role.builtin and (changes.name or changes.permissions is not None):
        raise BuiltinRoleError(role.name)
    if changes.name is not None and changes.name != role.name:
        if await repository.role_by_name(session, changes.name) is not None:
            raise RoleNameTakenError(changes.name)
        role.name = changes.name
    if changes.description is not None:
        role.description = changes.description
    if changes.permissions is not None:
        role.permissions = validate_permissions(changes.permissions)
    await session.flush()
    await audit_service.record(
        session,
        "role.updated",
        _actor(principal, client),
        target=f"role:{role.id}",
        details={"name": role.name, "permissions": list(role.permissions)},
    )
    return role


async def delete_role(
    session: AsyncSession, principal: auth.Principal, role_id: int, client: str | None
) -> None:
    """Delete a custom role; users lose it."""
    role = await get_role(session, role_id)
    if role.builtin:
        raise BuiltinRoleError(role.name)
    await session.delete(role)
    await session.flush()
    await audit_service.record(
        session,
        "role.deleted",
        _actor(principal, client),
        target=f"role:{role_id}",
        details={"name": role.name},
    )
