"""Counting the SQL statements a block runs, for N+1 tests."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.graphql.connections import WATCH_TASK

# The settings table itself, not runtime_setting_change (a list like any other).
_SETTINGS_READ = re.compile(r"FROM runtime_setting\b")
# app.logs.capture.Sink's thread: it writes log records on its own beat.
_LOG_SINK_THREAD = "log-sink"
# Background tasks of every app that read on their own beat (a quiet stream
# is re-read every few seconds), whatever the request.
_BACKGROUND_TASKS = frozenset({WATCH_TASK})


def _in_background() -> bool:
    """True when the statement comes from one of the background tasks."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # a thread without an event loop
        return False
    return task is not None and task.get_name() in _BACKGROUND_TASKS


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Every SQL statement any engine in this process runs inside the block,
    except reads of the runtime settings (they refresh a per-process cache at
    most every few seconds, whatever the request), the log sink's writes (a
    background thread) and the revocation watcher's re-reads (a background
    task), whatever the request."""
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name == _LOG_SINK_THREAD or _in_background():
            return
        if not _SETTINGS_READ.search(statement):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)
