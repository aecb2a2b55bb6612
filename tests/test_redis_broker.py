"""The waking Redis broker: an idle worker starts a message at once, without polling."""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Iterator

import dramatiq
import pytest
import redis

from app.redis_broker import MAX_TOKENS, WakingRedisBroker


class Recorder:
    """A worker on its own namespace whose actor records when each message started."""

    def __init__(self, url: str) -> None:
        self.broker = WakingRedisBroker(url=url, namespace=f"test-{uuid.uuid4().hex}")
        self.broker.declare_queue("default")
        self.started: dict[int, float] = {}

        def record(number: int) -> None:
            self.started[number] = time.monotonic()

        self.actor = dramatiq.actor(record, actor_name="record", broker=self.broker)

    def send(self, number: int) -> float:
        sent = time.monotonic()
        self.actor.send(number)
        return sent

    def wait(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.started) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.started) == count


@pytest.fixture
def recorder(redis_url: str) -> Iterator[Recorder]:
    """A Recorder with a two-thread worker consuming its queue."""
    found = Recorder(redis_url)
    worker = dramatiq.Worker(found.broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield found
    worker.stop()
    found.broker.client.close()


def _fetches(url: str, namespace: str, seconds: float) -> int:
    """EVALSHA (dramatiq's fetch) calls naming `namespace`, watched with MONITOR."""
    client = redis.Redis.from_url(url)
    count, deadline = 0, time.monotonic() + seconds
    with client.monitor() as monitor:
        for command in monitor.listen():
            if time.monotonic() > deadline:
                break
            text = command["command"]
            if text.upper().startswith("EVALSHA") and namespace in text:
                count += 1
    client.close()
    return count


class TestWakingRedisBroker:
    def test_an_idle_worker_starts_a_message_at_once(self, recorder: Recorder) -> None:
        sent = {}
        for number in range(5):
            # Long enough for a polling consumer to reach its back-off cap.
            time.sleep(random.uniform(1.2, 1.5))  # noqa: S311
            sent[number] = recorder.send(number)
        recorder.wait(5, 10)
        waits = [recorder.started[n] - sent[n] for n in sent]
        # Polling with dramatiq's default 1 s cap waits 0-1 s here (~0.4 s mean).
        assert statistics.median(waits) < 0.1, waits

    def test_an_idle_worker_does_not_poll(
        self, recorder: Recorder, redis_url: str
    ) -> None:
        time.sleep(0.5)
        fetches = _fetches(redis_url, recorder.broker.namespace, 3.0)
        # Two consumers (queue and delay queue) fetch about once a second each;
        # a 50 ms back-off cap would be about 100 in 3 s.
        assert 0 < fetches <= 12

    def test_a_burst_is_all_started(self, recorder: Recorder) -> None:
        for number in range(50):
            recorder.send(number)
        recorder.wait(50, 20)
        assert sorted(recorder.started) == list(range(50))

    def test_wake_tokens_are_bounded_with_no_worker(self, redis_url: str) -> None:
        broker = WakingRedisBroker(url=redis_url, namespace=f"test-{uuid.uuid4().hex}")
        broker.declare_queue("default")
        for _ in range(MAX_TOKENS + 20):
            broker.enqueue(dramatiq.Message("default", "nobody", (), {}, {}))
        assert broker.client.llen(broker.wake_key("default")) == MAX_TOKENS
        assert broker.do_qsize("default") == MAX_TOKENS + 20
        broker.flush_all()
        broker.client.delete(broker.wake_key("default"))
        broker.client.close()
