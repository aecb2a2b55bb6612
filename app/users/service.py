"""Business rules of users, roles and login sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.db import Sessionmaker
from app.errors import UnauthenticatedError
from app.users import repository
from app.users.errors import (
    InvalidCredentialsError,
    UnknownRoleError,
    UsernameTakenError,
    WeakPasswordError,
)
from app.users.models import AuthSession, Role, User

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("opsgraph-timing-equaliser")

MIN_PASSWORD_LENGTH = 8

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
    "conversations",
    "pipelines",
    "federations",
    "jobs",
)
BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "admin": ("Everything, including users, roles and secrets", ["*"]),
    "operator": (
        "Runs and changes automation; no user, role or secret administration",
        [
            "*.*.view",
            "credentials.credential.use",
            *(f"{domain}.*.*" for domain in AUTOMATION_DOMAINS),
        ],
    ),
    "viewer": ("Reads everything but secrets", ["*.*.view"]),
}


@dataclass(frozen=True)
class IssuedTokens:
    """What a successful login hands back."""

    access_token: str
    expires_at: datetime
    session_id: str
    user: User


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def role_permissions(roles: list[Role]) -> frozenset[str]:
    """The union of the permissions `roles` grant."""
    return frozenset(p for role in roles for p in role.permissions)


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


async def create_user(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    email: str | None = None,
    roles: list[str] | None = None,
) -> User:
    """Create an active user with `roles` (default: viewer)."""
    if await repository.user_by_name(session, username) is not None:
        raise UsernameTakenError(username)
    wanted = roles if roles is not None else ["viewer"]
    found = await repository.roles_by_names(session, wanted)
    missing = set(wanted) - {r.name for r in found}
    if missing:
        raise UnknownRoleError(sorted(missing)[0])
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        roles=found,
    )
    session.add(user)
    await session.flush()
    return user


async def bootstrap_admin(
    session: AsyncSession, username: str, password: str | None
) -> bool:
    """Create the first admin from configuration when no user exists yet."""
    await ensure_builtin_roles(session)
    if password is None or await repository.count_users(session) > 0:
        return False
    await create_user(session, username, password, roles=["admin"])
    return True


async def authenticate(session: AsyncSession, username: str, password: str) -> User:
    """The active user `username` if `password` is right; raise otherwise."""
    user = await repository.user_by_name(session, username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise InvalidCredentialsError
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentialsError
    return user


async def start_session(
    session: AsyncSession,
    user: User,
    key: str,
    lifetime: timedelta,
    client: str | None = None,
) -> IssuedTokens:
    """Open a login session for `user` and issue its access token."""
    login = AuthSession(id=uuid.uuid4().hex, user_id=user.id, client=client)
    session.add(login)
    await session.flush()
    token, claims = auth.issue_token(
        key, user.id, "access", lifetime, session_id=login.id
    )
    return IssuedTokens(token, claims.expires_at, login.id, user)


async def end_session(session: AsyncSession, principal: auth.Principal) -> None:
    """Revoke the login session the caller's token belongs to."""
    if principal.session_id is not None:
        await repository.revoke_session(session, principal.session_id)


async def principal_from_token(
    db: Sessionmaker, key: str, token: str
) -> auth.Principal:
    """Who holds `token`: verified, its session live, its user active."""
    claims = auth.decode_token(key, token, "access")
    async with db() as session:
        user = await repository.user_by_id(session, claims.user_id)
        live = (
            claims.session_id is None
            or await repository.live_session(session, claims.session_id) is not None
        )
    if user is None or not user.is_active or not live:
        raise UnauthenticatedError("Session is no longer valid", code="INVALID_TOKEN")
    return auth.Principal(
        user_id=user.id,
        username=user.username,
        roles=tuple(sorted(r.name for r in user.roles)),
        permissions=role_permissions(user.roles),
        session_id=claims.session_id,
        expires_at=claims.expires_at,
    )
