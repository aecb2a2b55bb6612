"""OpsConductor Credentials API (`specs/opsconductor.md`): the vault's REST face."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import PageQuery, ok, paged, surface
from app.compat.params import query
from app.compat.timefmt import iso_z
from app.credentials import expiry, service
from app.credentials.models import Credential, CredentialAudit
from app.db import unit_of_work
from app.devices import health


def _utc(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class CredentialBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    credential_type: str | None = None
    category: str | None = Field(default=None, max_length=100)
    environment: str | None = Field(default=None, max_length=100)
    status: str | None = None
    description: str | None = None
    username: str | None = Field(default=None, max_length=150)
    port: int | None = Field(default=None, ge=1, le=65535)
    expires_at: AwareDatetime | None = None
    password: str | None = None
    private_key: str | None = None
    passphrase: str | None = None
    community: str | None = None
    auth_password: str | None = None
    priv_password: str | None = None
    api_key: str | None = None
    snmp_version: str | None = None
    security_name: str | None = None
    auth_protocol: str | None = None
    priv_protocol: str | None = None
    header: str | None = None
    url: str | None = None

    _aware = field_validator("expires_at", mode="before")(_utc)


class ListQuery(PageQuery):
    type: str | None = None
    category: str | None = None
    environment: str | None = None
    status: str | None = None
    include_expired: bool = True


class GetQuery(BaseModel):
    decrypt: bool = False


class AuditQuery(BaseModel):
    credential_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)

    _aware = field_validator("start_date", "end_date", mode="before")(_utc)


class TestBody(BaseModel):
    target: str = Field(min_length=1, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)


def actor(call: Call) -> service.Actor:
    """The caller as the audit log records it."""
    user = call.user()
    return service.Actor(
        user.user_id,
        user.username,
        call.client,
        may_read_secrets=user.can(service.SECRET_READ_PERMISSION),
        may_use_credentials=user.can(service.CREDENTIAL_USE_PERMISSION),
    )


def summary(c: Credential) -> dict[str, Any]:
    """A credential as the list shows it (no secret)."""
    return {
        "id": c.id,
        "name": c.name,
        "credential_type": c.credential_type,
        "category": c.category,
        "environment": c.environment,
        "status": expiry.status_of(c),
        "expires_at": iso_z(c.expires_at),
        "created_at": iso_z(c.created_at),
    }


def detail(c: Credential) -> dict[str, Any]:
    """A credential's public fields."""
    return {
        **summary(c),
        "description": c.description,
        "username": c.username,
        "port": c.port,
        **c.attributes,
        "version": c.version,
        "last_rotated_at": iso_z(c.last_rotated_at),
        "updated_at": iso_z(c.updated_at),
    }


def audit_shape(a: CredentialAudit) -> dict[str, Any]:
    """One audit-log entry."""
    return {
        "id": a.id,
        "credential_id": a.credential_id,
        "credential_name": a.credential_name,
        "action": a.action,
        "success": a.success,
        "user_id": a.user_id,
        "username": a.username,
        "ip_address": a.client,
        "details": a.details,
        "created_at": iso_z(a.created_at),
    }


@surface.route("GET", "/credentials", permission="credentials.credential.view")
async def list_credentials(call: Call) -> Response:
    q = query(call, ListQuery)
    f = service.CredentialFilter(
        credential_type=q.type,
        category=q.category,
        environment=q.environment,
        status=q.status,
        include_expired=q.include_expired,
    )
    async with call.db() as session:
        rows, total = await service.list_credentials(session, f, q.page)
    return paged("credentials", [summary(c) for c in rows], total, q)


@surface.route("GET", "/credentials/audit", permission="credentials.audit.view")
async def audit_log(call: Call) -> Response:
    q = query(call, AuditQuery)
    f = service.AuditFilter(
        q.credential_id,
        q.user_id,
        q.action,
        q.start_date,
        q.end_date,
        q.limit,
        q.offset,
    )
    async with call.db() as session:
        rows, total = await service.audit_log(session, f)
    entries = [audit_shape(a) for a in rows]
    return ok(
        {"entries": entries, "total": total, "limit": q.limit, "offset": q.offset}
    )


@surface.route("GET", "/credentials/{id}", permission="credentials.credential.view")
async def get_credential(call: Call) -> Response:
    credential_id = call.path_int("id")
    if not query(call, GetQuery).decrypt:
        async with call.db() as session:
            return ok(detail(await service.get_credential(session, credential_id)))
    credential, secret = await service.reveal(call.db, actor(call), credential_id)
    return ok({**detail(credential), "decrypted_data": secret})


@surface.route("POST", "/credentials", permission="credentials.credential.create")
async def create_credential(call: Call) -> Response:
    body = await call.body(CredentialBody)
    data = service.input_from(
        body.model_dump(exclude_none=True),
        **body.model_dump(
            include={"name", "credential_type", "category", "environment", "status"}
            | {"description", "username", "port", "expires_at"},
            exclude_none=True,
        ),
    )
    async with unit_of_work(call.db) as session:
        credential = await service.create_credential(session, actor(call), data)
    return ok(detail(credential), status=201, message="Credential created")


@surface.route("PUT", "/credentials/{id}", permission="credentials.credential.update")
async def update_credential(call: Call) -> Response:
    body = await call.body(CredentialBody)
    values = body.model_dump(exclude_unset=True, exclude={"credential_type"})
    async with unit_of_work(call.db) as session:
        credential = await service.update_credential(
            session, actor(call), call.path_int("id"), values
        )
    return ok(detail(credential), message="Credential updated")


@surface.route(
    "DELETE", "/credentials/{id}", permission="credentials.credential.delete"
)
async def delete_credential(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_credential(session, actor(call), call.path_int("id"))
    return ok(None, message="Credential deleted")


@surface.route(
    "POST", "/credentials/{id}/rotate", permission="credentials.credential.update"
)
async def rotate_credential(call: Call) -> Response:
    body = await call.body(CredentialBody)
    async with unit_of_work(call.db) as session:
        credential = await service.rotate_credential(
            session,
            actor(call),
            call.path_int("id"),
            body.model_dump(exclude_none=True),
        )
    return ok(detail(credential), message="Credential rotated")


@surface.route(
    "POST", "/credentials/{id}/test", permission="credentials.credential.test"
)
async def test_credential(call: Call) -> Response:
    body = await call.body(TestBody)
    result = await service.try_credential(
        call.db,
        actor(call),
        call.path_int("id"),
        body.target,
        body.port,
        health.limits_from(call.settings),
    )
    return ok(
        {
            "success": result.success,
            "protocol": result.protocol,
            "target": result.target,
            "port": result.port,
            "error_code": result.code,
            "message": result.message,
            "duration_ms": result.duration_ms,
            "details": result.details,
        }
    )
