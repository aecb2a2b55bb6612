"""Sandboxed Jinja2: node configs see variables, trigger data and earlier outputs."""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateError

from app import sandbox

_env = sandbox.BoundedSandbox(undefined=StrictUndefined, autoescape=False)
_MARKERS = ("{{", "{%", "{#")


class TemplateFailure(Exception):
    """Raised when a template does not parse or does not render."""


def is_template(value: object) -> bool:
    """True for a string holding Jinja2 markup."""
    return isinstance(value, str) and any(m in value for m in _MARKERS)


def check_syntax(value: object) -> None:
    """Raise TemplateFailure if any string inside `value` is a malformed template."""
    for text in _strings(value):
        try:
            _env.parse(text)
        except TemplateError as exc:
            raise TemplateFailure(f"bad template {text!r}: {exc}") from exc


def check_expression(expression: str) -> None:
    """Raise TemplateFailure unless `expression` is a valid Jinja2 expression."""
    try:
        _env.compile_expression(expression)
    except TemplateError as exc:
        raise TemplateFailure(f"bad expression {expression!r}: {exc}") from exc


def render(value: Any, context: dict[str, Any]) -> Any:
    """`value` with every templated string rendered against `context`.

    A string that is exactly one `{{ expr }}` keeps the expression's type, so
    `"{{ vars.port }}"` stays an integer.
    """
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if not is_template(value):
        return value
    try:
        single = _single_expression(value)
        if single is not None:
            return _env.compile_expression(single)(**context)
        return sandbox.render(_env, value, context)
    except TemplateError as exc:
        raise TemplateFailure(f"template {value!r} failed: {exc}") from exc


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The value of a Jinja2 expression against `context`."""
    try:
        return _env.compile_expression(expression)(**context)
    except TemplateError as exc:
        raise TemplateFailure(f"expression {expression!r} failed: {exc}") from exc


def _single_expression(text: str) -> str | None:
    stripped = text.strip()
    if not (stripped.startswith("{{") and stripped.endswith("}}")):
        return None
    inner = stripped[2:-2]
    return None if any(m in inner for m in (*_MARKERS, "}}")) else inner.strip()


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if is_template(value) else []
