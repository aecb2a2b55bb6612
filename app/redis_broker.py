"""Dramatiq's Redis broker with a wake-up, so an idle worker starts a job at once.

Dramatiq's Redis consumer polls: after each empty fetch it sleeps with an
exponential back-off capped at the worker timeout (1 s by default), which is
most of the queue latency of an idle system; a small cap instead costs every
idle consumer thread (two per queue per worker) dozens of fetches a second.
Here every enqueue also pushes a token onto a per-queue wake list, and an idle
consumer blocks on that list (BLPOP) for up to the worker timeout instead of
sleeping. Dramatiq has no such hook, so the consumer wraps its `__next__`
(`_RedisConsumer` is private; its fetch and back-off are the same in 1.17-2.x).
"""

from __future__ import annotations

import time
from typing import Any

import redis
from dramatiq import Message
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.errors import ConnectionClosed

# How long an idle consumer blocks before fetching anyway: bounds the start of a
# message no enqueue announced (requeued from a dead worker) and a stop request.
IDLE_WAIT_SECONDS = 1.0
# Tokens kept per queue: enough to wake every idle consumer of a burst, bounded
# when no worker runs at all.
MAX_TOKENS = 256
# An idle consumer whose prefetch is full has messages waiting locally already;
# it re-checks for room this often instead of taking another consumer's token.
FULL_RECHECK_SECONDS = 0.05


class WakingRedisBroker(RedisBroker):
    """A RedisBroker whose enqueue wakes one idle consumer of the queue."""

    def wake_key(self, queue_name: str) -> str:
        """The Redis list idle consumers of `queue_name` block on."""
        return f"{self.namespace}:{queue_name}.wake"

    def enqueue(
        self, message: Message[Any], *, delay: int | None = None
    ) -> Message[Any]:
        """Enqueue as RedisBroker does, then push a wake token for its queue."""
        sent = super().enqueue(message, delay=delay)
        key = self.wake_key(sent.queue_name)
        with self.client.pipeline(transaction=False) as pipe:
            pipe.lpush(key, 1)
            pipe.ltrim(key, 0, MAX_TOKENS - 1)
            pipe.execute()
        return sent

    def consume(
        self, queue_name: str, prefetch: int = 1, timeout: int = 5000
    ) -> Consumer:
        """A consumer that waits for a wake token when idle (not `timeout`)."""
        return _WakingConsumer(self, queue_name, prefetch)


class _WakingConsumer(_RedisConsumer):
    def __init__(
        self, broker: WakingRedisBroker, queue_name: str, prefetch: int
    ) -> None:
        # A zero cap turns dramatiq's own back-off sleep into sleep(0).
        super().__init__(broker, queue_name, prefetch, 0)
        self.wake_key = broker.wake_key(queue_name)

    def __next__(self) -> MessageProxy | None:
        had_room = self.outstanding_message_count < self.prefetch
        message: MessageProxy | None = super().__next__()
        if message is not None:
            return message
        if had_room:
            try:
                self.broker.client.blpop([self.wake_key], timeout=IDLE_WAIT_SECONDS)
            except redis.ConnectionError as exc:
                raise ConnectionClosed(exc) from None
        else:
            time.sleep(FULL_RECHECK_SECONDS)
        return None
