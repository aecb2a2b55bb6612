"""Login sessions: access tokens, rotating refresh tokens, logout, password change."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.audit import service as audit_service
from app.audit.service import Actor
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import UnauthenticatedError, found_or_raise
from app.settings import Settings
from app.users import passwords, repository, revocation
from app.users.errors import (
    InvalidCredentialsError,
    InvalidCurrentPasswordError,
    RefreshTokenReusedError,
    UserNotFoundError,
)
from app.users.models import AuthSession, RefreshToken, User


@dataclass(frozen=True)
class TokenPolicy:
    """How tokens are signed and how long each kind lives."""

    key: str
    access_lifetime: timedelta
    refresh_lifetime: timedelta
    challenge_lifetime: timedelta = timedelta(minutes=5)
    # A login session ends this long after the login, however often refreshed.
    session_max_age: timedelta | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenPolicy:
        """The policy `settings` configure."""
        return cls(
            settings.signing_key,
            timedelta(minutes=settings.access_token_expire_minutes),
            timedelta(days=settings.refresh_token_expire_days),
            timedelta(minutes=settings.two_factor_token_minutes),
            timedelta(hours=settings.session_timeout_hours),
        )


@dataclass(frozen=True)
class IssuedTokens:
    """What a successful login or refresh hands back."""

    access_token: str
    expires_at: datetime
    session_id: str
    user: User
    refresh_token: str


@dataclass(frozen=True)
class TwoFactorChallenge:
    """A password was right but a second factor is still needed."""

    token: str
    methods: tuple[str, ...]
    user_id: int


def token_digest(token: str) -> str:
    """The SHA-256 hex digest a refresh token is stored as."""
    return hashlib.sha256(token.encode()).hexdigest()


def role_permissions(grants: Iterable[Iterable[str]]) -> frozenset[str]:
    """The union of the permissions roles grant (one list per role)."""
    return frozenset(p for permissions in grants for p in permissions)


async def start_session(
    session: AsyncSession,
    user: User,
    key: str,
    lifetime: timedelta,
    client: str | None = None,
    *,
    refresh_lifetime: timedelta = timedelta(days=14),
) -> IssuedTokens:
    """Open a login session for `user`; issue its access and refresh tokens."""
    login = AuthSession(id=uuid.uuid4().hex, user_id=user.id, client=client)
    session.add(login)
    await session.flush()
    token, claims = auth.issue_token(
        key, user.id, "access", lifetime, session_id=login.id
    )
    refresh = await _issue_refresh(session, key, user.id, login.id, refresh_lifetime)
    return IssuedTokens(token, claims.expires_at, login.id, user, refresh)


async def _issue_refresh(
    session: AsyncSession, key: str, user_id: int, session_id: str, lifetime: timedelta
) -> str:
    token, claims = auth.issue_token(
        key, user_id, "refresh", lifetime, session_id=session_id
    )
    session.add(
        RefreshToken(
            token_hash=token_digest(token),
            session_id=session_id,
            expires_at=claims.expires_at,
        )
    )
    await session.flush()
    return token


def _actor(user: User, client: str | None) -> Actor:
    return Actor(user.id, user.username, client)


async def open_session(
    session: AsyncSession, policy: TokenPolicy, user: User, client: str | None
) -> IssuedTokens:
    """Start a session under `policy` and audit the successful login."""
    issued = await start_session(
        session,
        user,
        policy.key,
        policy.access_lifetime,
        client,
        refresh_lifetime=policy.refresh_lifetime,
    )
    await audit_service.record(session, "auth.login.succeeded", _actor(user, client))
    return issued


async def login(
    db: Sessionmaker,
    policy: TokenPolicy,
    username: str,
    password: str,
    client: str | None,
) -> IssuedTokens | TwoFactorChallenge:
    """Check a password; open a session, or ask for the second factor."""
    try:
        async with unit_of_work(db) as session:
            user = await passwords.authenticate(session, username, password)
            if user.totp_enabled or user.email_2fa_enabled:
                return _challenge(policy, user)
            return await open_session(session, policy, user, client)
    except InvalidCredentialsError:
        await audit_service.record_apart(
            db, "auth.login.failed", Actor(username=username, client=client)
        )
        raise


def _challenge(policy: TokenPolicy, user: User) -> TwoFactorChallenge:
    token, _ = auth.issue_token(policy.key, user.id, "2fa", policy.challenge_lifetime)
    methods = ("totp",) * user.totp_enabled + ("email",) * user.email_2fa_enabled
    return TwoFactorChallenge(token, methods, user.id)


async def refresh(
    db: Sessionmaker, policy: TokenPolicy, token: str, client: str | None
) -> IssuedTokens:
    """Trade a refresh token for new tokens; a reused one revokes its session."""
    claims = auth.decode_token(policy.key, token, "refresh")
    async with unit_of_work(db) as session:
        issued = await _rotate(session, policy, claims, token_digest(token), client)
    if issued is None:
        raise RefreshTokenReusedError
    return issued


async def _rotate(
    session: AsyncSession,
    policy: TokenPolicy,
    claims: auth.Claims,
    digest: str,
    client: str | None,
) -> IssuedTokens | None:
    stored = await repository.refresh_token_for_update(session, digest)
    if stored is None or stored.session_id != claims.session_id:
        raise UnauthenticatedError("Invalid refresh token", code="INVALID_TOKEN")
    user = await repository.user_by_id(session, claims.user_id)
    if user is None or not user.is_active:
        raise UnauthenticatedError("Session is no longer valid", code="INVALID_TOKEN")
    if stored.used_at is not None:
        await revocation.revoke_session(session, user.id, stored.session_id)
        await audit_service.record(
            session,
            "auth.refresh.reused",
            _actor(user, client),
            target=f"session:{stored.session_id}",
        )
        return None
    live = await repository.live_session(session, stored.session_id)
    if live is None or _too_old(live.created_at, policy.session_max_age):
        raise UnauthenticatedError("Session is no longer valid", code="INVALID_TOKEN")
    stored.used_at = utcnow()
    access, access_claims = auth.issue_token(
        policy.key,
        user.id,
        "access",
        policy.access_lifetime,
        session_id=stored.session_id,
    )
    fresh = await _issue_refresh(
        session, policy.key, user.id, stored.session_id, policy.refresh_lifetime
    )
    return IssuedTokens(
        access, access_claims.expires_at, stored.session_id, user, fresh
    )


async def logout(
    db: Sessionmaker, principal: auth.Principal, client: str | None
) -> None:
    """Revoke the caller's login session and its refresh tokens."""
    async with unit_of_work(db) as session:
        if principal.session_id is not None:
            await revocation.revoke_session(
                session, principal.user_id, principal.session_id
            )
        await audit_service.record(
            session, "auth.logout", Actor(principal.user_id, principal.username, client)
        )


