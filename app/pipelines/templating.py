"""`{{event.field}}` placeholders in step configurations.

The spec's only placeholder form is `{{event.<dotted path>}}`, looked up in the
trigger event's payload first and then in the event itself; a full template
engine would accept far more than the documented syntax, so this is a regex.
"""

from __future__ import annotations

import json
import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*event\.([A-Za-z0-9_.]+)\s*\}\}")


def lookup(event: dict[str, Any] | None, path: str) -> Any:
    """The value at dotted `path` in the event's payload, else in the event."""
    if event is None:
        return None
    for root in (event.get("payload") or {}, event):
        value: Any = root
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def render(value: Any, event: dict[str, Any] | None) -> Any:
    """`value` with every placeholder in its strings replaced (recursively).

    A string that is exactly one placeholder takes the value itself, so
    `"{{event.files}}"` can stand for a list.
    """
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole is not None:
            found = lookup(event, whole.group(1))
            return "" if found is None else found
        return PLACEHOLDER.sub(lambda m: _text(lookup(event, m.group(1))), value)
    if isinstance(value, list):
        return [render(v, event) for v in value]
    if isinstance(value, dict):
        return {k: render(v, event) for k, v in value.items()}
    return value
