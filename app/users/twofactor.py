"""TOTP two-factor authentication: enrolment, recovery codes, completing a login."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from cryptography.exceptions import InvalidTag
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.audit import service as audit_service
from app.audit.service import Actor
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import DomainError, found_or_raise
from app.settings import Settings
from app.users import emailcodes, repository, sessions
from app.users.errors import (
    InvalidTwoFactorCodeError,
    TwoFactorStateError,
    UserNotFoundError,
)
from app.users.models import RecoveryCode, User
from app.users.sealing import seal, unseal

RECOVERY_CODE_COUNT = 10
METHODS = ("totp", "recovery", "email")


@dataclass(frozen=True)
class Enrolment:
    """What a user needs to set up an authenticator app; shown once."""

    secret: str
    provisioning_uri: str
    recovery_codes: list[str]


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


async def _user(session: AsyncSession, user_id: int) -> User:
    return found_or_raise(
        await repository.user_by_id(session, user_id), UserNotFoundError()
    )


async def begin_enrolment(
    session: AsyncSession, user_id: int, issuer: str, key: str
) -> Enrolment:
    """Give the user a new TOTP secret and recovery codes, not yet enabled."""
    user = await _user(session, user_id)
    if user.totp_enabled:
        raise TwoFactorStateError("Two-factor authentication is already enabled")
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_last_step = seal(key, secret), None
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    await repository.delete_recovery_codes(session, user.id)
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)
    return Enrolment(secret, uri, codes)


async def confirm_enrolment(
    session: AsyncSession, user_id: int, code: str, client: str | None, key: str
) -> None:
    """Enable 2FA once the user proves their app produces valid codes."""
    user = await _user(session, user_id)
    if user.totp_enabled or user.totp_secret is None:
        raise TwoFactorStateError("No two-factor enrolment is waiting to be confirmed")
    if not _accept_totp(user, code, key):
        raise InvalidTwoFactorCodeError
    user.totp_enabled = True
    await audit_service.record(
        session, "auth.2fa.enabled", Actor(user.id, user.username, client)
    )


async def disable(
    session: AsyncSession, user_id: int, code: str, client: str | None, key: str
) -> None:
    """Turn 2FA off after one more valid TOTP or recovery code."""
    user = await _user(session, user_id)
    if not user.totp_enabled:
        raise TwoFactorStateError("Two-factor authentication is not enabled")
    if not await check_code(session, user, code, "totp", key) and not await check_code(
        session, user, code, "recovery", key
    ):
        raise InvalidTwoFactorCodeError
    user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, None
    await repository.delete_recovery_codes(session, user.id)
    await audit_service.record(
        session, "auth.2fa.disabled", Actor(user.id, user.username, client)
    )


def _accept_totp(user: User, code: str, key: str) -> bool:
    """True for a current code whose time step is later than the last one used."""
    if user.totp_secret is None:
        return False
    try:
        totp = pyotp.TOTP(unseal(key, user.totp_secret))
    except InvalidTag:
        # Sealed under an earlier secret key: only recovery codes still work.
        return False
    now_step = int(utcnow().timestamp()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.strip().encode()):
            user.totp_last_step = step
            return True
    return False


async def check_code(
    session: AsyncSession, user: User, code: str, method: str, key: str
) -> bool:
    """Consume one TOTP or recovery code of `user`; False when it is not valid."""
    if method == "totp":
        return _accept_totp(user, code, key)
    if method != "recovery":
        return False
    wanted = _digest(code)
    for stored in await repository.unused_recovery_codes(session, user.id):
        if hmac.compare_digest(stored.code_hash, wanted):
            stored.used_at = utcnow()
            return True
    return False


async def _second_factor(
    session: AsyncSession, settings: Settings, user: User, code: str, method: str
) -> bool:
    if method == "email":
        return user.email_2fa_enabled and await emailcodes.consume(
            session, settings, user, emailcodes.LOGIN, code
        )
    return user.totp_enabled and await check_code(
        session, user, code, method, settings.signing_key
    )


async def verify_login(
    db: Sessionmaker,
    settings: Settings,
    policy: sessions.TokenPolicy,
    challenge: str,
    code: str,
    method: str,
    client: str | None,
) -> sessions.IssuedTokens:
    """Complete a login that answered `requires_2fa`."""
    try:
        claims = auth.decode_token(policy.key, challenge, "2fa")
    except DomainError as exc:
        raise InvalidTwoFactorCodeError from exc
    async with unit_of_work(db) as session:
        user = await repository.user_by_id(session, claims.user_id)
        ok = (
            user is not None
            and user.is_active
            and await _second_factor(session, settings, user, code, method)
        )
        if ok and user is not None:
            return await sessions.open_session(session, policy, user, client)
    await audit_service.record_apart(
        db, "auth.2fa.failed", Actor(user_id=claims.user_id, client=client)
    )
    raise InvalidTwoFactorCodeError
