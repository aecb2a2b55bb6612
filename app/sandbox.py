"""Jinja2's sandbox with bounded sizes: templates written by users cannot make
the server build huge strings, at save time or at render time.

- No constant folding: `{{ 'x' * 20000000 }}` is not evaluated when a template
  is compiled (jinja2's optimizer would fold it into the compiled code).
- `*`, `**` and `+` are checked before they run, `center`/`indent` widths and
  string methods' integer arguments are capped, and `render` stops once the
  output passes MAX_OUTPUT characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from typing import Any

from jinja2.filters import do_center, do_indent
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT = 1_000_000  # characters one render (or one value) may produce
MAX_EXPONENT = 256


class TooLargeError(SecurityError):
    """Raised when a template would produce more than the sandbox allows."""


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, without folding and with size limits."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(optimized=False, **options)
        self.filters["center"] = _capped(do_center)
        self.filters["indent"] = _capped(do_indent)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and right > MAX_EXPONENT:
            raise TooLargeError(f"exponent over {MAX_EXPONENT}")
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        if operator == "+" and isinstance(left, Sized) and isinstance(right, Sized):
            _check_size(len(left) + len(right))
        return super().call_binop(context, operator, left, right)

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if isinstance(getattr(__obj, "__self__", None), str):
            for value in (*args, *kwargs.values()):
                if isinstance(value, int):
                    _check_size(value)
        return super().call(__context, __obj, *args, **kwargs)


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        _check_size(len(sequence) * times)


def _check_size(size: int) -> None:
    if size > MAX_OUTPUT:
        raise TooLargeError(f"result over {MAX_OUTPUT} characters")


def _capped(fn: Callable[..., str]) -> Callable[..., str]:
    def capped(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> str:
        if isinstance(width, int):
            _check_size(width)
        return fn(value, width, *args, **kwargs)

    return capped


def render(env: BoundedSandbox, source: str, values: dict[str, Any]) -> str:
    """`source` rendered, refused once the output passes MAX_OUTPUT characters."""
    parts: list[str] = []
    size = 0
    for part in env.from_string(source).generate(values):
        size += len(part)
        if size > MAX_OUTPUT:
            raise TooLargeError(f"output over {MAX_OUTPUT} characters")
        parts.append(part)
    return "".join(parts)
