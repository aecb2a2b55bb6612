"""Which GraphQL errors are shown as they are and which are masked, and how
each is logged: a crash with its traceback, a caller's mistake in one line."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError

from app.errors import DomainError

log = logging.getLogger("app.graphql")


def is_internal(error: GraphQLError) -> bool:
    """True for crashes, which are shown as 'Unexpected error.'."""
    original = error.original_error
    if original is None or isinstance(original, DomainError | StrawberryGraphQLError):
        return False
    if isinstance(original, GraphQLError):
        return is_internal(original)
    return True


def log_errors(errors: list[GraphQLError]) -> None:
    """Log a crash with its traceback, anything else (unauthenticated,
    forbidden, invalid input, rate limited) as one warning line."""
    for error in errors:
        if is_internal(error):
            log.error(
                "unexpected error in GraphQL resolver", exc_info=error.original_error
            )
            continue
        code = (error.extensions or {}).get("code", "GRAPHQL_ERROR")
        path = ".".join(str(p) for p in error.path or ())
        log.warning("GraphQL %s at %s: %r", code, path or "-", error.message)
