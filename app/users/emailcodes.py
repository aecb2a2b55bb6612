"""Codes mailed to a user: verifying an email address, and email as a second factor.

An address counts as verified once its owner types back a code mailed to it
(`send_verification` then `confirm_email`); only then can email become a second
factor (`set_email_two_factor`, which asks for the password). A code is six
digits, kept only as an HMAC under the signing key, valid
`email_code_minutes`, single-use, dead after `email_code_max_attempts` wrong
tries, and replaced by the next one sent for the same purpose. Codes are never
logged; the mail is sent after the transaction commits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.service import Actor
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import found_or_raise
from app.notifications import service as notifications_service
from app.settings import Settings
from app.users import passwords, repository
from app.users.errors import (
    EmailUnavailableError,
    InvalidCurrentPasswordError,
    InvalidEmailCodeError,
    TwoFactorStateError,
    UserNotFoundError,
)
from app.users.models import EmailCode, User

log = logging.getLogger(__name__)
VERIFY, LOGIN = "verify", "login"
SUBJECTS = {
    VERIFY: "Confirm your email address",
    LOGIN: "Your sign-in code",
}


def _digest(key: str, user_id: int, purpose: str, code: str) -> str:
    message = f"{user_id}:{purpose}:{code.strip()}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


async def _user(session: AsyncSession, user_id: int) -> User:
    return found_or_raise(
        await repository.user_by_id(session, user_id), UserNotFoundError()
    )


async def _issue(
    session: AsyncSession, settings: Settings, user: User, purpose: str
) -> tuple[str, str]:
    """A new code for `purpose` (the old one dies) and the address it goes to."""
    if not user.email:
        raise EmailUnavailableError("The user has no email address")
    code = f"{secrets.randbelow(10**6):06d}"
    await repository.delete_email_codes(session, user.id, purpose)
    session.add(
        EmailCode(
            user_id=user.id,
            purpose=purpose,
            address=user.email,
            code_hash=_digest(settings.signing_key, user.id, purpose, code),
            expires_at=utcnow() + timedelta(minutes=settings.email_code_minutes),
        )
    )
    await session.flush()
    return code, user.email


async def _mail(settings: Settings, address: str, purpose: str, code: str) -> bool:
    """Send `code`; False (and one warning line) when the SMTP server refused."""
    if not settings.smtp_host:
        log.warning("Email code not sent (%s): no SMTP server is configured", purpose)
        return False
    minutes = settings.email_code_minutes
    body = f"Your code is {code}. It is valid for {minutes} minutes."
    sent = await notifications_service.send_system_email(
        settings, address, SUBJECTS[purpose], body, f"auth.email.{purpose}"
    )
    if not sent.success:
        log.warning("Email code not sent (%s): %s", purpose, sent.error)
    return sent.success


async def send_verification(db: Sessionmaker, settings: Settings, user_id: int) -> None:
    """Mail a code to the user's address; `confirm_email` takes it back."""
    if not settings.smtp_host:
        raise EmailUnavailableError("No SMTP server is configured")
    async with unit_of_work(db) as session:
        user = await _user(session, user_id)
        code, address = await _issue(session, settings, user, VERIFY)
    if not await _mail(settings, address, VERIFY, code):
        raise EmailUnavailableError("The verification email could not be sent")


async def send_login_code(db: Sessionmaker, settings: Settings, user_id: int) -> None:
    """Mail a login code to a user who has email as a second factor."""
    async with unit_of_work(db) as session:
        user = await _user(session, user_id)
        code, address = await _issue(session, settings, user, LOGIN)
    await _mail(settings, address, LOGIN, code)


async def consume(
    session: AsyncSession, settings: Settings, user: User, purpose: str, code: str
) -> bool:
    """Use up the live `purpose` code of `user`; False when `code` is not it."""
    stored = await repository.email_code(session, user.id, purpose)
    if stored is None or stored.expires_at <= utcnow() or stored.address != user.email:
        return False
    wanted = _digest(settings.signing_key, user.id, purpose, code)
    if hmac.compare_digest(stored.code_hash, wanted):
        await session.delete(stored)
        return True
    stored.attempts += 1
    if stored.attempts >= settings.email_code_max_attempts:
        await session.delete(stored)
    return False


async def confirm_email(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    code: str,
    client: str | None,
) -> None:
    """Mark the user's address verified with the code mailed to it."""
    user = await _user(session, user_id)
    if not await consume(session, settings, user, VERIFY, code):
        raise InvalidEmailCodeError
    user.email_verified_at = utcnow()
    await audit_service.record(
        session, "auth.email.verified", Actor(user.id, user.username, client)
    )


async def set_email_two_factor(
    session: AsyncSession,
    user_id: int,
    enabled: bool,
    password: str,
    client: str | None,
) -> None:
    """Turn email as a second factor on (verified address only) or off."""
    user = await _user(session, user_id)
    if not passwords.verify_password(user.password_hash, password):
        raise InvalidCurrentPasswordError
    if enabled and user.email_verified_at is None:
        raise TwoFactorStateError("Verify your email address first")
    user.email_2fa_enabled = enabled
    action = "auth.2fa.email.enabled" if enabled else "auth.2fa.email.disabled"
    await audit_service.record(session, action, Actor(user.id, user.username, client))
