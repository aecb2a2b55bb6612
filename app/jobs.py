"""Job specs, the broker factory, and the enqueue-after-commit buffer.

The API only ever enqueues by actor name; actors themselves live in `worker/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from app import db
from app.redis_broker import WakingRedisBroker
from app.settings import Settings

# Every queue a worker consumes; an API-only process declares them all so that
# enqueueing never depends on which actors happen to be imported.
QUEUES = ("default", "ssh", "ansible", "scans", "notifications")


@dataclass(frozen=True)
class JobSpec:
    """The name and queue of an actor, shared by the enqueuer and the worker."""

    actor_name: str
    queue: str = "default"
    max_retries: int = 0
    time_limit_ms: int = 3_600_000

    def __post_init__(self) -> None:
        if self.queue not in QUEUES:
            raise ValueError(f"unknown queue {self.queue!r}; add it to QUEUES")


PING = JobSpec(actor_name="system.ping", queue="default")
RUN_EXECUTION = JobSpec(actor_name="executions.run", queue="ssh")


def make_broker(settings: Settings) -> dramatiq.Broker:
    """A (waking) Redis broker in distributed mode, an in-memory stub otherwise."""
    broker: dramatiq.Broker
    if settings.redis_url:
        broker = WakingRedisBroker(url=settings.redis_url, namespace="opsgraph")
    else:
        broker = StubBroker()
    broker.add_middleware(AsyncIO())
    for queue in QUEUES:
        broker.declare_queue(queue)
    dramatiq.set_broker(broker)
    return broker


def enqueue(spec: JobSpec, *, delay_ms: int | None = None, **kwargs: str) -> None:
    """Send `spec` with id-only kwargs, after the surrounding unit of work commits.

    `delay_ms`: the message is delivered that much later.
    """
    send = partial(_send_now, spec, kwargs, delay_ms)
    if not db.after_commit(send):
        send()


def _send_now(spec: JobSpec, kwargs: dict[str, str], delay_ms: int | None) -> None:
    broker = dramatiq.get_broker()
    message = dramatiq.Message(
        queue_name=spec.queue,
        actor_name=spec.actor_name,
        args=(),
        kwargs=kwargs,
        options={},
    )
    broker.enqueue(message, delay=delay_ms)
