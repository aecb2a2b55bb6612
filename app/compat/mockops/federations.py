"""MockOps Federation API (`specs/mockops.md`, "Federation API")."""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.mockops import shapes, surface
from app.db import unit_of_work
from app.federations import service
from app.federations.errors import FederationNotFoundError
from app.federations.inputs import FederationInput, FederationPatch, RouteInput


class FederationFilters(shapes.Page):
    org_id: uuid.UUID


def _federation_id(call: Call) -> uuid.UUID:
    return shapes.path_uuid(call, "federation_id", FederationNotFoundError())


@surface.route("GET", "/federation", permission="federations.federation.view")
async def list_federations(call: Call) -> Response:
    """An organisation's federations (`org_id` is required), paginated."""
    f = shapes.query(call, FederationFilters)
    async with call.db() as session:
        found = await service.list_federations(session, f.org_id, f.limit, f.offset)
    return JSONResponse([shapes.federation(x) for x in found])


@surface.route("POST", "/federation", permission="federations.federation.create")
async def create_federation(call: Call) -> Response:
    """Create a federation."""
    data = await shapes.body(call, FederationInput)
    async with unit_of_work(call.db) as session:
        created = await service.create_federation(session, call.settings, data)
    return JSONResponse(shapes.federation(created))


@surface.route(
    "GET", "/federation/{federation_id}", permission="federations.federation.view"
)
async def get_federation(call: Call) -> Response:
    """One federation."""
    async with call.db() as session:
        found = await service.get_federation(session, _federation_id(call))
    return JSONResponse(shapes.federation(found))


@surface.route(
    "PATCH", "/federation/{federation_id}", permission="federations.federation.update"
)
async def update_federation(call: Call) -> Response:
    """Change a federation's name, description or services."""
    federation_id = _federation_id(call)
    data = await shapes.body(call, FederationPatch)
    async with unit_of_work(call.db) as session:
        changed = await service.update_federation(
            session, call.settings, federation_id, data
        )
    return JSONResponse(shapes.federation(changed))


@surface.route(
    "DELETE", "/federation/{federation_id}", permission="federations.federation.delete"
)
async def delete_federation(call: Call) -> Response:
    """Delete a federation."""
    federation_id = _federation_id(call)
    async with unit_of_work(call.db) as session:
        await service.delete_federation(session, federation_id)
    return Response(status_code=204)


@surface.route(
    "POST",
    "/federation/{federation_id}/route",
    permission="federations.federation.route",
)
async def route_request(call: Call) -> Response:
    """Resolve (and forward, when the service has an upstream) one request."""
    federation_id = _federation_id(call)
    data = await shapes.body(call, RouteInput)
    routed = await service.route(call.db, call.settings, federation_id, data)
    return JSONResponse(routed)
