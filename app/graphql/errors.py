"""Which GraphQL errors are shown as they are and which are masked, and how
each is logged: a crash with its traceback, a caller's mistake in one line."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.types import ExecutionContext

from app.errors import DomainError
from app.middleware import request_id

log = logging.getLogger("app.graphql")


def is_internal(error: GraphQLError) -> bool:
    """True for crashes, which are logged and shown as 'Unexpected error.'."""
    if not _crashed(error):
        return False
    original = error.original_error
    while isinstance(original, GraphQLError):
        original = original.original_error
    log.error("unexpected error in GraphQL resolver", exc_info=original)
    return True


def log_client_error(error: GraphQLError) -> None:
    """A caller's mistake (bad query, denied, invalid): one warning line."""
    original = error.original_error
    code = (error.extensions or {}).get("code") or (
        original.code if isinstance(original, DomainError) else "GRAPHQL_ERROR"
    )
    log.warning(
        "GraphQL %s -> %s: %s (request %s)",
        ".".join(str(p) for p in error.path or []) or "operation",
        code,
        error.message,
        request_id.get(),
    )


class Schema(strawberry.Schema):
    """strawberry's schema, logging client errors as one line instead of a
    traceback each; crashes are logged with theirs by `is_internal`."""

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        for error in errors:
            if not _crashed(error):
                log_client_error(error)


def _crashed(error: GraphQLError) -> bool:
    """The same test as `is_internal`, without logging."""
    original = error.original_error
    if original is None or isinstance(original, DomainError | StrawberryGraphQLError):
        return False
    return not isinstance(original, GraphQLError) or _crashed(original)
