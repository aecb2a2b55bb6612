"""Periodic duties: stale scans are failed, the poll fires once per interval."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
from sqlalchemy import update

from app import events
from app.db import Sessionmaker, unit_of_work, utcnow
from app.scans import runner, service
from app.scans.models import PeriodicRun, Scan
from app.scans.polling import service as polling_service
from app.settings import Settings


class TestReapStale:
    async def test_silent_running_scan_fails_with_an_event(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        scan = await service.start_scan(
            db,
            settings,
            scan_type="ping",
            target_list=["127.0.0.1"],
            options={},
            user_id=None,
            may_use_credentials=True,
        )
        fresh = await service.start_scan(
            db,
            settings,
            scan_type="ping",
            target_list=["127.0.0.2"],
            options={},
            user_id=None,
            may_use_credentials=True,
        )
        async with unit_of_work(db) as session:
            await session.execute(
                update(Scan)
                .where(Scan.id == scan.id)
                .values(heartbeat_at=utcnow() - timedelta(minutes=10))
            )
        async with unit_of_work(db) as session:
            reaped = await service.reap_stale(session, timedelta(minutes=5))
        async with db() as session:
            dead = await service.get_scan(session, scan.id)
            alive = await service.get_scan(session, fresh.id)
        assert reaped == 1
        assert (dead.status, dead.error) == (
            "failed",
            "worker lost: no progress in time",
        )
        assert alive.status == "running"
        stored = await events.history(db, service.stream_of(scan.id), 0)
        assert [e.type for e in stored] == ["scan.started", "scan.failed"]


class TestPeriodicPoll:
    async def test_fires_once_per_interval_and_not_at_first_sight(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        broker = dramatiq.get_broker()
        queued = broker.queues["scans"].qsize()  # type: ignore[attr-defined]
        await polling_service.tick(db, settings)
        await polling_service.tick(db, settings)
        assert broker.queues["scans"].qsize() == queued  # type: ignore[attr-defined]
        async with unit_of_work(db) as session:
            await session.execute(
                update(PeriodicRun).values(last_at=utcnow() - timedelta(minutes=6))
            )
        await polling_service.tick(db, settings)
        await polling_service.tick(db, settings)
        assert broker.queues["scans"].qsize() == queued + 1  # type: ignore[attr-defined]


class TestScanCounts:
    async def test_running_and_completed_today(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        started = [
            await service.start_scan(
                db,
                settings,
                scan_type="ping",
                target_list=[address],
                options={"ping": False, "snmp": False},
                user_id=None,
                may_use_credentials=True,
            )
            for address in ("127.0.0.1", "127.0.0.2", "127.0.0.3")
        ]
        await runner.run_scan(db, settings, started[0].id)
        async with unit_of_work(db) as session:
            await service.cancel_scan(session, started[1].id)
        async with db() as session:
            assert await service.scan_counts(session) == {
                "running": 1,
                "completed_today": 1,
            }
