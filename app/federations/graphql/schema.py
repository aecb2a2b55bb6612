"""Queries and mutations of the federations domain."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from app.errors import DomainError, InvalidError, NotFoundError
from app.federations import models, service
from app.federations.errors import (
    FederationNameTakenError,
    NoServiceForPathError,
)
from app.federations.graphql.types import (
    DeleteFederationSuccess,
    Federation,
    FederationNameTaken,
    FederationNotFound,
    FederationSuccess,
    InvalidFederationInput,
    NoServiceForPath,
    RouteSuccess,
    invalid_input,
)
from app.federations.inputs import FederationInput, FederationPatch, RouteInput
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.graphql.types import Error, error_from

FederationPayload = Annotated[
    FederationSuccess
    | FederationNotFound
    | FederationNameTaken
    | InvalidFederationInput,
    strawberry.union("FederationPayload"),
]
DeleteFederationPayload = Annotated[
    DeleteFederationSuccess | FederationNotFound,
    strawberry.union("DeleteFederationPayload"),
]
RoutePayload = Annotated[
    RouteSuccess | FederationNotFound | NoServiceForPath | InvalidFederationInput,
    strawberry.union("RouteFederationRequestPayload"),
]
SAVE_ERRORS = (FederationNotFound, FederationNameTaken, InvalidFederationInput)


def _not_found(exc: DomainError) -> FederationNotFound:
    """The not-found member of a mutation's `id`."""
    member = error_from(FederationNotFound, exc)
    member.field = member.field or "id"
    return member


def _failure(exc: Exception) -> Error | None:
    """The member naming why saving or deleting a federation failed."""
    if isinstance(exc, ValidationError):
        return invalid_input(exc)
    if isinstance(exc, NotFoundError):
        return _not_found(exc)
    if isinstance(exc, FederationNameTakenError):
        return FederationNameTaken(message=exc.message, field="name")
    if isinstance(exc, InvalidError):
        return error_from(InvalidFederationInput, exc)
    return None


def _route_failure(exc: Exception) -> Error | None:
    """The member naming why routing a request failed."""
    if isinstance(exc, ValidationError):
        return invalid_input(exc)
    if isinstance(exc, NoServiceForPathError):
        return NoServiceForPath(message=exc.message, field="request")
    if isinstance(exc, NotFoundError):
        return _not_found(exc)
    return None


@strawberry.enum(description="What federations can be sorted by.")
class FederationOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@strawberry.input(description="How to sort federations.")
class FederationOrder:
    field: FederationOrderField = FederationOrderField.CREATED_AT
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which federations to list.")
class FederationFilter:
    org_id: uuid.UUID | None = strawberry.field(
        default=None, description="Only this organization's."
    )


@strawberry.type
class FederationsQuery:
    @strawberry.field(
        description="Federations matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("federations.federation.view")],
    )
    async def federations(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        filter: FederationFilter | None = None,
        order_by: FederationOrder | None = None,
    ) -> Connection[Federation]:  # fmt: skip
        order = order_by or FederationOrder()
        query = service.federation_query((filter or FederationFilter()).org_id)
        column = getattr(models.Federation, order.field.value)
        keys = [column, models.Federation.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Federation.from_model
        )

    @strawberry.field(
        description="One federation, or null when absent or not visible.",
        permission_classes=[HasPermission("federations.federation.view")],
    )
    async def federation(self, info: Info, id: strawberry.ID) -> Federation | None:
        return await node_of(info, Federation, key_or_none(id, Federation))


@strawberry.type
class FederationsMutation:
    @strawberry.mutation(
        description="Create a federation: {name, description, org_id, services}.",
        permission_classes=[HasPermission("federations.federation.create")],
    )
    async def create_federation(self, info: Info, input: JSON) -> FederationPayload:
        async with expected(*SAVE_ERRORS, via=_failure, db=info.context.db) as out:
            data = FederationInput.model_validate(input)
            created = await service.create_federation(
                out.session, info.context.settings, data
            )
        return out.error or FederationSuccess(federation=Federation.from_model(created))

    @strawberry.mutation(
        description="Change a federation: {name, description, services}.",
        permission_classes=[HasPermission("federations.federation.update")],
    )
    async def update_federation(
        self, info: Info, id: strawberry.ID, input: JSON
    ) -> FederationPayload:
        async with expected(*SAVE_ERRORS, via=_failure, db=info.context.db) as out:
            key = key_of(id, Federation, field="id")
            data = FederationPatch.model_validate(input)
            changed = await service.update_federation(
                out.session, info.context.settings, key, data
            )
        return out.error or FederationSuccess(federation=Federation.from_model(changed))

    @strawberry.mutation(
        description="Delete a federation.",
        permission_classes=[HasPermission("federations.federation.delete")],
    )
    async def delete_federation(
        self, info: Info, id: strawberry.ID
    ) -> DeleteFederationPayload:
        async with expected(
            FederationNotFound, via=_failure, db=info.context.db
        ) as out:
            key = key_of(id, Federation, field="id")
            await service.delete_federation(out.session, key)
        return out.error or DeleteFederationSuccess(
            deleted_id=global_id(Federation, key)
        )

    @strawberry.mutation(
        description="Route a request {path, method, headers, body} through a "
        "federation; forwarded when the service has config.upstream_url.",
        permission_classes=[HasPermission("federations.federation.route")],
    )
    async def route_federation_request(
        self, info: Info, id: strawberry.ID, request: JSON
    ) -> RoutePayload:
        async with expected(
            FederationNotFound,
            NoServiceForPath,
            InvalidFederationInput,
            via=_route_failure,
        ) as out:
            key = key_of(id, Federation, field="id")
            data = RouteInput.model_validate(request)
            routed = await service.route(
                info.context.db, info.context.settings, key, data
            )
        return out.error or RouteSuccess(route=routed)
