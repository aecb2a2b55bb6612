"""Business rules of users and roles; the sessions and 2FA flows are re-exported."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.audit import service as audit_service
from app.audit.service import Actor
from app.db import EVERY_ROW, Page, Sessionmaker
from app.errors import found_or_raise
from app.runtime_settings import service as settings_service
from app.settings import Settings
from app.users import emailcodes, repository, revocation, sessions
from app.users.errors import (
    LastAdminError,
    RegistrationClosedError,
    SelfLockoutError,
    UnknownRoleError,
    UsernameTakenError,
    UserNotFoundError,
)
from app.users.models import Role, User
from app.users.passwords import authenticate, hash_password, verify_password
from app.users.repository import UserFilter
from app.users.roles import (
    RoleChanges,
    create_role,
    delete_role,
    get_role,
    list_roles,
    update_role,
    validate_permissions,
)
from app.users.sessions import (
    IssuedTokens,
    TokenPolicy,
    TwoFactorChallenge,
    change_password,
    login,
    logout,
    prune_expired,
    refresh,
    role_permissions,
    start_session,
)

__all__ = [
    "IssuedTokens",
    "RoleChanges",
    "TokenPolicy",
    "TwoFactorChallenge",
    "UserFilter",
    "authenticate",
    "change_password",
    "create_role",
    "delete_role",
    "get_role",
    "hash_password",
    "list_roles",
    "login",
    "logout",
    "principal_from_token",
    "refresh",
    "role_permissions",
    "start_session",
    "update_role",
    "validate_permissions",
    "verify_password",
]

AUTOMATION_DOMAINS = (
    "playbooks",
    "executions",
    "devices",
    "groups",
    "inventories",
    "scripts",
    "schedules",
    "workflows",
    "scans",
    "alerts",
    "notifications",
    "logs",
    "pipelines",
    "federations",
    "jobs",
    "netbox",
)
# Operators talk to the AI assistant, but conversations are private: not
# `conversations.*.*`, which would cover reading everyone's
# (conversations.conversation.view_all, left to admins).
CONVERSATION_PERMISSIONS = (
    "conversations.conversation.create",
    "conversations.message.create",
)
BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "admin": ("Everything, including users, roles and secrets", ["*"]),
    # Not `credentials.credential.use`: a vault credential used on an address
    # the caller names goes to that address, which is as good as reading it.
    # Admins grant it through a role of their own.
    "operator": (
        "Runs and changes automation; no user, role or secret administration",
        [
            "*.*.view",
            *(f"{domain}.*.*" for domain in AUTOMATION_DOMAINS),
            *CONVERSATION_PERMISSIONS,
        ],
    ),
    "viewer": ("Reads everything but secrets", ["*.*.view"]),
}
REGISTERED_ROLE = "viewer"
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class UserChanges:
    """Fields of a user to change; None leaves a field as it is."""

    email: str | None = None
    password: str | None = None
    is_active: bool | None = None
    roles: list[str] | None = None


async def ensure_builtin_roles(session: AsyncSession) -> None:
    """Create the built-in roles that are missing and refresh their permissions."""
    existing = {r.name: r for r in await repository.all_roles(session)}
    for name, (description, permissions) in BUILTIN_ROLES.items():
        role = existing.get(name)
        if role is None:
            session.add(
                Role(
                    name=name,
                    description=description,
                    permissions=permissions,
                    builtin=True,
                )
            )
        else:
            role.permissions, role.builtin = permissions, True
    await session.flush()


async def _roles_named(session: AsyncSession, names: list[str]) -> list[Role]:
    found = await repository.roles_by_names(session, names)
    missing = set(names) - {r.name for r in found}
    if missing:
        raise UnknownRoleError(sorted(missing)[0])
    return found


async def create_user(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    email: str | None = None,
    roles: list[str] | None = None,
    actor: Actor | None = None,
) -> User:
    """Create an active user with `roles` (default: viewer)."""
    if await repository.user_by_name(session, username) is not None:
        raise UsernameTakenError(username)
    found = await _roles_named(session, roles if roles is not None else ["viewer"])
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        roles=found,
    )
    session.add(user)
    await session.flush()
    await audit_service.record(
        session,
        "user.created",
        actor or Actor(),
        target=f"user:{user.id}",
        details={"username": username, "roles": sorted(r.name for r in found)},
    )
    return user


def ensure_registration_open(allowed: bool) -> None:
    """Raise unless self-registration is switched on."""
    if not allowed:
        raise RegistrationClosedError


async def register(
    session: AsyncSession,
    allowed: bool,
    username: str,
    password: str,
    email: str | None,
    client: str | None,
) -> User:
    """Self-registration as a viewer, only when the setting allows it."""
    ensure_registration_open(allowed)
    return await create_user(
        session,
        username,
        password,
        email=email,
        roles=[REGISTERED_ROLE],
        actor=Actor(username=username, client=client),
    )


async def bootstrap_admin(
    session: AsyncSession, username: str, password: str | None
) -> bool:
    """Create the first admin from configuration when no user exists yet."""
    await ensure_builtin_roles(session)
    if password is None or await repository.count_users(session) > 0:
        return False
    await create_user(session, username, password, roles=["admin"])
    return True


async def count_users(session: AsyncSession) -> int:
    """How many users exist."""
    return await repository.count_users(session)


async def get_user(session: AsyncSession, user_id: int) -> User:
    """The user `user_id` with its roles."""
    return found_or_raise(
        await repository.user_by_id(session, user_id), UserNotFoundError()
    )


async def list_users(
    session: AsyncSession, page: Page = EVERY_ROW
) -> tuple[list[User], int]:
    """One page of the users with their roles, and how many there are."""
    return await repository.users_page(session, page)


def user_query(f: UserFilter) -> Select[tuple[User]]:
    """The users `f` selects, unordered (for keyset pages)."""
    return repository.users_matching(f)


def role_query(search: str | None, builtin: bool | None) -> Select[tuple[Role]]:
    """The roles matching `search` (and `builtin`), unordered (for keyset pages)."""
    return repository.roles_matching(search, builtin)


async def roles_by_user(
    session: AsyncSession, user_ids: list[int]
) -> dict[int, list[Role]]:
    """Each of `user_ids`' roles, by name (for loaders)."""
    found: dict[int, list[Role]] = {}
    for user_id, role in await repository.roles_of_users(session, user_ids):
        found.setdefault(user_id, []).append(role)
    return found


