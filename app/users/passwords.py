"""Password hashing (argon2id) and checking a username and password."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from app.users import repository
from app.users.errors import InvalidCredentialsError, WeakPasswordError
from app.users.models import User

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("opsgraph-timing-equaliser")

MIN_PASSWORD_LENGTH = 8


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


async def authenticate(session: AsyncSession, username: str, password: str) -> User:
    """The active user `username` if `password` is right; raise otherwise."""
    user = await repository.user_by_name(session, username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise InvalidCredentialsError
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentialsError
    return user
