"""What every REST surface shares: routing, auth, body parsing, error mapping."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import auth, inputs
from app.db import Sessionmaker
from app.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RequestTimeoutError,
    UnauthenticatedError,
    UnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
    found_or_raise,
)
from app.ratelimit import Budget, Quota, TooManyRequestsError
from app.settings import Settings
from app.users import service as users_service

log = logging.getLogger("app.compat")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Failure:
    """A failure about to be rendered in a surface's error shape."""

    status: int
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    # The request path, for surfaces whose documented codes depend on the resource.
    path: str = ""

    def details_with_reason(self, code: str) -> dict[str, Any]:
        """`details`, plus the precise code as `reason` when the documented
        `code` the body carries differs from it."""
        details = dict(self.details)
        if self.code != code:
            details["reason"] = self.code
        return details


ErrorRenderer = Callable[[Failure], dict[str, Any]]


@dataclass
class Call:
    """One REST request as a handler sees it."""

    request: Request
    db: Sessionmaker
    settings: Settings
    principal: auth.Principal | None

    def user(self) -> auth.Principal:
        """The authenticated caller (routes with a permission always have one)."""
        if self.principal is None:
            raise UnauthenticatedError("Authentication required")
        return self.principal

    @property
    def client(self) -> str | None:
        """The caller's address, for audit records."""
        return self.request.client.host if self.request.client else None

    def path_int(self, name: str, missing: NotFoundError | None = None) -> int:
        """A path parameter that must be a positive integer id; anything else
        raises `missing` (by default a NotFoundError naming the value)."""
        raw = str(self.request.path_params[name])
        unknown = missing or NotFoundError(f"No object with id '{raw[:64]}'")
        return found_or_raise(inputs.parse_id(raw), unknown)

    async def json(self) -> Any:
        """The parsed JSON body; a malformed one, or one not sent as JSON, is a
        validation error."""
        raw = await self.request.body()
        if not raw.strip():
            return {}
        require_json(self.request.headers.get("content-type"))
        try:
            return inputs.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidError(
                "Request body is not valid JSON",
                details={"position": exc.pos, "problem": exc.msg},
            ) from exc

    async def body(self, model: type[M]) -> M:
        """The JSON body validated against `model`."""
        return validated(model, await self.json())


_JSON_SUFFIX = re.compile(r"application/[\w.+-]+\+json")


def require_json(content_type: str | None) -> None:
    """Refuse a body whose declared media type is not JSON (a form post, plain
    text or none at all) instead of guessing that it is."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or _JSON_SUFFIX.fullmatch(media):
        return
    shown = f"'{media[:64]}'" if media else "none"
    raise InvalidError(
        f"Content-Type must be application/json (got {shown})",
        code="UNSUPPORTED_MEDIA_TYPE",
        details={"content_type": media[:64]},
    )


def validated(model: type[M], data: Any) -> M:
    """`data` validated against `model`, its integers within what columns hold."""
    try:
        found = model.model_validate(data)
    except ValidationError as exc:
        raise invalid_from_pydantic(exc) from exc
    field = inputs.out_of_range(found)
    if field is not None:
        raise InvalidError(
            f"{field}: must be between {inputs.MIN_INT} and {inputs.MAX_INT}",
            details={"errors": [{"field": field, "message": "out of range"}]},
        )
    return found


def invalid_from_pydantic(exc: ValidationError) -> InvalidError:
    """A validation error naming the first bad field, listing all of them."""
    problems = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    first = problems[0]
    where = f"{first['field']}: " if first["field"] else ""
    return InvalidError(f"{where}{first['message']}", details={"errors": problems})


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class CompatRoute:
    """One documented endpoint: method, path below the prefix, permission."""

    method: str
    path: str
    handler: Handler
    permission: str | None
    rate: Budget = "default"


@dataclass
class Surface:
    """One legacy API: its routes and how it renders errors."""

    name: str
    render_error: ErrorRenderer
    invalid_status: int = 400
    routes: list[CompatRoute] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        permission: str | None,
        rate: Budget = "default",
    ) -> Callable[[Handler], Handler]:
        """Register a handler; `permission=None` marks an anonymous route.

        `rate="auth"` puts the route on the per-client authentication budget.
        """

        if permission is not None:
            auth.checked_permission(permission)

        def register(handler: Handler) -> Handler:
            self.routes.append(CompatRoute(method, path, handler, permission, rate))
            return handler

        return register

    def error_response(
        self, failure: Failure, headers: dict[str, str] | None = None
    ) -> JSONResponse:
        """`failure` in this surface's error shape."""
        return JSONResponse(self.render_error(failure), failure.status, headers=headers)

    def failure_for(self, exc: DomainError, path: str = "") -> Failure:
        """Map a domain error (raised serving `path`) to a status and code."""
        status = _status_for(exc, self.invalid_status)
        return Failure(status, exc.code, exc.message, dict(exc.details), path)

    def starlette_routes(self, prefix: str) -> list[Route]:
        """The routes mounted at `prefix`, each wrapped with auth and error mapping."""
        mounted = []
        for r in self.routes:
            endpoint = self._endpoint(r)
            full = prefix + r.path
            # Legacy clients call both `/servers` and `/servers/`: answer both
            # instead of redirecting, which drops bodies in many HTTP clients.
            paths = {full, full.rstrip("/")} - {""}
            mounted.extend(
                Route(
                    p, endpoint, methods=[r.method], name=f"{self.name}:{r.method}:{p}"
                )
                for p in paths
            )
        return mounted

    def _endpoint(self, route: CompatRoute) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await _serve(route, request)
            except TooManyRequestsError as exc:
                failure = self.failure_for(exc, request.url.path)
                client_error(request, failure)
                return self.error_response(failure, headers=exc.quota.headers())
            except DomainError as exc:
                failure = self.failure_for(exc, request.url.path)
                client_error(request, failure)
                return self.error_response(failure)
            except Exception:
                log.exception(
                    "unexpected error on %s %s (request %s)",
                    request.method,
                    request.url.path,
                    request.scope.get("request_id"),
                )
                crash = Failure(
                    500,
                    "INTERNAL_ERROR",
                    "Internal server error",
                    path=request.url.path,
                )
                return self.error_response(crash)

        endpoint.__name__ = route.handler.__name__
        endpoint.required_permission = route.permission  # type: ignore[attr-defined]
        return endpoint


