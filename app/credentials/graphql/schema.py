"""Queries and mutations of the vault; secrets go in, never out."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from app.credentials import models, service
from app.credentials.errors import CredentialNameTakenError, InvalidCredentialError
from app.credentials.graphql.types import (
    Credential,
    CredentialDeleted,
    CredentialNameTaken,
    CredentialNotFound,
    CredentialSuccess,
    CredentialTestResult,
    InvalidCredentialInput,
)
from app.devices import health
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from

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
CREDENTIAL_ERRORS = (CredentialNotFound, CredentialNameTaken, InvalidCredentialInput)


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


def failure(exc: Exception) -> Error | None:
    """The union member naming `exc`'s condition; a missing credential is
    the one the `id` argument names."""
    if isinstance(exc, NotFoundError):
        missing = error_from(CredentialNotFound, exc)
        missing.field = missing.field or "id"
        return missing
    if isinstance(exc, CredentialNameTakenError):
        return error_from(CredentialNameTaken, exc)
    if isinstance(exc, InvalidCredentialError):
        return error_from(InvalidCredentialInput, exc)
    return None


@strawberry.enum(description="What credentials can be sorted by.")
class CredentialOrderField(Enum):
    NUMBER = "id"
    NAME = "name"
    CREATED_AT = "created_at"


@strawberry.input(description="How to sort credentials.")
class CredentialOrder:
    field: CredentialOrderField = CredentialOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which credentials to list; every given filter applies.")
class CredentialFilter:
    credential_type: str | None = strawberry.field(
        default=None, description="ssh, snmp or api_key."
    )
    category: str | None = strawberry.field(default=None, description="Category.")
    environment: str | None = strawberry.field(default=None, description="Env.")
    status: str | None = strawberry.field(
        default=None, description="active, inactive, revoked or expired (as read)."
    )
    include_expired: bool = strawberry.field(
        default=True, description="Whether credentials past their expiry are listed."
    )
    search: str | None = strawberry.field(default=None, description="Part of the name.")

    def to_service(self) -> service.CredentialFilter:
        """The service's filter."""
        return service.CredentialFilter(
            self.credential_type,
            self.category,
            self.environment,
            status=self.status,
            include_expired=self.include_expired,
            search=self.search,
        )


@strawberry.type
class CredentialsQuery:
    @strawberry.field(
        description="Credentials (public fields only) matching the filter, sorted, "
        "one page at a time.",
        permission_classes=[HasPermission("credentials.credential.view")],
    )
    async def credentials(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CredentialFilter | None = None,
        order_by: CredentialOrder | None = None,
    ) -> Connection[Credential]:
        order = order_by or CredentialOrder()
        query = service.credential_query((filter or CredentialFilter()).to_service())
        keys = [models.Credential.id]
        if order.field is not CredentialOrderField.NUMBER:
            keys.insert(0, getattr(models.Credential, order.field.value))
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Credential.from_model
        )

    @strawberry.field(
        description="One credential (public fields only), or null when absent.",
        permission_classes=[HasPermission("credentials.credential.view")],
    )
    async def credential(self, info: Info, id: strawberry.ID) -> Credential | None:
        return await node_of(info, Credential, key_or_none(id, Credential))


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
        async with expected(*CREDENTIAL_ERRORS, via=failure, db=info.context.db) as out:
            data = service.input_from(values, **known)
            created = await service.create_credential(out.session, actor(info), data)
        return out.error or CredentialSuccess(credential=Credential.from_model(created))

    @strawberry.mutation(
        description="Seal a new secret; the old one is kept in history.",
        permission_classes=[HasPermission("credentials.credential.update")],
    )
    async def rotate_credential(
        self, info: Info, id: strawberry.ID, input: CredentialInput
    ) -> CredentialPayload:
        async with expected(*CREDENTIAL_ERRORS, via=failure, db=info.context.db) as out:
            rotated = await service.rotate_credential(
                out.session,
                actor(info),
                key_of(id, Credential, field="id"),
                input.values(),
            )
        return out.error or CredentialSuccess(credential=Credential.from_model(rotated))

    @strawberry.mutation(
        description="Delete a credential (audited).",
        permission_classes=[HasPermission("credentials.credential.delete")],
    )
    async def delete_credential(
        self, info: Info, id: strawberry.ID
    ) -> DeleteCredentialPayload:
        async with expected(CredentialNotFound, via=failure, db=info.context.db) as out:
            key = key_of(id, Credential, field="id")
            await service.delete_credential(out.session, actor(info), key)
        return out.error or CredentialDeleted(deleted_id=global_id(Credential, key))

    @strawberry.mutation(
        description="Try a credential against a target by SSH or SNMP (audited).",
        permission_classes=[HasPermission("credentials.credential.test")],
    )
    async def test_credential(
        self, info: Info, id: strawberry.ID, target: str, port: int | None = None
    ) -> TestCredentialPayload:
        limits = health.limits_from(info.context.settings)
        async with expected(
            CredentialNotFound, InvalidCredentialInput, via=failure
        ) as out:
            key = key_of(id, Credential, field="id")
            result = await service.try_credential(
                info.context.db, actor(info), key, target, port, limits
            )
        return out.error or CredentialTestResult.from_result(result)
