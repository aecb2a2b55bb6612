"""Types shared by every domain's schema."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An expected failure; the type name is its code.")
class Error:
    message: str = strawberry.field(description="What went wrong, for a person.")