async def roles_by_ids(session: AsyncSession, ids: list[int]) -> list[Role]:
    """The roles among `ids` that exist."""
    return await repository.roles_by_ids(session, ids)


async def update_user(
    session: AsyncSession,
    principal: auth.Principal,
    user_id: int,
    changes: UserChanges,
    client: str | None,
) -> User:
    """Change a user; deactivating one or changing its password ends its sessions."""
    user = await get_user(session, user_id)
    if changes.is_active is False and user.id == principal.user_id:
        raise SelfLockoutError
    loses_admin = changes.is_active is False or (
        changes.roles is not None and ADMIN_ROLE not in changes.roles
    )
    if loses_admin:
        await _keep_an_admin(session, user)
    details: dict[str, object] = {}
    if changes.email is not None and changes.email != user.email:
        user.email, details["email"] = changes.email, changes.email
        # A new address is unproven: it cannot receive second-factor codes.
        user.email_verified_at, user.email_2fa_enabled = None, False
    if changes.roles is not None:
        user.roles = await _roles_named(session, changes.roles)
        details["roles"] = sorted(r.name for r in user.roles)
    if changes.password is not None:
        user.password_hash, details["password"] = hash_password(changes.password), True
    if changes.is_active is not None:
        user.is_active, details["is_active"] = changes.is_active, changes.is_active
    if changes.is_active is False:
        await revocation.forbid_user(session, user.id)
    elif changes.password is not None:
        await revocation.revoke_user_sessions(session, user.id)
    elif changes.roles is not None:
        await revocation.roles_changed(session, user.id)
    await session.flush()
    await audit_service.record(
        session,
        "user.updated",
        actor_of(principal, client),
        target=f"user:{user.id}",
        details=details,
    )
    return user


async def delete_user(
    session: AsyncSession, principal: auth.Principal, user_id: int, client: str | None
) -> None:
    """Delete a user (never yourself); its sessions go with it."""
    user = await get_user(session, user_id)
    if user.id == principal.user_id:
        raise SelfLockoutError
    await _keep_an_admin(session, user)
    await revocation.forbid_user(session, user.id)
    await session.delete(user)
    await session.flush()
    await audit_service.record(
        session,
        "user.deleted",
        actor_of(principal, client),
        target=f"user:{user_id}",
        details={"username": user.username},
    )


async def _keep_an_admin(session: AsyncSession, user: User) -> None:
    """Raise if `user` is the only active admin left."""
    is_admin = user.is_active and any(r.name == ADMIN_ROLE for r in user.roles)
    if is_admin and await repository.count_active_with_role(session, ADMIN_ROLE) <= 1:
        raise LastAdminError


def actor_of(principal: auth.Principal, client: str | None) -> Actor:
    """The audit actor for a caller at `client`."""
    return Actor(principal.user_id, principal.username, client)


async def prune_sessions(db: Sessionmaker, settings: Settings) -> int:
    """Delete the login sessions no token of which can be used any more."""
    return await prune_expired(db, await token_policy(db, settings))


async def token_policy(db: Sessionmaker, settings: Settings) -> TokenPolicy:
    """The policy in force now: the access lifetime and the session timeout
    follow the runtime settings."""
    current = await settings_service.effective(db)
    return dataclasses.replace(
        TokenPolicy.from_settings(settings),
        access_lifetime=timedelta(minutes=current.access_token_expire_minutes),
        session_max_age=timedelta(hours=current.session_timeout_hours),
    )


async def sign_in(
    db: Sessionmaker,
    settings: Settings,
    username: str,
    password: str,
    client: str | None,
) -> IssuedTokens | TwoFactorChallenge:
    """`login` under the policy in force; mails a code when email is a method."""
    policy = await token_policy(db, settings)
    result = await login(db, policy, username, password, client)
    if isinstance(result, TwoFactorChallenge) and "email" in result.methods:
        await emailcodes.send_login_code(db, settings, result.user_id)
    return result


async def principal_from_token(
    db: Sessionmaker, key: str, token: str
) -> auth.Principal:
    """Who holds access `token`; a session older than the runtime setting
    `session_timeout_hours` no longer counts."""
    current = await settings_service.effective(db)
    return await sessions.principal_from_token(
        db, key, token, max_age=timedelta(hours=current.session_timeout_hours)
    )
