"""The health-check actor, called directly as the worker would run it."""

from __future__ import annotations

import dramatiq

from app import jobs
from app.db import Sessionmaker
from app.devices import health, service
from tests.conftest import pg_settings
from tests.devices.conftest import DeviceFactory
from tests.sshd import SSHServer
from worker import runtime
from worker.actors import devices as device_actors


class TestCheckHealthActor:
    async def test_checks_every_listed_device(
        self,
        db: Sessionmaker,
        pg_url: str,
        server: SSHServer,
        ssh_device: DeviceFactory,
    ) -> None:
        runtime.configure(pg_settings(pg_url, ssh_connect_timeout=2.0))
        good = await ssh_device(server, name="good")
        bad = await ssh_device(server, name="bad", password="not-it")
        gone = await ssh_device(server, name="gone")
        async with db() as s:
            device = await service.get_device(s, gone.id)
            await s.delete(device)
            await s.commit()
        await device_actors.check_health(device_ids=f"{good.id},{bad.id},{gone.id}")
        await device_actors.check_health(device_ids=f"{good.id}")  # redelivery
        async with db() as s:
            ok = await service.get_device(s, good.id)
            failed = await service.get_device(s, bad.id)
        assert (ok.status, ok.health_status) == ("up", "healthy")
        assert ok.uptime_seconds is not None
        assert ok.uptime_seconds > 0
        assert ok.host_key == server.host_key
        assert (failed.status, failed.health_status) == ("down", "unhealthy")
        assert failed.health_message is not None
        assert failed.health_message.startswith("SSH_AUTHENTICATION_FAILED")

    async def test_check_all_enqueues_ids_only(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        broker = jobs.make_broker(pg_settings("postgresql+asyncpg://unused/unused"))
        first = await ssh_device(server, name="a")
        second = await ssh_device(server, name="b")
        assert await health.request_check_all(db) == 2
        (raw,) = broker.queues["ssh"].queue
        message = dramatiq.Message.decode(raw)
        assert message.actor_name == "devices.check_health"
        assert message.kwargs == {"device_ids": f"{first.id},{second.id}"}
        assert "ops-test-password" not in raw.decode()
