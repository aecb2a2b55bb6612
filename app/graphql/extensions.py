"""Schema extensions: the introspection policy, error masking per streamed result."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, SchemaExtension

from app.errors import DomainError
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


_MASKED_PARTS = ("errors", "incremental", "completed")


class StreamMaskErrors(MaskErrors):
    """MaskErrors, minus its per-result work on results that carry no errors.

    Strawberry checks every streamed result against a runtime Protocol, which on
    Python 3.11 costs more than rendering a shared subscription event; a result
    without errors (or incremental parts) has nothing to mask. An expected
    failure keeps its message and gains `extensions.code` (and `field` when it
    names an input field), as mutation payloads' Error members carry them.
    """

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        for error in errors:
            original = error.original_error
            if isinstance(original, DomainError):
                named = original.details.get("field") or original.details.get(
                    "argument"
                )
                extra = {"field": str(named)} if named else {}
                error.extensions = {
                    **(error.extensions or {}),
                    "code": original.code,
                    **extra,
                }
        return super()._process_errors(errors)

    def on_stream_result(self, result: object) -> Iterator[None]:
        if not any(getattr(result, name, None) for name in _MASKED_PARTS):
            yield None
            return
        yield from super().on_stream_result(result)  # type: ignore[arg-type]
