"""The event spine on both transports: gap-free seqs, replay then tail, refill."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
import redis.asyncio as aioredis

from app import events
from app.db import Sessionmaker, unit_of_work
from app.settings import Settings
from tests.conftest import TEST_KEY


@pytest.fixture(params=["memory", "redis"])
async def transport(
    request: pytest.FixtureRequest, pg_url: str, redis_url: str
) -> AsyncIterator[str]:
    """Run the test once on the memory bus and once on Redis Streams."""
    events.configure(
        Settings(
            _env_file=None,
            database_url=pg_url,
            secret_key=TEST_KEY,
            redis_url=redis_url if request.param == "redis" else None,
        )
    )
    yield request.param
    await events.close_bus()
    events.configure(Settings(_env_file=None, database_url=pg_url, secret_key=TEST_KEY))


async def _emit(db: Sessionmaker, stream: str, count: int, tag: str) -> None:
    async with unit_of_work(db) as session:
        await events.append(
            session, stream, [("t", {"tag": tag, "i": i}) for i in range(count)]
        )


async def _take(
    db: Sessionmaker, stream: str, after: int, count: int
) -> list[events.Event]:
    got: list[events.Event] = []
    async for event in events.subscribe(db, stream, after):
        got.append(event)
        if len(got) == count:
            break
    return got


class TestAppend:
    async def test_concurrent_appenders_leave_no_gap(
        self, db: Sessionmaker, transport: str
    ) -> None:
        await asyncio.gather(*(_emit(db, "s:conc", 5, f"w{w}") for w in range(20)))
        stored = await events.history(db, "s:conc", 0)
        assert [e.seq for e in stored] == list(range(1, 101))

    async def test_rolled_back_append_is_neither_stored_nor_published(
        self, db: Sessionmaker, transport: str
    ) -> None:
        async def append_then_fail() -> None:
            async with unit_of_work(db) as session:
                await events.append(session, "s:rb", [("t", {})])
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await append_then_fail()
        await _emit(db, "s:rb", 1, "after")
        stored = await events.history(db, "s:rb", 0)
        assert [(e.seq, e.data["tag"]) for e in stored] == [(1, "after")]


class TestSubscribe:
    async def test_replays_after_seq_then_tails_live(
        self, db: Sessionmaker, transport: str
    ) -> None:
        await _emit(db, "s:tail", 3, "old")
        reader = asyncio.create_task(_take(db, "s:tail", 1, 4))
        await asyncio.sleep(0.3)
        await _emit(db, "s:tail", 2, "new")
        got = await asyncio.wait_for(reader, 10)
        assert [(e.seq, e.data["tag"]) for e in got] == [
            (2, "old"),
            (3, "old"),
            (4, "new"),
            (5, "new"),
        ]

    async def test_negative_after_seq_starts_at_the_end(
        self, db: Sessionmaker, transport: str
    ) -> None:
        await _emit(db, "s:now", 3, "old")
        reader = asyncio.create_task(_take(db, "s:now", -1, 2))
        await asyncio.sleep(0.3)
        await _emit(db, "s:now", 2, "new")
        got = await asyncio.wait_for(reader, 10)
        assert [(e.seq, e.data["tag"]) for e in got] == [(4, "new"), (5, "new")]

    async def test_event_missing_from_live_is_refilled_from_storage(
        self, db: Sessionmaker, transport: str
    ) -> None:
        reader = asyncio.create_task(_take(db, "s:gap", 0, 2))
        await asyncio.sleep(0.3)
        async with db() as session, session.begin():
            # Outside a unit of work nothing publishes: the bus never sees seq 1.
            await events.append(session, "s:gap", [("t", {"tag": "silent"})])
        await _emit(db, "s:gap", 1, "loud")
        got = await asyncio.wait_for(reader, 10)
        assert [(e.seq, e.data["tag"]) for e in got] == [(1, "silent"), (2, "loud")]

    async def test_many_subscribers_see_every_event_once_in_order(
        self, db: Sessionmaker, transport: str
    ) -> None:
        readers = [asyncio.create_task(_take(db, "s:fan", 0, 60)) for _ in range(10)]
        await asyncio.sleep(0.3)
        for batch in range(6):
            await _emit(db, "s:fan", 10, f"b{batch}")
        for got in await asyncio.wait_for(asyncio.gather(*readers), 15):
            assert [e.seq for e in got] == list(range(1, 61))


async def _redis_clients(probe: aioredis.Redis, db_number: int) -> int:
    return sum(1 for c in await probe.client_list() if int(c["db"]) == db_number)


@pytest.fixture
async def redis_bus(pg_url: str, redis_url: str) -> AsyncIterator[str]:
    """The Redis Streams transport alone."""
    base = Settings(_env_file=None, database_url=pg_url, secret_key=TEST_KEY)
    events.configure(base.model_copy(update={"redis_url": redis_url}))
    yield redis_url
    await events.close_bus()
    events.configure(base)


class TestRedisReaders:
    async def test_listeners_arriving_together_share_one_reader(
        self, db: Sessionmaker, redis_bus: str
    ) -> None:
        bus = events.get_bus()
        await bus.ping()
        number = int(redis_bus.rsplit("/", 1)[1])
        async with aioredis.Redis.from_url(redis_bus) as probe:
            idle = await _redis_clients(probe, number)
            async with AsyncExitStack() as stack:
                listeners = await asyncio.gather(
                    *(stack.enter_async_context(bus.listen("s:one")) for _ in range(20))
                )
                listening = await _redis_clients(probe, number)
                await _emit(db, "s:one", 2, "x")
                for listener in listeners:
                    seen = [await listener.next(5), await listener.next(5)]
                    assert [e.seq for e in seen if e is not None] == [1, 2]
            await asyncio.sleep(0.2)
            after = await _redis_clients(probe, number)
        assert (listening - idle, after - idle) == (1, 0)