async def change_password(
    db: Sessionmaker,
    principal: auth.Principal,
    current: str,
    new: str,
    client: str | None,
) -> None:
    """Replace the caller's password and revoke every other session of theirs."""
    async with unit_of_work(db) as session:
        user = found_or_raise(
            await repository.user_by_id(session, principal.user_id), UserNotFoundError()
        )
        if not passwords.verify_password(user.password_hash, current):
            raise InvalidCurrentPasswordError
        user.password_hash = passwords.hash_password(new)
        await revocation.revoke_user_sessions(
            session, user.id, keep=principal.session_id
        )
        await audit_service.record(
            session, "auth.password.changed", _actor(user, client)
        )


async def prune_expired(db: Sessionmaker, policy: TokenPolicy) -> int:
    """Delete login sessions (and their refresh tokens) nothing can use any more.

    A session is dead once its last refresh token expired and every access token
    issued beside it expired too; returns how many were deleted.
    """
    cutoff = utcnow() - policy.access_lifetime
    async with unit_of_work(db) as session:
        return await repository.delete_sessions_expired_before(session, cutoff)


def _too_old(started: datetime, max_age: timedelta | None) -> bool:
    return max_age is not None and started < utcnow() - max_age


async def principal_from_token(
    db: Sessionmaker, key: str, token: str, *, max_age: timedelta | None = None
) -> auth.Principal:
    """Who holds `token`: verified, its session live and younger than `max_age`,
    its user active."""
    claims = auth.decode_token(key, token, "access")
    # Every access token belongs to a session, so logout can revoke it.
    found = None
    if claims.session_id is not None:
        async with db() as session:
            found = await repository.bearer(session, claims.user_id, claims.session_id)
    if found is None or not found.is_active or _too_old(found.session_started, max_age):
        raise UnauthenticatedError("Session is no longer valid", code="INVALID_TOKEN")
    return auth.Principal(
        user_id=found.user_id,
        username=found.username,
        roles=tuple(sorted(found.roles)),
        permissions=role_permissions(found.roles.values()) | {auth.SELF_SERVICE},
        session_id=claims.session_id,
        expires_at=claims.expires_at,
    )
