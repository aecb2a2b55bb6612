"""The ASGI GraphQL endpoint: HTTP, GraphiQL and both websocket protocols."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData

from app import inputs, web
from app.graphql.connections import Connections, authenticate, refusal
from app.graphql.context import Context
from app.graphql.websockets import (
    LegacyWSHandler,
    TransportWSHandler,
    WebSocketAdapter,
    refuse,
)
from app.settings import Settings

log = logging.getLogger("app.graphql")


SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions run over a websocket (graphql-transport-ws or graphql-ws at "
    "/graphql) or multipart HTTP (Accept: multipart/mixed;subscriptionSpec=1.0), "
    "not as a plain HTTP request"
)


def _is_subscription(request_data: GraphQLRequestData, max_tokens: int) -> bool:
    """True when the operation to run is a subscription (parsed only when the
    text names one, within the token limit; unparsable or oversized text is left
    to the normal error path and its limiter)."""
    query = request_data.query
    if not query or "subscription" not in query:
        return False
    try:
        document = parse(query, max_tokens=max_tokens)
        operation = get_operation_ast(document, request_data.operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION


class GraphQLApp(GraphQL[Context, None]):
    """Builds a typed context per request; authenticates websockets at init."""

    websocket_adapter_class = WebSocketAdapter  # type: ignore[assignment]
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(
            max_subscriptions_per_connection=settings.graphql_max_subscriptions_per_connection,
            connection_init_wait_timeout=timedelta(
                seconds=settings.graphql_connection_init_timeout_seconds
            ),
            allowed_origins=sorted(settings.allowed_origins),
            **kwargs,
        )
        self.settings = settings
        self.connections = Connections(settings.graphql_max_connections_per_user)

    def decode_json(self, data: str | bytes) -> object:
        """Bad UTF-8 and deep nesting are malformed JSON (400), not a crash."""
        return inputs.loads(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse a subscription sent as a plain HTTP request (400).

        Strawberry would run it as a query, where its stream resolves to null
        and the caller gets "Unexpected error." (and the log a traceback).
        """
        request_data = kwargs["request_data"]
        if _is_subscription(request_data, self.settings.graphql_max_tokens):
            log.warning("GraphQL subscription over plain HTTP refused")
            raise HTTPException(400, SUBSCRIPTION_OVER_HTTP)
        return await super().execute_single(*args, **kwargs)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the package's own build, never Strawberry's CDN page."""
        return web.page(request, "graphiql.html")

    async def get_context(
        self, request: Request | WebSocket, response: Response | None = None
    ) -> Context:
        context = Context(request, response, request.state.sessionmaker, self.settings)
        if isinstance(request, Request):
            await authenticate(context, request.headers.get("authorization"))
        return context

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """The response, or a short error in place of one above the size limit."""
        response = super().create_response(response_data, sub_response)
        limit = self.settings.graphql_max_response_bytes
        if len(response.body) <= limit:
            return response
        log.warning("GraphQL response of %d bytes refused", len(response.body))
        message = (
            f"Response too large: more than {limit} bytes; "
            "ask for fewer items or fewer fields"
        )
        error = {"message": message, "extensions": {"code": "RESPONSE_TOO_LARGE"}}
        return super().create_response({"data": None, "errors": [error]}, sub_response)

    async def on_ws_connect(self, context: Context) -> None:
        raw = (context.connection_params or {}).get("Authorization")
        await authenticate(context, raw if isinstance(raw, str) else None)
        refused = refusal(context)
        if refused is not None:
            refuse(context, *refused)
            raise ConnectionRejectionError({"reason": refused[1]})
