"""Queries and mutations of the federations domain."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from app.db import unit_of_work
from app.errors import InvalidError
from app.federations import service
from app.federations.errors import (
    FederationNameTakenError,
    FederationNotFoundError,
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
from app.graphql.permissions import HasPermission

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


def _invalid(exc: InvalidError) -> InvalidFederationInput:
    field = exc.details.get("field")
    return InvalidFederationInput(message=exc.message, field=field and str(field))


@strawberry.type
class FederationsQuery:
    @strawberry.field(
        description="An organization's federations, paginated.",
        permission_classes=[HasPermission("federations.federation.view")],
    )
    async def federations(
        self, info: Info, org_id: uuid.UUID, limit: int = 50, offset: int = 0
    ) -> list[Federation]:
        async with info.context.db() as session:
            found = await service.list_federations(
                session, org_id, min(max(limit, 1), 1000), max(offset, 0)
            )
        return [Federation.from_model(f) for f in found]

    @strawberry.field(
        description="One federation, or null.",
        permission_classes=[HasPermission("federations.federation.view")],
    )
    async def federation(self, info: Info, id: uuid.UUID) -> Federation | None:
        async with info.context.db() as session:
            try:
                return Federation.from_model(await service.get_federation(session, id))
            except FederationNotFoundError:
                return None


@strawberry.type
class FederationsMutation:
    @strawberry.mutation(
        description="Create a federation: {name, description, org_id, services}.",
        permission_classes=[HasPermission("federations.federation.create")],
    )
    async def create_federation(self, info: Info, input: JSON) -> FederationPayload:
        try:
            data = FederationInput.model_validate(input)
            async with unit_of_work(info.context.db) as session:
                created = await service.create_federation(
                    session, info.context.settings, data
                )
        except ValidationError as exc:
            return invalid_input(exc)
        except FederationNameTakenError as exc:
            return FederationNameTaken(message=exc.message)
        except InvalidError as exc:
            return _invalid(exc)
        return FederationSuccess(federation=Federation.from_model(created))

    @strawberry.mutation(
        description="Change a federation: {name, description, services}.",
        permission_classes=[HasPermission("federations.federation.update")],
    )
    async def update_federation(
        self, info: Info, id: uuid.UUID, input: JSON
    ) -> FederationPayload:
        try:
            data = FederationPatch.model_validate(input)
            async with unit_of_work(info.context.db) as session:
                changed = await service.update_federation(
                    session, info.context.settings, id, data
                )
        except ValidationError as exc:
            return invalid_input(exc)
        except FederationNotFoundError as exc:
            return FederationNotFound(message=exc.message)
        except FederationNameTakenError as exc:
            return FederationNameTaken(message=exc.message)
        except InvalidError as exc:
            return _invalid(exc)
        return FederationSuccess(federation=Federation.from_model(changed))

    @strawberry.mutation(
        description="Delete a federation.",
        permission_classes=[HasPermission("federations.federation.delete")],
    )
    async def delete_federation(
        self, info: Info, id: uuid.UUID
    ) -> DeleteFederationPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_federation(session, id)
        except FederationNotFoundError as exc:
            return FederationNotFound(message=exc.message)
        return DeleteFederationSuccess(id=id)

    @strawberry.mutation(
        description="Route a request {path, method, headers, body} through a "
        "federation; forwarded when the service has config.upstream_url.",
        permission_classes=[HasPermission("federations.federation.route")],
    )
    async def route_federation_request(
        self, info: Info, id: uuid.UUID, request: JSON
    ) -> RoutePayload:
        try:
            data = RouteInput.model_validate(request)
            routed = await service.route(
                info.context.db, info.context.settings, id, data
            )
        except ValidationError as exc:
            return invalid_input(exc)
        except FederationNotFoundError as exc:
            return FederationNotFound(message=exc.message)
        except NoServiceForPathError as exc:
            return NoServiceForPath(message=exc.message)
        return RouteSuccess(route=routed)
