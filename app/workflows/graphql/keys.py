"""Keys of the workflow entities (uuid strings, as OpsConductor ids are) and
sort keys of their lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, cast
from sqlalchemy.sql.elements import ColumnElement


def parse_uuid(raw: str) -> str | None:
    """`raw` as a canonical uuid string, or None when it is none."""
    if len(raw) > 64:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def instant(column: ColumnElement[Any]) -> ColumnElement[datetime]:
    """A timestamp sort key typed so that cursors decode to datetimes.

    `UTCDateTime` (a TypeDecorator) reports `object` as its Python type, which
    would leave a cursor's timestamp a string that PostgreSQL refuses to
    compare with the column. The cast is labelled so that it is not mistaken
    for the row's own column of the same name.
    """
    return cast(column, DateTime(timezone=True)).label(None)


def uuid_key(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A UUID column as a text sort key (same order), so that cursors decode.

    Cursors hold JSON values, and a UUID comes back from one as a string,
    which the pager refuses for a key whose Python type is `uuid.UUID`.
    """
    return cast(column, String).label(None)
