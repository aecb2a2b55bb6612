"""Types shared by every domain's schema."""

from __future__ import annotations

import re
from typing import TypeVar

import strawberry

from app.errors import DomainError

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@strawberry.interface(
    description="An expected failure: every mutation payload's non-success members."
)
class Error:
    message: str = strawberry.field(description="What went wrong, for a person.")
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, when one is."
    )

    @strawberry.field(description="The failure as a stable machine name.")
    def code(self) -> str:
        return _WORD.sub("_", type(self).__name__).upper()


E = TypeVar("E", bound=Error)


def error_from(kind: type[E], exc: DomainError) -> E:
    """`kind` carrying a domain error's message and the input field it names."""
    named = exc.details.get("field") or exc.details.get("argument")
    return kind(message=exc.message, field=str(named) if named else None)
