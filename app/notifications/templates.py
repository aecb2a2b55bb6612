"""Message templates: a bounded Jinja2 sandbox, checked at save, rendered per event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined, TemplateError

from app import sandbox
from app.notifications.errors import InvalidTemplateError

FORMATS = ("text", "html")
_ENVS = {
    "text": sandbox.BoundedSandbox(undefined=ChainableUndefined),
    "html": sandbox.BoundedSandbox(undefined=ChainableUndefined, autoescape=True),
}


def check(subject: str, body: str, fmt: str) -> None:
    """Raise InvalidTemplateError unless both parts compile in `fmt`."""
    if fmt not in FORMATS:
        raise InvalidTemplateError(
            "format: must be text or html", details={"field": "format"}
        )
    for field, source in (("subject", subject), ("body", body)):
        try:
            _ENVS[fmt].from_string(source)
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line})" if line else ""
            raise InvalidTemplateError(
                f"{field}: {exc.message}{where}", details={"field": field}
            ) from exc


def context(event_type: str, data: dict[str, Any], when: datetime) -> dict[str, Any]:
    """What a template sees: the event's fields, plus its type, data and time."""
    return {
        **data,
        "event_type": event_type,
        "data": data,
        "timestamp": data.get("timestamp", when.isoformat()),
    }


def render(source: str, fmt: str, values: dict[str, Any]) -> str:
    """`source` rendered in the sandbox; raises TemplateError on failure."""
    return sandbox.render(_ENVS[fmt], source, values)
