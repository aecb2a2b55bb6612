"""Tokens and principals: JWT in, who is calling and what they may do out.

No web or GraphQL imports: every face turns a header into a Principal here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.db import utcnow
from app.errors import UnauthenticatedError

ALGORITHM = "HS256"
ISSUER = "opsgraph"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "typ", "iss"]
TokenType = Literal["access", "refresh", "2fa"]
# 9999-12-31T23:59:59Z: the last instant a datetime can hold.
_LAST_TIMESTAMP = 253_402_300_799
# Every logged-in user may read themselves, log out, change their password and
# manage their 2FA, whatever their roles.
SELF_SERVICE = "users.self.*"


@dataclass(frozen=True)
class Claims:
    """The verified claims of one token."""

    user_id: int
    token_type: str
    jti: str
    session_id: str | None
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and the permissions its roles grant."""

    user_id: int
    username: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    session_id: str | None = None
    expires_at: datetime | None = None

    def can(self, wanted: str) -> bool:
        """True when any granted permission covers `wanted`."""
        return any(permission_covers(granted, wanted) for granted in self.permissions)


_PART = r"(\*|[a-z][a-z0-9_-]*)"
_PERMISSION = re.compile(rf"^(\*|{_PART}\.{_PART}\.{_PART})$")


def valid_permission(permission: str) -> bool:
    """True for `domain.object.action` (each part a name or `*`) or a lone `*`."""
    return _PERMISSION.fullmatch(permission) is not None


# Every permission some REST route, GraphQL field or service checks, recorded as
# those are defined: a role may only grant permissions that cover one of them.
_CHECKED: set[str] = set()


def checked_permission(permission: str) -> str:
    """Record that `permission` is checked somewhere; returns it unchanged."""
    _CHECKED.add(permission)
    return permission


def grants_anything(permission: str) -> bool:
    """True when `permission` covers at least one permission that is checked."""
    return any(permission_covers(permission, known) for known in _CHECKED)


def permission_covers(granted: str, wanted: str) -> bool:
    """Match `domain.object.action` strings, `*` standing for any one part.

    A lone `*` grants everything.
    """
    if granted == "*":
        return True
    have, want = granted.split("."), wanted.split(".")
    if len(have) != len(want):
        return False
    return all(h in ("*", w) for h, w in zip(have, want, strict=True))


def issue_token(
    key: str,
    user_id: int,
    token_type: TokenType,
    lifetime: timedelta,
    *,
    session_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[str, Claims]:
    """Sign a token of `token_type` for `user_id`; returns it with its claims."""
    now = utcnow()
    claims = Claims(
        user_id, token_type, uuid.uuid4().hex, session_id, now, now + lifetime
    )
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "typ": token_type,
        "jti": claims.jti,
        "iss": ISSUER,
        "iat": now,
        "exp": claims.expires_at,
        **(extra or {}),
    }
    if session_id is not None:
        payload["sid"] = session_id
    return jwt.encode(payload, key, algorithm=ALGORITHM), claims


def decode_token(key: str, token: str, expected_type: TokenType) -> Claims:
    """Verify signature, algorithm, expiry, issuer and type; raise if any fails."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as exc:
        raise UnauthenticatedError("Token expired", code="TOKEN_EXPIRED") from exc
    except jwt.PyJWTError as exc:
        raise UnauthenticatedError("Invalid token", code="INVALID_TOKEN") from exc
    claims = _checked(payload)
    if claims.typ != expected_type:
        raise UnauthenticatedError("Wrong token type", code="INVALID_TOKEN")
    return Claims(
        int(claims.sub),
        claims.typ,
        claims.jti,
        claims.sid,
        datetime.fromtimestamp(claims.iat, tz=utcnow().tzinfo),
        datetime.fromtimestamp(claims.exp, tz=utcnow().tzinfo),
    )


class _Payload(BaseModel):
    """The claims a signed token must carry, with sane types and ranges."""

    model_config = ConfigDict(strict=True)

    sub: str = Field(pattern=r"^[1-9][0-9]{0,17}$")
    typ: str = Field(max_length=16)
    jti: str = Field(max_length=64)
    sid: str | None = Field(default=None, max_length=64)
    iat: int = Field(ge=0, le=_LAST_TIMESTAMP)
    exp: int = Field(ge=0, le=_LAST_TIMESTAMP)

    @model_validator(mode="after")
    def _issued_before_expiry(self) -> _Payload:
        if self.iat > self.exp:
            raise ValueError("iat after exp")
        return self


def _checked(payload: dict[str, Any]) -> _Payload:
    """`payload`'s claims, or an invalid-token error for absurd ones."""
    try:
        return _Payload.model_validate(payload)
    except ValidationError as exc:
        raise UnauthenticatedError("Invalid token", code="INVALID_TOKEN") from exc


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, if it is one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
