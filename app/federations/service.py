"""Federations: CRUD with the service rules, and request routing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import outbound, secrets
from app.db import Sessionmaker, utcnow
from app.errors import found_or_raise
from app.federations import proxy, repository, routing
from app.federations.errors import (
    FederationNameTakenError,
    FederationNotFoundError,
    InvalidServicesError,
    NoServiceForPathError,
)
from app.federations.inputs import (
    FederationInput,
    FederationPatch,
    RouteInput,
    Service,
)
from app.federations.models import Federation
from app.settings import Settings

PUBLIC_SERVICE_FIELDS = ("name", "workspace_id", "base_path", "reality_level")
SECRETS = "federation.services"  # its secret fields: app/secrets.py


def public_services(federation: Federation) -> list[dict[str, Any]]:
    """The federation's services with their secrets (upstream userinfo) masked."""
    shown: list[dict[str, Any]] = secrets.masked(SECRETS, federation.services)
    return shown


def _restored(services: list[Service], stored: list[dict[str, Any]]) -> list[Service]:
    """`services` with echoed masks replaced by the stored secrets."""
    given = [s.model_dump(mode="json") for s in services]
    kept = secrets.keep_unchanged(SECRETS, given, stored)
    return [Service.model_validate(s) for s in kept]


def _policy(settings: Settings) -> outbound.Policy:
    return outbound.Policy(allow_loopback=settings.allow_loopback_urls)


def _bad(field: str, message: str) -> InvalidServicesError:
    return InvalidServicesError(f"{field}: {message}", details={"field": field})


def _acyclic(services: list[Service]) -> None:
    needs = {s.name: s.dependencies for s in services}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise _bad("services", f"dependency cycle {cycle}")
        if name in done:
            return
        for dep in needs[name]:
            visit(dep, (*path, name))
        done.add(name)

    for name in needs:
        visit(name, ())


def checked_services(
    settings: Settings, services: list[Service]
) -> list[dict[str, Any]]:
    """The service list as stored, after the federation rules."""
    names: set[str] = set()
    paths: set[str] = set()
    for i, service in enumerate(services):
        where = f"services.{i}"
        if service.name in names:
            raise _bad(f"{where}.name", f"duplicate service name '{service.name}'")
        base = service.base_path.rstrip("/") or "/"
        if base in paths:
            raise _bad(f"{where}.base_path", f"base path {base} is already used")
        names.add(service.name)
        paths.add(base)
        upstream = service.config.get("upstream_url")
        if upstream is not None:
            if not isinstance(upstream, str):
                raise _bad(f"{where}.config.upstream_url", "must be a URL string")
            _policy(settings).check_url(upstream)
    for i, service in enumerate(services):
        for dep in service.dependencies:
            if dep not in names or dep == service.name:
                raise _bad(f"services.{i}.dependencies", f"unknown service '{dep}'")
    _acyclic(services)
    sealed: list[dict[str, Any]] = secrets.seal(
        SECRETS, [s.model_dump(mode="json") for s in services]
    )
    return sealed


async def list_federations(
    session: AsyncSession, org_id: uuid.UUID, limit: int = 50, offset: int = 0
) -> Sequence[Federation]:
    """An organisation's federations, one page."""
    return await repository.federations(session, org_id, limit, offset)


def federation_query(org_id: uuid.UUID | None = None) -> Select[tuple[Federation]]:
    """The federations of `org_id` (or of every organisation), unordered."""
    return repository.federation_query(org_id)


async def get_federation(session: AsyncSession, federation_id: uuid.UUID) -> Federation:
    """The federation `federation_id`; raise FederationNotFoundError otherwise."""
    return found_or_raise(
        await session.get(Federation, federation_id), FederationNotFoundError()
    )


async def create_federation(
    session: AsyncSession, settings: Settings, data: FederationInput
) -> Federation:
    """Create a federation whose name is free in its organisation."""
    services = checked_services(settings, data.services)
    if await repository.name_used(session, data.org_id, data.name, None):
        raise FederationNameTakenError(data.name)
    federation = Federation(
        name=data.name,
        description=data.description,
        org_id=data.org_id,
        services=services,
    )
    session.add(federation)
    await session.flush()
    return federation


async def update_federation(
    session: AsyncSession,
    settings: Settings,
    federation_id: uuid.UUID,
    data: FederationPatch,
) -> Federation:
    """Change name, description or the whole service list."""
    federation = await get_federation(session, federation_id)
    if data.name is not None and data.name != federation.name:
        if await repository.name_used(
            session, federation.org_id, data.name, federation.id
        ):
            raise FederationNameTakenError(data.name)
        federation.name = data.name
    if "description" in data.model_fields_set:
        federation.description = data.description
    if data.services is not None:
        federation.services = checked_services(
            settings, _restored(data.services, federation.services)
        )
    federation.updated_at = utcnow()
    await session.flush()
    return federation


async def delete_federation(session: AsyncSession, federation_id: uuid.UUID) -> None:
    """Delete a federation."""
    await session.delete(await get_federation(session, federation_id))
    await session.flush()


async def route(
    db: Sessionmaker, settings: Settings, federation_id: uuid.UUID, data: RouteInput
) -> dict[str, Any]:
    """Which service owns `data.path`; forwarded there when it has an upstream."""
    async with db() as session:
        federation = await get_federation(session, federation_id)
    found = routing.resolve(federation.services, data.path)
    if found is None:
        raise NoServiceForPathError(data.path)
    service, service_path = found
    result: dict[str, Any] = {
        "workspace_id": service["workspace_id"],
        "service": {k: service[k] for k in PUBLIC_SERVICE_FIELDS},
        "service_path": service_path,
    }
    upstream = secrets.open_value(SECRETS, service["config"].get("upstream_url") or "")
    if upstream:
        seconds = float(
            service["config"].get("timeout_seconds")
            or settings.federation_route_timeout_seconds
        )
        result["response"] = await proxy.forward(
            _policy(settings),
            upstream,
            service_path,
            data.method,
            dict(data.headers),
            data.body,
            seconds,
        )
    return result
