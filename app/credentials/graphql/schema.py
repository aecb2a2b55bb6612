"""Queries and mutations of the vault; secrets go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from app import inputs
from app.credentials import service
from app.credentials.errors import (
    CredentialNameTakenError,
    CredentialNotFoundError,
    InvalidCredentialError,
)
from app.credentials.graphql.types import (
    Credential,
    CredentialDeleted,
    CredentialNameTaken,
    CredentialNotFound,
    CredentialSuccess,
    CredentialTestResult,
    InvalidCredentialInput,
)
from app.db import unit_of_work
from app.devices import health
from app.errors import DomainError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

CredentialPayload = Annotated[
    CredentialSuccess
    | CredentialNotFound
    | CredentialNameTaken
    | InvalidCredentialInput,
    strawberry.union("CredentialPayload"),
]
DeleteCredentialPayload = Annotated[
    CredentialDeleted | CredentialNotFound, strawberry.union("DeleteCredentialPayload")
]
TestCredentialPayload = Annotated[
    CredentialTestResult | CredentialNotFound | InvalidCredentialInput,
    strawberry.union("TestCredentialPayload"),
]
EXPECTED = (CredentialNotFoundError, CredentialNameTakenError, InvalidCredentialError)


@strawberry.input(description="Credential fields; secret fields are write-only.")
class CredentialInput:
    name: str | None = strawberry.field(default=None, description="Unique name.")
    credential_type: str | None = strawberry.field(
        default=None, description="ssh, snmp or api_key (create only)."
    )
    category: str | None = strawberry.field(default=None, description="Category.")
    environment: str | None = strawberry.field(default=None, description="Env.")
    status: str | None = strawberry.field(default=None, description="Status.")
    description: str | None = strawberry.field(default=None, description="Notes.")
    username: str | None = strawberry.field(default=None, description="Login.")
    port: int | None = strawberry.field(default=None, description="Port.")
    expires_at: datetime | None = strawberry.field(default=None, description="Expiry.")
    password: str | None = strawberry.field(default=None, description="Secret.")
    private_key: str | None = strawberry.field(default=None, description="Secret.")
    passphrase: str | None = strawberry.field(default=None, description="Secret.")
    community: str | None = strawberry.field(default=None, description="Secret.")
    auth_password: str | None = strawberry.field(default=None, description="Secret.")
    priv_password: str | None = strawberry.field(default=None, description="Secret.")
    api_key: str | None = strawberry.field(default=None, description="Secret.")
    snmp_version: str | None = strawberry.field(default=None, description="1/2c/3.")
    security_name: str | None = strawberry.field(default=None, description="v3 user.")
    auth_protocol: str | None = strawberry.field(default=None, description="v3 auth.")
    priv_protocol: str | None = strawberry.field(default=None, description="v3 priv.")

    def __repr__(self) -> str:
        return f"CredentialInput(name={self.name!r})"

    def values(self) -> dict[str, Any]:
        """The fields that were given."""
        return {k: v for k, v in vars(self).items() if v is not None}


_PUBLIC = ("name", "credential_type", "category", "environment", "status")
_PUBLIC_MORE = ("description", "username", "port", "expires_at")


def actor(info: Info) -> service.Actor:
    """The caller, for the audit log."""
    p = info.context.principal
    assert p is not None  # noqa: S101  permission classes ran first
    return service.Actor(
        p.user_id,
        p.username,
        info.context.client,
        may_use_credentials=p.can(service.CREDENTIAL_USE_PERMISSION),
    )


def failure(exc: DomainError) -> Any:
    """The union member naming `exc`'s condition."""
    if isinstance(exc, CredentialNotFoundError):
        return CredentialNotFound(message=exc.message)
    if isinstance(exc, CredentialNameTakenError):
        return CredentialNameTaken(message=exc.message)
    field = exc.details.get("field")
    return InvalidCredentialInput(
        message=exc.message, field=str(field) if field else None
    )


@strawberry.type
class CredentialsQuery:
    @strawberry.field(
        description="Credentials (public fields only) matching the filters.",
        permission_classes=[HasPermission("credentials.credential.view")],
    )
    async def credentials(
        self,
        info: Info,
        credential_type: str | None = None,
        category: str | None = None,
        environment: str | None = None,
        include_expired: bool = True,
        status: str | None = None,
    ) -> list[Credential]:
        f = service.CredentialFilter(
            credential_type,
            category,
            environment,
            status=status,
            include_expired=include_expired,
        )
        async with info.context.db() as session:
            rows, _ = await service.list_credentials(session, f)
        return [Credential.from_model(c) for c in rows]


@strawberry.type
class CredentialsMutation:
    @strawberry.mutation(
        description="Store a new credential in the vault.",
        permission_classes=[HasPermission("credentials.credential.create")],
    )
    async def create_credential(
        self, info: Info, input: CredentialInput
    ) -> CredentialPayload:
        values = input.values()
        known = {k: values[k] for k in (*_PUBLIC, *_PUBLIC_MORE) if k in values}
        try:
            data = service.input_from(values, **known)
            async with unit_of_work(info.context.db) as session:
                created = await service.create_credential(session, actor(info), data)
        except EXPECTED as exc:
            return failure(exc)
        return CredentialSuccess(credential=Credential.from_model(created))

    @strawberry.mutation(
        description="Seal a new secret; the old one is kept in history.",
        permission_classes=[HasPermission("credentials.credential.update")],
    )
    async def rotate_credential(
        self, info: Info, id: strawberry.ID, input: CredentialInput
    ) -> CredentialPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                rotated = await service.rotate_credential(
                    session, actor(info), inputs.row_id(id), input.values()
                )
        except EXPECTED as exc:
            return failure(exc)
        return CredentialSuccess(credential=Credential.from_model(rotated))

    @strawberry.mutation(
        description="Delete a credential (audited).",
        permission_classes=[HasPermission("credentials.credential.delete")],
    )
    async def delete_credential(
        self, info: Info, id: strawberry.ID
    ) -> DeleteCredentialPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_credential(session, actor(info), inputs.row_id(id))
        except CredentialNotFoundError as exc:
            return failure(exc)  # type: ignore[no-any-return]
        return CredentialDeleted(id=id)

    @strawberry.mutation(
        description="Try a credential against a target by SSH or SNMP (audited).",
        permission_classes=[HasPermission("credentials.credential.test")],
    )
    async def test_credential(
        self, info: Info, id: strawberry.ID, target: str, port: int | None = None
    ) -> TestCredentialPayload:
        limits = health.limits_from(info.context.settings)
        try:
            result = await service.try_credential(
                info.context.db, actor(info), inputs.row_id(id), target, port, limits
            )
        except EXPECTED as exc:
            return failure(exc)
        return CredentialTestResult.from_result(result)
