"""create_app(): the Starlette application with every face mounted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import events, jobs, web
from app.compat import openapi, registry
from app.compat.base import Failure, client_error
from app.compat.birun.terminal import terminal_endpoint
from app.credentials import vault
from app.db import make_engine, make_sessionmaker, unit_of_work
from app.db import warm_pool as open_pool
from app.graphql.schema import build_schema
from app.graphql.view import GraphQLApp
from app.logs import capture as logs_capture
from app.logs import redaction
from app.middleware import BodyLimitMiddleware, OriginMiddleware, RequestIdMiddleware
from app.ratelimit import RateLimiter
from app.runtime_settings import service as settings_service
from app.settings import Settings
from app.system import service as system_service
from app.users import service as users_service

log = logging.getLogger("app")

# Started beside the API in embedded mode (the CLI injects the in-process worker).
BackgroundRunner = Callable[[Settings], AbstractAsyncContextManager[object]]


NO_USER_HINT = (
    "no user exists yet, so nobody can log in: create the first admin with "
    "`opsgraph users create --username %s --role admin` "
    "(or start once with OPSGRAPH_ADMIN_PASSWORD set)"
)


def create_app(
    settings: Settings,
    *,
    background: BackgroundRunner | None = None,
    warm_pool: bool = False,
) -> Starlette:
    """The ASGI app for `settings`; raises RouteCollisionError on clashing prefixes.

    `warm_pool`: open the database pool's connections at start (`opsgraph serve`).
    """
    compat_routes, mounted = registry.mount(settings)
    graphql = GraphQLApp(settings, schema=build_schema(settings))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        events.configure(settings)
        vault.configure(settings)
        redaction.install()
        settings_service.configure(settings)
        if background is None:
            jobs.make_broker(settings)
        engine = make_engine(settings.sqlalchemy_url, **settings.pool_options)
        sessionmaker = make_sessionmaker(engine)
        async with unit_of_work(sessionmaker) as session:
            created = await users_service.bootstrap_admin(
                session,
                settings.admin_username,
                settings.admin_password.get_secret_value()
                if settings.admin_password
                else None,
            )
            nobody = not created and await users_service.count_users(session) == 0
        if nobody:
            log.warning(NO_USER_HINT, settings.admin_username)
        if created:
            log.info(
                "created admin user %r from OPSGRAPH_ADMIN_PASSWORD",
                settings.admin_username,
            )
        if warm_pool:
            await open_pool(engine)
        runner = background(settings) if background else nullcontext()
        watching = graphql.connections.watching(sessionmaker)
        async with logs_capture.capturing(settings), runner, watching:
            try:
                yield {"sessionmaker": sessionmaker, "engine": engine}
            finally:
                await events.close_bus()
                await app.state.limiter.close()
                await engine.dispose()

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        surface = registry.surface_for(request.url.path, mounted)
        message = "Not found" if status == 404 else "Method not allowed"
        code = "NOT_FOUND" if status == 404 else "METHOD_NOT_ALLOWED"
        failure = Failure(status, code, message, path=request.url.path)
        client_error(request, failure)
        if surface is None:
            return JSONResponse({"detail": message}, status)
        return surface.error_response(failure)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        WebSocketRoute("/ws/terminal/{server_id}", terminal_endpoint),
        *openapi.routes(settings),
        *web.routes(),
        *compat_routes,
    ]
    app = Starlette(
        routes=routes,
        middleware=_middleware(settings),
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings)
    app.state.in_process_worker = background is not None
    return app


def _middleware(settings: Settings) -> list[Middleware]:
    """Proxy headers first (when proxies are trusted), request ids, browser
    origins, body limits."""
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    found = [
        Middleware(RequestIdMiddleware),
        Middleware(OriginMiddleware, origins=settings.allowed_origins),
        Middleware(
            BodyLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            timeout=settings.body_read_timeout_seconds,
        ),
    ]
    if proxies:
        found.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    return found


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database (and Redis, when configured) answer; 503 otherwise."""
    settings: Settings = request.app.state.settings
    checks = [await system_service.check_database(request.state.sessionmaker)]
    if settings.distributed:
        checks.append(await system_service.check_event_bus())
    ready = all(c.ok for c in checks)
    body = {
        "status": "ready" if ready else "unavailable",
        "mode": settings.mode,
        "checks": {
            c.name: {
                "ok": c.ok,
                "detail": c.detail,
                "response_time_ms": c.response_time_ms,
            }
            for c in checks
        },
    }
    return JSONResponse(body, 200 if ready else 503)
