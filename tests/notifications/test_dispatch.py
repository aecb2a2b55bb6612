"""The rules engine end to end: domain events in, alerts and deliveries out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import events
from app.cli import upgrade_database
from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.events.models import EventStream
from app.notifications import dispatcher
from app.notifications.models import (
    NotificationAttempt,
    NotificationCursor,
    NotificationDelivery,
)
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory, serve
from tests.notifications.conftest import ops_settings
from tests.notifications.peers import http_peer
from worker.broker import embedded

DOWN = {
    "device": {"id": 5, "hostname": "sw1", "ip_address": "192.0.2.1"},
    "device_id": 5,
    "status": "down",
    "previous_status": "up",
}
UP = {**DOWN, "status": "up", "previous_status": "down"}


def down(device_id: int) -> dict[str, Any]:
    return {**DOWN, "device": {"id": device_id, "hostname": f"d{device_id}"}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def emit(db: Sessionmaker, event_type: str, data: dict[str, Any]) -> None:
    async with unit_of_work(db) as session:
        await events.emit_domain(session, event_type, data)


async def caught_up(db: Sessionmaker) -> None:
    """Wait until the dispatcher has handled every domain event so far."""
    for _ in range(200):
        async with db() as session:
            last = await session.get(EventStream, events.DOMAIN_STREAM)
            cursor = await session.get(NotificationCursor, dispatcher.CURSOR)
        if last is not None and cursor is not None and cursor.last_seq >= last.last_seq:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("dispatcher did not catch up")


async def post(app: RunningApp, token: str, path: str, body: dict[str, Any]) -> int:
    response = await app.http.post(path, json=body, headers=bearer(token))
    assert response.status_code in (201, 202), response.text
    return int(response.json()["data"].get("id", 0))


async def device_down_rule(app: RunningApp, token: str, url: str) -> None:
    channel_id = await post(
        app,
        token,
        "/api/notifications/channels",
        {"name": "Slack", "channel_type": "slack", "config": {"webhook_url": url}},
    )
    template_id = await post(
        app,
        token,
        "/api/notifications/templates",
        {
            "name": "Device Alert",
            "subject": "Alert: {{device.hostname}} is {{status}}",
            "body": "Device {{device.hostname}} ({{device.ip_address}}) "
            "changed status to {{status}}.",
            "format": "text",
        },
    )
    await post(
        app,
        token,
        "/api/notifications/rules",
        {
            "name": "Device Down Alert",
            "event_type": "device.status.changed",
            "conditions": {"status": "down"},
            "channel_ids": [channel_id],
            "template_id": template_id,
            "enabled": True,
        },
    )


class TestDeviceDown:
    async def test_one_alert_and_one_notification_while_down(
        self, full_app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        async with http_peer() as peer:
            await device_down_rule(full_app, token, f"{peer.url}/slack")
            await emit(db, "device.status.changed", DOWN)
            await peer.wait_for(1)
            await emit(db, "device.status.changed", DOWN)
            await caught_up(db)
            await asyncio.sleep(0.3)
        alerts = await full_app.http.get("/api/alerts", headers=bearer(token))
        assert [r.json() for r in peer.received] == [
            {
                "text": "*Alert: sw1 is down*\n"
                "Device sw1 (192.0.2.1) changed status to down."
            }
        ]
        assert [
            (a["title"], a["status"], a["device_id"], a["severity"])
            for a in alerts.json()["data"]["alerts"]
        ] == [("Device Unreachable", "active", 5, "critical")]

    async def test_a_new_outage_after_recovery_notifies_again(
        self, full_app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        async with http_peer() as peer:
            await device_down_rule(full_app, token, f"{peer.url}/slack")
            for data in (DOWN, UP, DOWN):
                await emit(db, "device.status.changed", data)
            await peer.wait_for(2)
            await caught_up(db)
        alerts = await full_app.http.get("/api/alerts", headers=bearer(token))
        assert len(peer.received) == 2
        assert [a["status"] for a in alerts.json()["data"]["alerts"]] == [
            "active",
            "resolved",
        ]


async def attempts(db: Sessionmaker) -> list[tuple[int, bool, int | None, str | None]]:
    async with db() as session:
        rows = (
            await session.scalars(
                select(NotificationAttempt).order_by(NotificationAttempt.id)
            )
        ).all()
    return [(r.number, r.success, r.status_code, r.error) for r in rows]


async def delivery_status(db: Sessionmaker, wanted: str) -> NotificationDelivery:
    for _ in range(200):
        async with db() as session:
            found = await session.scalar(select(NotificationDelivery))
        if found is not None and found.status == wanted:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"delivery never became {wanted}")


class TestRetries:
    async def test_failed_delivery_is_retried(
        self, full_app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        async with http_peer(500) as peer:
            channel_id = await post(
                full_app,
                token,
                "/api/notifications/channels",
                {
                    "name": "hook",
                    "channel_type": "webhook",
                    "config": {"url": f"{peer.url}/in"},
                },
            )
            await post(
                full_app,
                token,
                "/api/notifications/send",
                {"channel_ids": [channel_id], "subject": "Test", "message": "Hi"},
            )
            delivery = await delivery_status(db, "sent")
        assert delivery.attempts == 2
        assert await attempts(db) == [(1, False, 500, "HTTP 500"), (2, True, 200, None)]
        assert [r.json()["message"] for r in peer.received] == ["Hi", "Hi"]

    async def test_gives_up_after_the_last_attempt(
        self, full_app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        async with http_peer(*[503] * 10) as peer:
            channel_id = await post(
                full_app,
                token,
                "/api/notifications/channels",
                {
                    "name": "hook",
                    "channel_type": "webhook",
                    "config": {"url": f"{peer.url}/in"},
                },
            )
            await post(
                full_app,
                token,
                "/api/notifications/send",
                {"channel_ids": [channel_id], "message": "Hi"},
            )
            delivery = await delivery_status(db, "failed")
        assert (delivery.attempts, delivery.last_error) == (5, "HTTP 503")
        assert len(peer.received) == 5


class TestCursor:
    async def test_events_during_downtime_are_dispatched_once_after_restart(
        self,
        ops_app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        pg_url: str,
    ) -> None:
        token = await make_user()
        await device_down_rule(ops_app, token, "http://127.0.0.1:9/slack")
        settings = ops_settings(pg_url)
        async with dispatcher.running(settings):
            await emit(db, "device.status.changed", down(1))
            await caught_up(db)
        await emit(db, "device.status.changed", down(2))
        await emit(db, "device.status.changed", down(3))
        async with dispatcher.running(settings):
            await caught_up(db)
        async with dispatcher.running(settings):
            await caught_up(db)
        async with db() as session:
            rows = (await session.scalars(select(NotificationDelivery))).all()
        # seq 2, 5 and 6 are the `alert.raised` events the outages produced.
        assert sorted(r.event_seq for r in rows) == [1, 3, 4]

    async def test_an_event_that_always_fails_is_skipped(
        self,
        ops_app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        pg_url: str,
    ) -> None:
        token = await make_user()
        await device_down_rule(ops_app, token, "http://127.0.0.1:9/slack")
        # A device id beyond the alert table's integer column fails every time.
        await emit(db, "device.status.changed", {"device_id": 2**40, "status": "down"})
        await emit(db, "device.status.changed", down(7))
        async with dispatcher.running(ops_settings(pg_url)):
            for _ in range(300):
                async with db() as session:
                    rows = (await session.scalars(select(NotificationDelivery))).all()
                if rows:
                    break
                await asyncio.sleep(0.05)
        assert [r.event_seq for r in rows] == [2]


class TestRuleMatching:
    def test_conditions(self) -> None:
        data = {"status": "DOWN", "device": {"site": "lab"}, "n": 3}
        assert dispatcher.matches({"status": "down"}, data)
        assert dispatcher.matches({"device.site": ["dc", "lab"], "n": 3}, data)
        assert not dispatcher.matches({"device.site": "dc"}, data)
        assert not dispatcher.matches({"missing.path": "x"}, data)


class TestTemplates:
    async def test_syntax_error_is_a_400_at_save_time(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await ops_app.http.post(
            "/api/notifications/templates",
            json={"name": "broken", "subject": "ok", "body": "{{ device.hostname "},
            headers=bearer(token),
        )
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {
            "field": "body",
            "reason": "TEMPLATE_ERROR",
        }

    async def test_sandbox_refuses_unsafe_access_at_render(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        from app.notifications import templates

        source = "{{ data.__class__.__mro__ }}"
        templates.check("", source, "text")
        rendered = templates.render(source, "text", {"data": {}})
        assert "object" not in rendered


class TestEmbeddedSqlite:
    async def test_device_down_notifies_once_on_sqlite(
        self, tmp_data_dir: Path
    ) -> None:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_data_dir,
            admin_password="admin-pass-123",
            allow_loopback_urls=True,
        )
        await asyncio.to_thread(upgrade_database, settings)
        engine = make_engine(settings.sqlalchemy_url)
        db = make_sessionmaker(engine)
        try:
            async with serve(settings, background=embedded) as app, http_peer() as peer:
                login = await app.http.post(
                    "/api/auth/login",
                    json={"username": "admin", "password": "admin-pass-123"},
                )
                token = login.json()["data"]["session_token"]
                await device_down_rule(app, token, f"{peer.url}/slack")
                await emit(db, "device.status.changed", DOWN)
                await emit(db, "device.status.changed", DOWN)
                await peer.wait_for(1)
                await caught_up(db)
                alerts = await app.http.get("/api/alerts", headers=bearer(token))
        finally:
            await engine.dispose()
        assert len(peer.received) == 1
        assert len(alerts.json()["data"]["alerts"]) == 1
