"""Business rules of the credential vault: sealing, rotation, audit."""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth, ssh
from app.credentials import fields, probe, repository, vault
from app.credentials.errors import (
    CredentialNameTakenError,
    CredentialNotFoundError,
    InvalidCredentialError,
)
from app.credentials.models import Credential, CredentialAudit, CredentialHistory
from app.credentials.repository import AuditFilter, CredentialFilter
from app.db import EVERY_ROW, Page, Sessionmaker, unit_of_work, utcnow
from app.errors import ForbiddenError, found_or_raise

__all__ = ["Actor", "AuditFilter", "CredentialFilter", "CredentialInput"]


@dataclass(frozen=True)
class Actor:
    """Who acts on the vault, for the audit log."""

    user_id: int | None
    username: str | None
    client: str | None = None
    may_read_secrets: bool = False
    may_use_credentials: bool = False


SYSTEM = Actor(None, "system")


@dataclass(frozen=True)
class CredentialInput:
    """A credential's fields; `secret` holds what gets sealed."""

    name: str
    credential_type: str
    category: str = "general"
    environment: str = "production"
    status: str = "active"
    description: str = ""
    username: str | None = None
    port: int | None = None
    expires_at: datetime | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    secret: dict[str, str] = field(default_factory=dict, repr=False)


def input_from(values: Mapping[str, object], **known: object) -> CredentialInput:
    """Split a flat mapping of fields into public attributes and secret fields."""
    kind = str(values.get("credential_type") or known.get("credential_type") or "")
    fields.check_type(kind)
    base = {k: v for k, v in known.items() if v is not None}
    if not isinstance(base.get("name"), str) or not base["name"].strip():
        raise InvalidCredentialError("name is required", details={"field": "name"})
    return CredentialInput(
        **base,  # type: ignore[arg-type]
        attributes=fields.pick(fields.ATTRIBUTE_FIELDS[kind], values),
        secret=fields.pick(fields.SECRET_FIELDS[kind], values),
    )


async def audit(
    session: AsyncSession,
    actor: Actor,
    credential: Credential | None,
    action: str,
    *,
    success: bool = True,
    details: dict[str, object] | None = None,
    name: str | None = None,
) -> None:
    """Append one row to the credential audit log."""
    session.add(
        CredentialAudit(
            credential_id=credential.id if credential else None,
            credential_name=credential.name if credential else (name or ""),
            action=action,
            success=success,
            user_id=actor.user_id,
            username=actor.username,
            client=actor.client,
            details=details or {},
        )
    )
    await session.flush()


async def get_credential(session: AsyncSession, credential_id: int) -> Credential:
    """The credential with `credential_id`, or CredentialNotFoundError."""
    return found_or_raise(
        await repository.by_id(session, credential_id),
        CredentialNotFoundError(credential_id),
    )


async def credentials_by_ids(
    session: AsyncSession, ids: Sequence[int]
) -> list[Credential]:
    """The credentials among `ids` (for loaders); secrets stay sealed."""
    return await repository.by_ids(session, ids)


@dataclass(frozen=True)
class Login:
    """What connecting with a credential needs: its username and opened secret."""

    username: str | None
    secret: dict[str, str]


async def logins(session: AsyncSession, ids: Sequence[int]) -> dict[int, Login]:
    """The credentials among `ids`, opened for connecting (not audited).

    Columns only, no ORM objects: an execution opens one per target host.
    """
    found = await repository.logins(session, ids)
    return {
        cid: Login(username, vault.open_sealed(key_id, sealed))
        for cid, (username, key_id, sealed) in found.items()
    }


def credential_query(f: CredentialFilter) -> Select[tuple[Credential]]:
    """The credentials `f` selects now, unordered (for keyset pages)."""
    return repository.filtered(f, utcnow())


async def list_credentials(
    session: AsyncSession, f: CredentialFilter | None = None, page: Page = EVERY_ROW
) -> tuple[list[Credential], int]:
    """One page of the credentials matching `f`, and how many match in all."""
    return await repository.list_credentials(
        session, f or CredentialFilter(), utcnow(), page
    )


