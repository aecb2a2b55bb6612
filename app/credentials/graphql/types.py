"""GraphQL types of the vault; no type has a field that holds a secret."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.credentials import expiry, models
from app.credentials.probe import ProbeResult
from app.graphql.nodes import Entity
from app.graphql.types import Error


@strawberry.type(description="A stored credential's public fields; never its secret.")
class Credential(Entity):
    table = models.Credential
    permission = "credentials.credential.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique name.")
    credential_type: str = strawberry.field(description="ssh, snmp or api_key.")
    category: str = strawberry.field(description="Free grouping, e.g. network.")
    environment: str = strawberry.field(description="e.g. production.")
    status: str = strawberry.field(description="active, inactive, revoked, expired.")
    description: str = strawberry.field(description="Notes.")
    username: str | None = strawberry.field(description="Login name (ssh).")
    port: int | None = strawberry.field(description="Default port.")
    attributes: JSON = strawberry.field(
        description="Non-secret settings: snmp_version, security_name, auth_type..."
    )
    version: int = strawberry.field(description="Bumped by every rotation.")
    expires_at: datetime | None = strawberry.field(description="Expiry, if any.")
    last_rotated_at: datetime | None = strawberry.field(description="Last rotation.")
    created_at: datetime = strawberry.field(description="Creation time.")

    @classmethod
    def from_model(cls, c: models.Credential) -> Credential:
        return cls(
            number=c.id,
            name=c.name,
            credential_type=c.credential_type,
            category=c.category,
            environment=c.environment,
            status=expiry.status_of(c),
            description=c.description,
            username=c.username,
            port=c.port,
            attributes=dict(c.attributes),
            version=c.version,
            expires_at=c.expires_at,
            last_rotated_at=c.last_rotated_at,
            created_at=c.created_at,
        )


@strawberry.type(description="What happened when a credential was tried.")
class CredentialTestResult:
    success: bool = strawberry.field(description="Whether login or GET worked.")
    protocol: str = strawberry.field(description="ssh or snmp.")
    target: str = strawberry.field(description="The address tried.")
    port: int = strawberry.field(description="The port tried.")
    error_code: str | None = strawberry.field(description="Why it failed.")
    message: str = strawberry.field(description="What happened, for a person.")
    duration_ms: float = strawberry.field(description="How long it took.")

    @classmethod
    def from_result(cls, r: ProbeResult) -> CredentialTestResult:
        return cls(
            success=r.success,
            protocol=r.protocol,
            target=r.target,
            port=r.port,
            error_code=r.code,
            message=r.message,
            duration_ms=r.duration_ms,
        )


@strawberry.type(description="The mutation changed or created a credential.")
class CredentialSuccess:
    credential: Credential = strawberry.field(description="The credential.")


@strawberry.type(description="No credential has this id.")
class CredentialNotFound(Error):
    pass


@strawberry.type(description="Another credential already has this name.")
class CredentialNameTaken(Error):
    pass


@strawberry.type(description="The credential's fields break a rule.")
class InvalidCredentialInput(Error):
    pass


@strawberry.type(description="The credential was deleted.")
class CredentialDeleted:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted credential."
    )