def client_error(request: Request, failure: Failure) -> None:
    """A caller's mistake: one warning line, no traceback."""
    log.warning(
        "%s %s -> %d %s (request %s)",
        request.method,
        request.url.path,
        failure.status,
        failure.code,
        request.scope.get("request_id"),
    )


async def _serve(route: CompatRoute, request: Request) -> Response:
    """Rate-limit, authenticate and authorize, then run the handler."""
    client = request.client.host if request.client else "unknown"
    quota: Quota | None = None
    if route.rate == "auth":
        quota = await request.app.state.limiter.hit("auth", client)
    principal = await _principal(request, route.permission)
    if quota is None:
        key = f"user:{principal.user_id}" if principal else f"client:{client}"
        quota = await request.app.state.limiter.hit("default", key)
    _refuse_nul(request)
    call = Call(
        request, request.state.sessionmaker, request.app.state.settings, principal
    )
    response = await route.handler(call)
    response.headers.update(quota.headers())
    return response


def _refuse_nul(request: Request) -> None:
    """A NUL character fits no text column (PostgreSQL refuses it in any
    string): a query parameter holding one is the caller's mistake."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            field = name.replace("\x00", "")[:64]
            raise InvalidError(
                f"{field}: NUL characters are not allowed",
                details={"errors": [{"field": field, "message": "NUL character"}]},
            )


_STATUS = (
    (UnauthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PayloadTooLargeError, 413),
    (RequestTimeoutError, 408),
    (RateLimitedError, 429),
    (UpstreamTimeoutError, 504),
    (UpstreamError, 502),
    (UnavailableError, 503),
)


def _status_for(exc: DomainError, invalid_status: int) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return invalid_status if isinstance(exc, InvalidError) else 400


async def _principal(request: Request, permission: str | None) -> auth.Principal | None:
    token = auth.bearer_token(request.headers.get("authorization"))
    if token is None:
        if permission is not None:
            raise UnauthenticatedError("Authentication required")
        return None
    settings: Settings = request.app.state.settings
    try:
        principal = await users_service.principal_from_token(
            request.state.sessionmaker, settings.signing_key, token
        )
    except UnauthenticatedError:
        if permission is None:
            return None  # a stale token must not block login or other open routes
        raise
    if permission is not None and not principal.can(permission):
        raise ForbiddenError(f"Permission '{permission}' required")
    return principal


_PARAM = re.compile(r"\{[^}]+\}")


def route_shape(path: str) -> str:
    """A path with its parameter names erased: `/a/{id}` and `/a/{x}` collide."""
    return _PARAM.sub("{}", path.rstrip("/") or "/")