async def create_credential(
    session: AsyncSession, actor: Actor, data: CredentialInput
) -> Credential:
    """Validate, seal and store a new credential; audited as `create`."""
    _check(data)
    if await repository.by_name(session, data.name) is not None:
        raise CredentialNameTakenError(data.name)
    sealed = vault.seal(data.secret)
    credential = Credential(
        name=data.name,
        credential_type=data.credential_type,
        category=data.category,
        environment=data.environment,
        status=data.status,
        description=data.description,
        username=data.username,
        port=data.port,
        attributes=fields.with_derived(
            data.credential_type, data.attributes, data.secret
        ),
        key_id=sealed.key_id,
        secret=sealed.blob,
        expires_at=data.expires_at,
        created_by=actor.user_id,
    )
    session.add(credential)
    await _flush_unique(session, data.name)
    await audit(session, actor, credential, "create")
    return credential


def _check(data: CredentialInput) -> None:
    fields.check_type(data.credential_type)
    if not data.name.strip():
        raise InvalidCredentialError("name is required", details={"field": "name"})
    if data.status not in fields.STATUSES:
        raise InvalidCredentialError(
            f"status must be one of {', '.join(fields.STATUSES)}",
            details={"field": "status"},
        )
    fields.validate(data.credential_type, data.username, data.attributes, data.secret)


