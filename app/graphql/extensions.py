"""Schema extensions: the introspection policy, error masking per streamed result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, get_named_type, is_introspection_type
from graphql.language import BREAK
from graphql.validation import ValidationRule
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
        refusal = _refusal(context) if isinstance(context, Context) else None
        if refusal is not None:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                refusal,
            )
        yield


class _IntrospectionRefusal(ValidationRule):
    """Refuse the first field that returns an introspection type, once.

    graphql-core's NoSchemaIntrospectionCustomRule reports every such field, so
    one introspection query answered dozens of identical errors.
    """

    message = ""
    code = ""

    def enter_field(self, node: FieldNode, *_args: Any) -> object:
        """Report the field and stop looking."""
        named = get_named_type(self.context.get_type())
        if named is None or not is_introspection_type(named):
            return None
        self.report_error(
            GraphQLError(self.message, node, extensions={"code": self.code})
        )
        return BREAK


class LogInToIntrospect(_IntrospectionRefusal):
    """Anonymous caller under the `authenticated` policy."""

    message = (
        "Log in first: introspection needs an Authorization: Bearer <token> "
        "header (log in at / or with the login mutation)"
    )
    code = "UNAUTHENTICATED"


class IntrospectionOff(_IntrospectionRefusal):
    """Nobody may introspect under the `off` policy."""

    message = (
        "Introspection is turned off on this server (OPSGRAPH_GRAPHQL_INTROSPECTION)"
    )
    code = "INTROSPECTION_DISABLED"


def _refusal(context: Context) -> type[ValidationRule] | None:
    policy = context.settings.graphql_introspection
    if policy == "off":
        return IntrospectionOff
    if policy == "authenticated" and context.principal is None:
        return LogInToIntrospect
    return None


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
