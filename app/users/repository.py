"""Every SQL statement of the users domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import utcnow
from app.users.models import AuthSession, Role, User


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


async def all_roles(session: AsyncSession) -> list[Role]:
    """Every role, by name."""
    return list(await session.scalars(select(Role).order_by(Role.name)))


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
