"""The ASGI GraphQL endpoint: HTTP, GraphiQL and both websocket protocols."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from app import auth, inputs
from app.errors import UnauthenticatedError
from app.graphql.context import Context
from app.graphql.websockets import (
    FORBIDDEN,
    UNAUTHENTICATED,
    LegacyWSHandler,
    TransportWSHandler,
    WebSocketAdapter,
    refuse,
)
from app.settings import Settings
from app.users import service as users_service


class GraphQLApp(GraphQL[Context, None]):
    """Builds a typed context per request; authenticates websockets at init."""

    websocket_adapter_class = WebSocketAdapter  # type: ignore[assignment]
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(
            max_subscriptions_per_connection=settings.graphql_max_subscriptions_per_connection,
            **kwargs,
        )
        self.settings = settings

    def decode_json(self, data: str | bytes) -> object:
        """Bad UTF-8 and deep nesting are malformed JSON (400), not a crash."""
        return inputs.loads(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | None = None
    ) -> Context:
        context = Context(request, response, request.state.sessionmaker, self.settings)
        if isinstance(request, Request):
            await _authenticate(context, request.headers.get("authorization"))
        return context

    async def on_ws_connect(self, context: Context) -> None:
        raw = (context.connection_params or {}).get("Authorization")
        header = raw if isinstance(raw, str) else None
        await _authenticate(context, header)
        if context.principal is None:
            reason = context.auth_error or "Unauthorized"
            refuse(context, UNAUTHENTICATED, reason)
            raise ConnectionRejectionError({"reason": reason})
        if context.principal.permissions <= {auth.SELF_SERVICE}:
            # A user with no role may not hold a connection open.
            refuse(context, FORBIDDEN, "Forbidden")
            raise ConnectionRejectionError({"reason": "Forbidden"})


async def _authenticate(context: Context, header: str | None) -> None:
    token = auth.bearer_token(header)
    if token is None:
        return
    try:
        context.principal = await users_service.principal_from_token(
            context.db, context.settings.signing_key, token
        )
    except UnauthenticatedError as exc:
        context.auth_error = exc.message
