"""Counting the SQL statements a block runs, for N+1 tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Every SQL statement any engine in this process runs inside the block,
    except reads of the runtime settings: those refresh a per-process cache at
    most every few seconds, whatever the request."""
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if "FROM runtime_setting" not in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)
