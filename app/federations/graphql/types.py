"""GraphQL types of the federations domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from app.federations import models, service
from app.graphql.nodes import Entity
from app.graphql.types import Error


@strawberry.type(description="A named set of services, each owning a base path.")
class Federation(Entity):
    model = models.Federation
    permission = "federations.federation.view"
    key_field = "uuid"

    uuid: str = strawberry.field(description="Federation id, as REST uses.")
    name: str = strawberry.field(description="Name, unique in its organization.")
    description: str | None = strawberry.field(description="Description.")
    org_id: UUID = strawberry.field(description="Organization.")
    services: JSON = strawberry.field(
        description="Services: name, workspace_id, base_path, reality_level, "
        "config, dependencies."
    )
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @classmethod
    def parse_key(cls, raw: str) -> Any | None:
        try:
            return UUID(raw) if len(raw) <= 64 else None
        except ValueError:
            return None

    @classmethod
    def from_model(cls, f: models.Federation) -> Federation:
        return cls(
            uuid=str(f.id),
            name=f.name,
            description=f.description,
            org_id=f.org_id,
            services=service.public_services(f),
            created_at=f.created_at,
            updated_at=f.updated_at,
        )


@strawberry.type(description="No federation has this id.")
class FederationNotFound(Error):
    pass


@strawberry.type(description="The organization already has a federation of that name.")
class FederationNameTaken(Error):
    pass


@strawberry.type(description="No service of the federation handles the path.")
class NoServiceForPath(Error):
    pass


@strawberry.type(description="The input breaks a federation rule.")
class InvalidFederationInput(Error):
    pass


@strawberry.type(description="The federation as stored.")
class FederationSuccess:
    federation: Federation = strawberry.field(description="The federation.")


@strawberry.type(description="The federation was deleted.")
class DeleteFederationSuccess:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted federation."
    )


@strawberry.type(description="Where the request goes, and the upstream's answer.")
class RouteSuccess:
    route: JSON = strawberry.field(
        description="workspace_id, service, service_path and, when the service "
        "has config.upstream_url, the forwarded request's response."
    )


def invalid_input(exc: ValidationError) -> InvalidFederationInput:
    """The first problem of a pydantic validation error."""
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"])
    return InvalidFederationInput(message=f"{field}: {first['msg']}", field=field)
