"""Values checked against their columns before every flush, on every database.

PostgreSQL refuses a string longer than its VARCHAR, a NUL character, an integer
beyond int4 or None in a NOT NULL column with a driver error (a 500 to the
caller) and SQLite stores some of them silently.
This check turns both into the same validation error naming the field, for
every face and every domain, before any SQL is sent.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, Integer, String, event
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Session

from app import inputs
from app.errors import InvalidError


@event.listens_for(Session, "before_flush")
def _check_columns(session: Session, _context: Any, _instances: Any) -> None:
    for obj in chain(session.new, session.dirty):
        state = inspect_object(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)  # loaded or assigned: no I/O
            if value is not None:
                _check(attr.key, attr.columns[0].type, value)
            elif attr.key in state.dict and _required(attr.columns[0]):
                raise InvalidError(
                    f"{attr.key}: may not be null", details={"field": attr.key}
                )


def _required(column: Any) -> bool:
    """A NOT NULL column that nothing fills in when given None."""
    return not (
        column.nullable
        or column.primary_key
        or column.default is not None
        or column.server_default is not None
    )


def _check(name: str, kind: Any, value: Any) -> None:
    length = getattr(kind, "length", None)
    if isinstance(value, str) and "\x00" in value:
        raise InvalidError(
            f"{name}: NUL characters are not allowed", details={"field": name}
        )
    if isinstance(kind, String) and length and isinstance(value, str):
        if len(value) > length:
            raise InvalidError(
                f"{name}: at most {length} characters", details={"field": name}
            )
    elif (
        isinstance(kind, Integer)
        and not isinstance(kind, BigInteger)
        and isinstance(value, int)
        and not inputs.MIN_INT <= value <= inputs.MAX_INT
    ):
        raise InvalidError(
            f"{name}: must be between {inputs.MIN_INT} and {inputs.MAX_INT}",
            details={"field": name},
        )
