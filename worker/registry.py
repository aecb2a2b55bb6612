"""Actors are recorded at import and declared on a broker only at set-up.

Importing an actor module therefore connects to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import dramatiq

from app.jobs import JobSpec

F = TypeVar("F", bound=Callable[..., Coroutine[Any, Any, None]])
_declared: list[tuple[JobSpec, Callable[..., Coroutine[Any, Any, None]]]] = []


def actor(spec: JobSpec) -> Callable[[F], F]:
    """Record `fn` as the actor for `spec`."""

    def record(fn: F) -> F:
        _declared.append((spec, fn))
        return fn

    return record


def declare_all(broker: dramatiq.Broker) -> None:
    """Declare every recorded actor on `broker`."""
    for spec, fn in _declared:
        dramatiq.actor(
            fn,
            actor_name=spec.actor_name,
            queue_name=spec.queue,
            max_retries=spec.max_retries,
            time_limit=spec.time_limit_ms,
            broker=broker,
        )
