"""Which GraphQL errors are shown as they are and which are masked."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError

from app.errors import DomainError

log = logging.getLogger("app.graphql")


def is_internal(error: GraphQLError) -> bool:
    """True for crashes, which are logged and shown as 'Unexpected error.'."""
    original = error.original_error
    if original is None or isinstance(original, DomainError | StrawberryGraphQLError):
        return False
    if isinstance(original, GraphQLError):
        return is_internal(original)
    log.error("unexpected error in GraphQL resolver", exc_info=original)
    return True
