"""Every SQL statement of the users domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import Page, fetch_page, utcnow
from app.users.models import (
    AuthSession,
    EmailCode,
    RecoveryCode,
    RefreshToken,
    Role,
    User,
    user_role,
)


async def user_by_name(session: AsyncSession, username: str) -> User | None:
    """The user called `username`, with its roles."""
    return await session.scalar(
        select(User).where(User.username == username).options(selectinload(User.roles))
    )


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    """The user with `user_id`, with its roles."""
    return await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )


async def count_users(session: AsyncSession) -> int:
    """How many users exist."""
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def roles_by_names(session: AsyncSession, names: Sequence[str]) -> list[Role]:
    """The roles among `names` that exist."""
    return list(await session.scalars(select(Role).where(Role.name.in_(names))))


@dataclass(frozen=True)
class UserFilter:
    """Which users a list holds; None leaves a criterion out."""

    search: str | None = None
    is_active: bool | None = None
    role_id: int | None = None


def users_matching(f: UserFilter) -> Select[tuple[User]]:
    """The users `f` selects, unordered (for keyset pages)."""
    query = select(User)
    if f.search:
        pattern = f"%{_escaped(f.search)}%"
        query = query.where(
            User.username.ilike(pattern, escape="\\")
            | User.email.ilike(pattern, escape="\\")
        )
    if f.is_active is not None:
        query = query.where(User.is_active.is_(f.is_active))
    if f.role_id is not None:
        holders = select(user_role.c.user_id).where(user_role.c.role_id == f.role_id)
        query = query.where(User.id.in_(holders))
    return query


def roles_matching(search: str | None, builtin: bool | None) -> Select[tuple[Role]]:
    """The roles whose name or description holds `search`, unordered."""
    query = select(Role)
    if search:
        pattern = f"%{_escaped(search)}%"
        query = query.where(
            Role.name.ilike(pattern, escape="\\")
            | Role.description.ilike(pattern, escape="\\")
        )
    if builtin is not None:
        query = query.where(Role.builtin.is_(builtin))
    return query


def _escaped(text: str) -> str:
    """`text` with LIKE's wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def roles_of_users(
    session: AsyncSession, user_ids: Sequence[int]
) -> list[tuple[int, Role]]:
    """(user id, role) for every role the users hold, by role name."""
    rows = await session.execute(
        select(user_role.c.user_id, Role)
        .join(Role, Role.id == user_role.c.role_id)
        .where(user_role.c.user_id.in_(user_ids))
        .order_by(Role.name)
    )
    return [(user_id, role) for user_id, role in rows]


async def roles_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Role]:
    """The roles among `ids` that exist."""
    return list(await session.scalars(select(Role).where(Role.id.in_(ids))))


def roles_query() -> Select[tuple[Role]]:
    """Every role, by name."""
    return select(Role).order_by(Role.name)


async def all_roles(session: AsyncSession) -> list[Role]:
    """Every role, by name."""
    return list(await session.scalars(select(Role).order_by(Role.name)))


@dataclass(frozen=True)
class Bearer:
    """What authenticating a request needs: a live session's user and roles."""

    user_id: int
    username: str
    is_active: bool
    session_started: datetime
    roles: dict[str, list[str]]  # role name -> its permissions


async def bearer(session: AsyncSession, user_id: int, session_id: str) -> Bearer | None:
    """The user of login session `session_id` (not revoked) if it is `user_id`'s.

    One query of columns (user, session and roles joined): every request asks.
    """
    rows = (
        await session.execute(
            select(
                User.id,
                User.username,
                User.is_active,
                AuthSession.created_at,
                Role.name,
                Role.permissions,
            )
            .join(AuthSession, AuthSession.user_id == User.id)
            .outerjoin(user_role, user_role.c.user_id == User.id)
            .outerjoin(Role, Role.id == user_role.c.role_id)
            .where(
                User.id == user_id,
                AuthSession.id == session_id,
                AuthSession.revoked_at.is_(None),
            )
        )
    ).all()
    if not rows:
        return None
    uid, username, active, started = rows[0][:4]
    roles = {name: list(perms or []) for *_, name, perms in rows if name is not None}
    return Bearer(uid, username, active, started, roles)


async def live_session(session: AsyncSession, session_id: str) -> AuthSession | None:
    """The login session `session_id` unless it was revoked."""
    return await session.scalar(
        select(AuthSession).where(
            AuthSession.id == session_id, AuthSession.revoked_at.is_(None)
        )
    )


async def revoke_session(session: AsyncSession, session_id: str) -> None:
    """Mark one login session revoked."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_user_sessions(
    session: AsyncSession, user_id: int, *, keep: str | None = None
) -> None:
    """Revoke every live login session of `user_id` except `keep`."""
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    await session.execute(query.values(revoked_at=utcnow()))


async def delete_sessions_expired_before(
    session: AsyncSession, cutoff: datetime
) -> int:
    """Delete login sessions whose every refresh token expired before `cutoff`."""
    still_valid = exists().where(
        RefreshToken.session_id == AuthSession.id, RefreshToken.expires_at >= cutoff
    )
    result = await session.execute(delete(AuthSession).where(~still_valid))
    return int(result.rowcount or 0)


async def refresh_token_for_update(
    session: AsyncSession, token_hash: str
) -> RefreshToken | None:
    """The stored refresh token with `token_hash`, row-locked until commit."""
    return await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_hash)
        .with_for_update()
    )


async def users_page(session: AsyncSession, page: Page) -> tuple[list[User], int]:
    """One page of the users with their roles, by id, and how many there are."""
    query = select(User).order_by(User.id).options(selectinload(User.roles))
    return await fetch_page(session, query, page)


async def role_by_id(session: AsyncSession, role_id: int) -> Role | None:
    """The role with `role_id`."""
    return await session.get(Role, role_id)


async def role_by_name(session: AsyncSession, name: str) -> Role | None:
    """The role called `name`."""
    return await session.scalar(select(Role).where(Role.name == name))


async def unused_recovery_codes(
    session: AsyncSession, user_id: int
) -> list[RecoveryCode]:
    """The recovery codes of `user_id` not used yet."""
    return list(
        await session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        )
    )


async def delete_recovery_codes(session: AsyncSession, user_id: int) -> None:
    """Forget every recovery code of `user_id`."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


async def email_code(
    session: AsyncSession, user_id: int, purpose: str
) -> EmailCode | None:
    """The live `purpose` code mailed to `user_id`, locked for update."""
    return await session.scalar(
        select(EmailCode)
        .where(EmailCode.user_id == user_id, EmailCode.purpose == purpose)
        .with_for_update()
    )


async def delete_email_codes(session: AsyncSession, user_id: int, purpose: str) -> None:
    """Forget the `purpose` codes mailed to `user_id`."""
    await session.execute(
        delete(EmailCode).where(
            EmailCode.user_id == user_id, EmailCode.purpose == purpose
        )
    )


async def count_active_with_role(session: AsyncSession, role_name: str) -> int:
    """How many active users hold the role `role_name`."""
    query = (
        select(func.count(func.distinct(User.id)))
        .select_from(User)
        .join(user_role, user_role.c.user_id == User.id)
        .join(Role, Role.id == user_role.c.role_id)
        .where(Role.name == role_name, User.is_active.is_(True))
    )
    return int(await session.scalar(query) or 0)
