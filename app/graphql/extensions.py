"""Schema extensions: the introspection policy."""

from __future__ import annotations

from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from app.graphql.context import Context


class IntrospectionPolicy(SchemaExtension):
    """Refuse `__schema`/`__type` unless the setting allows this caller.

    The depth limiter skips introspection subtrees, so anonymous callers must not
    be able to send arbitrarily deep introspection queries.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and not _allowed(context):
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield


def _allowed(context: Context) -> bool:
    policy = context.settings.graphql_introspection
    if policy == "all":
        return True
    return policy == "authenticated" and context.principal is not None