async def _flush_unique(session: AsyncSession, name: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise CredentialNameTakenError(name) from None


def secret_of(credential: Credential) -> dict[str, str]:
    """The decrypted secret fields of `credential` (for connecting; not audited)."""
    return vault.open_sealed(credential.key_id, credential.secret)


SECRET_READ_PERMISSION = auth.checked_permission("credentials.secret.read")
# Using a stored credential on an address the caller names can hand its secret
# to that address: scans, SNMP reads and device logins ask for this.
CREDENTIAL_USE_PERMISSION = auth.checked_permission("credentials.credential.use")


def require_use(may_use: bool) -> None:
    """Raise ForbiddenError unless the caller may use stored credentials."""
    if not may_use:
        raise ForbiddenError(f"Permission '{CREDENTIAL_USE_PERMISSION}' required")


async def reveal(
    db: Sessionmaker, actor: Actor, credential_id: int
) -> tuple[Credential, dict[str, str]]:
    """A credential with its decrypted secret, for actors allowed to read secrets.

    Audited as `read_secret`, refused attempts too (then ForbiddenError).
    """
    async with unit_of_work(db) as session:
        credential = await get_credential(session, credential_id)
        allowed = actor.may_read_secrets
        await audit(session, actor, credential, "read_secret", success=allowed)
    if not allowed:
        raise ForbiddenError(f"Permission '{SECRET_READ_PERMISSION}' required")
    return credential, secret_of(credential)


async def update_credential(
    session: AsyncSession,
    actor: Actor,
    credential_id: int,
    values: Mapping[str, object],
) -> Credential:
    """Change public fields and/or secret fields; audited as `update`."""
    credential = await get_credential(session, credential_id)
    merged = _merged(_as_input(credential), values)
    _check(merged)
    if merged.name != credential.name and await repository.by_name(
        session, merged.name
    ):
        raise CredentialNameTakenError(merged.name)
    _apply(credential, merged)
    await _flush_unique(session, merged.name)
    changed = sorted(k for k in values if k in (*_PUBLIC, "expires_at"))
    secret_changed = any(k in fields.ALL_SECRET_FIELDS for k in values)
    await audit(
        session,
        actor,
        credential,
        "update",
        details={"fields": changed, "secret_changed": secret_changed},
    )
    return credential


def _merged(current: CredentialInput, values: Mapping[str, object]) -> CredentialInput:
    kind = current.credential_type
    public = {
        k: values[k]
        for k in (*_PUBLIC, "expires_at")
        if k in values and values[k] is not None
    }
    return replace(
        current,
        **public,  # type: ignore[arg-type]
        attributes={
            **current.attributes,
            **fields.pick(fields.ATTRIBUTE_FIELDS[kind], values),
        },
        secret={**current.secret, **fields.pick(fields.SECRET_FIELDS[kind], values)},
    )


_PUBLIC = (
    "name",
    "category",
    "environment",
    "status",
    "description",
    "username",
    "port",
)


def _as_input(credential: Credential) -> CredentialInput:
    return CredentialInput(
        name=credential.name,
        credential_type=credential.credential_type,
        category=credential.category,
        environment=credential.environment,
        status=credential.status,
        description=credential.description,
        username=credential.username,
        port=credential.port,
        expires_at=credential.expires_at,
        attributes=dict(credential.attributes),
        secret=secret_of(credential),
    )


def _apply(credential: Credential, data: CredentialInput) -> None:
    for name in _PUBLIC:
        setattr(credential, name, getattr(data, name))
    credential.expires_at = data.expires_at
    credential.attributes = fields.with_derived(
        data.credential_type, data.attributes, data.secret
    )
    sealed = vault.seal(data.secret)
    credential.key_id, credential.secret = sealed.key_id, sealed.blob


async def rotate_credential(
    session: AsyncSession,
    actor: Actor,
    credential_id: int,
    values: Mapping[str, object],
) -> Credential:
    """Seal a new secret, keeping the old one in history; audited as `rotate`.

    An api_key credential rotated without a new key gets a random one.
    """
    credential = await get_credential(session, credential_id)
    kind = credential.credential_type
    given = fields.pick(fields.SECRET_FIELDS[kind], values)
    if not given and kind == "api_key":
        given = {"api_key": pysecrets.token_urlsafe(32)}
    if not given:
        raise InvalidCredentialError(
            "a new secret is required to rotate this credential",
            details={"fields": list(fields.SECRET_FIELDS[kind])},
        )
    secret = {**secret_of(credential), **given}
    fields.validate(kind, credential.username, credential.attributes, secret)
    session.add(_retired(credential, actor))
    credential.attributes = fields.with_derived(kind, credential.attributes, secret)
    sealed = vault.seal(secret)
    credential.key_id, credential.secret = sealed.key_id, sealed.blob
    credential.version += 1
    credential.last_rotated_at = utcnow()
    await session.flush()
    await audit(
        session, actor, credential, "rotate", details={"version": credential.version}
    )
    return credential


def _retired(credential: Credential, actor: Actor) -> CredentialHistory:
    return CredentialHistory(
        credential_id=credential.id,
        version=credential.version,
        key_id=credential.key_id,
        secret=credential.secret,
        created_at=credential.last_rotated_at or credential.created_at,
        rotated_by=actor.user_id,
    )


async def history(session: AsyncSession, credential_id: int) -> list[CredentialHistory]:
    """The retired versions of a credential (still sealed), newest first."""
    await get_credential(session, credential_id)
    return await repository.history(session, credential_id)


async def delete_credential(
    session: AsyncSession, actor: Actor, credential_id: int
) -> None:
    """Delete a credential (devices using it lose it); audited as `delete`."""
    credential = await get_credential(session, credential_id)
    await audit(session, actor, credential, "delete")
    await session.delete(credential)
    await session.flush()


async def audit_log(
    session: AsyncSession, f: AuditFilter
) -> tuple[list[CredentialAudit], int]:
    """Audit rows matching `f`, newest first, with the total count."""
    return await repository.audit_entries(session, f)


async def rotate_key(session: AsyncSession) -> int:
    """Re-seal every secret (current and retired) under the current key."""
    count = 0
    rows: list[Credential | CredentialHistory] = [
        *await repository.all_credentials(session),
        *await repository.all_history(session),
    ]
    for row in rows:
        if vault.is_current(row.key_id):
            continue
        sealed = vault.seal(vault.open_sealed(row.key_id, row.secret))
        row.key_id, row.secret = sealed.key_id, sealed.blob
        count += 1
    await session.flush()
    return count


async def try_credential(
    db: Sessionmaker,
    actor: Actor,
    credential_id: int,
    target: str,
    port: int | None = None,
    limits: ssh.SSHLimits | None = None,
) -> probe.ProbeResult:
    """Try a credential against `target` (no transaction open); audited as `test`.

    The secret goes to the target the caller names: that needs
    `credentials.credential.use` as well as the test permission.
    """
    require_use(actor.may_use_credentials)
    async with db() as session:
        credential = await get_credential(session, credential_id)
        secret = secret_of(credential)
    if credential.credential_type == "api_key":
        raise InvalidCredentialError(
            "api_key credentials cannot be tested against a host",
            details={"field": "credential_type"},
        )
    result = await probe.probe(
        credential, secret, target, port, limits or ssh.SSHLimits()
    )
    async with unit_of_work(db) as session:
        await audit(
            session,
            actor,
            credential,
            "test",
            success=result.success,
            details={"target": target, "port": result.port, "code": result.code},
        )
    return result
