"""Blanking secrets out of log text: `password=...`, query-string tokens, JWTs.

`QuerySecretFilter` applies it to every record of the loggers it is installed
on (uvicorn's access and error logs print request paths with their query
string, e.g. the terminal websocket's `?token=`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
SECRET_KEY = re.compile(
    r"pass(word|phrase)?|secret|token|authorization|api[_-]?key|private[_-]?key|"
    r"credential|cookie",
    re.IGNORECASE,
)
SECRET_TEXT = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s&]+"
)
QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:[\w.-]*[_-])?(?:token|password|passwd|secret|key|apikey)=)"
    r"[^&#\s\"']*"
)
JWT = re.compile(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")
BEARER = re.compile(r"(?i)\bbearer\s+[\w\-.~+/]+=*")
LOGGERS = ("uvicorn.access", "uvicorn.error", "app", "opsgraph", "worker")


def redact_text(text: str) -> str:
    """`text` with query-string secrets, `password=...`, JWTs and bearers blanked."""
    text = QUERY_SECRET.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = SECRET_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = JWT.sub(REDACTED, text)
    return BEARER.sub(f"Bearer {REDACTED}", text)


def redact_value(key: str, value: Any) -> Any:
    """A JSON-safe copy of `value`, blanked when `key` names a secret."""
    if SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, dict):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


class QuerySecretFilter(logging.Filter):
    """Blanks secrets in a record's message, keeping its shape when it can.

    uvicorn's access formatter unpacks the arguments tuple, so a secret found in
    an argument is redacted there; any other is redacted in the formatted message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # logging reports the broken record itself
        clean = redact_text(message)
        if clean == message:
            return True
        if isinstance(record.args, tuple) and isinstance(record.msg, str):
            args = tuple(_redacted(a) for a in record.args)
            if _formats(record.msg, args) == clean:
                record.args = args
                return True
        record.msg, record.args = clean, ()
        return True


def _redacted(value: object) -> object:
    return redact_text(value) if isinstance(value, str) else value


def _formats(msg: str, args: tuple[object, ...]) -> str | None:
    try:
        return msg % args if args else msg
    except (TypeError, ValueError):
        return None


def install() -> None:
    """Put a `QuerySecretFilter` on the loggers that print request paths and
    on the root handlers (which also see the records of child loggers)."""
    targets: list[logging.Filterer] = [logging.getLogger(n) for n in LOGGERS]
    targets += logging.getLogger().handlers
    for target in targets:
        if not any(isinstance(f, QuerySecretFilter) for f in target.filters):
            target.addFilter(QuerySecretFilter())
