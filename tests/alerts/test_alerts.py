"""Alerts: dedupe while open, rules and REST shapes."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from app import events
from app.alerts import rules, service
from app.alerts.models import Alert
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from tests.conftest import RunningApp, TokenFactory


async def raise_one(db: Sessionmaker, key: str | None = "k1", **kw: object) -> int:
    async with unit_of_work(db) as session:
        raised = await service.raise_alert(
            session,
            key=key,
            title=str(kw.get("title", "Device Unreachable")),
            message="Device 192.0.2.1 is not responding",
            severity=str(kw.get("severity", "critical")),
            source=str(kw.get("source", "monitor")),
            device_id=5,
        )
    return raised.alert.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestRaiseAlert:
    async def test_same_key_while_open_is_deduplicated(self, db: Sessionmaker) -> None:
        first = await raise_one(db)
        second = await raise_one(db)
        assert first == second
        async with unit_of_work(db) as session:
            await service.resolve(session, first, None)
        third = await raise_one(db)
        assert third != first

    async def test_concurrent_raisers_open_one_alert(self, db: Sessionmaker) -> None:
        ids = await asyncio.gather(*(raise_one(db, "race") for _ in range(8)))
        assert len(set(ids)) == 1
        async with db() as session:
            count = len((await session.scalars(select(Alert))).all())
        assert count == 1

    async def test_raise_is_a_domain_event(self, db: Sessionmaker) -> None:
        alert_id = await raise_one(db)
        stored = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [(e.type, e.data["id"]) for e in stored] == [("alert.raised", alert_id)]


class TestAlertRules:
    async def test_device_down_then_up_opens_and_resolves(
        self, db: Sessionmaker
    ) -> None:
        down = {"device": {"id": 7, "hostname": "sw1"}, "status": "down"}
        async with unit_of_work(db) as session:
            first = await rules.apply_event(session, "device.status.changed", down)
            again = await rules.apply_event(session, "device.status.changed", down)
        async with unit_of_work(db) as session:
            await rules.apply_event(
                session, "device.status.changed", {"device_id": 7, "status": "up"}
            )
        async with db() as session:
            alerts = (await session.scalars(select(Alert))).all()
        assert (first.duplicate, again.duplicate) == (False, True)
        assert [(a.title, a.message, a.status, a.device_id) for a in alerts] == [
            ("Device Unreachable", "Device sw1 is not responding", "resolved", 7)
        ]


class TestAlertsRest:
    async def test_list_shape_and_filters(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await raise_one(db, "a")
        await raise_one(db, "b", severity="info", source="scan", title="Scan done")
        token = await make_user("v", roles=("viewer",))
        response = await app.http.get(
            "/api/alerts?severity=critical&status=active&source=monitor",
            headers=bearer(token),
        )
        body = response.json()
        created = body["data"]["alerts"][0].pop("created_at")
        assert created.endswith("Z")
        assert (response.status_code, body) == (
            200,
            {
                "success": True,
                "data": {
                    "alerts": [
                        {
                            "id": 1,
                            "title": "Device Unreachable",
                            "message": "Device 192.0.2.1 is not responding",
                            "severity": "critical",
                            "status": "active",
                            "source": "monitor",
                            "device_id": 5,
                            "acknowledged_at": None,
                            "resolved_at": None,
                        }
                    ],
                    "total": 1,
                    "limit": None,
                    "offset": 0,
                },
            },
        )

    async def test_bad_filter_is_400(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.get("/api/alerts?status=open", headers=bearer(token))
        assert (response.status_code, response.json()["error"]["code"]) == (
            400,
            "VALIDATION_ERROR",
        )

    async def test_acknowledge_resolve_delete(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        alert_id = await raise_one(db)
        token = await make_user()
        ack = await app.http.post(
            f"/api/alerts/{alert_id}/acknowledge", headers=bearer(token)
        )
        assert ack.json()["data"]["status"] == "acknowledged"
        assert ack.json()["data"]["acknowledged_at"] is not None
        res = await app.http.post(
            f"/api/alerts/{alert_id}/resolve", headers=bearer(token)
        )
        assert res.json()["data"]["status"] == "resolved"
        again = await app.http.post(
            f"/api/alerts/{alert_id}/acknowledge", headers=bearer(token)
        )
        assert (again.status_code, again.json()["error"]["details"]["reason"]) == (
            409,
            "ALERT_RESOLVED",
        )
        gone = await app.http.delete(f"/api/alerts/{alert_id}", headers=bearer(token))
        assert gone.json() == {
            "success": True,
            "data": None,
            "message": "Alert deleted",
        }
        missing = await app.http.get(f"/api/alerts/{alert_id}", headers=bearer(token))
        assert (missing.status_code, missing.json()) == (
            404,
            {
                "success": False,
                "error": {
                    "code": "NOT_FOUND",
                    "message": f"Alert {alert_id} not found",
                    "details": {"id": alert_id},
                },
            },
        )

    async def test_viewer_cannot_acknowledge(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        alert_id = await raise_one(db)
        token = await make_user("v", roles=("viewer",))
        response = await app.http.post(
            f"/api/alerts/{alert_id}/acknowledge", headers=bearer(token)
        )
        assert response.status_code == 403


class TestFromRealProducers:
    """The rules read the payloads the fleet and the engine really emit."""

    async def test_fleet_status_change_raises_then_resolves_an_alert(
        self, db: Sessionmaker
    ) -> None:
        async with unit_of_work(db) as session:
            device = await devices_service.create_device(
                session, devices_service.DeviceInput(address="127.0.0.9", hostname="r9")
            )
            await devices_service.set_status(session, device.id, "down", reason="probe")
        await _apply_stored_domain_events(db)
        async with db() as session:
            alerts = (await session.scalars(select(Alert))).all()
        assert [(a.device_id, a.status, a.message) for a in alerts] == [
            (device.id, "active", "Device r9 is not responding")
        ]
        async with unit_of_work(db) as session:
            await devices_service.set_status(session, device.id, "up")
        await _apply_stored_domain_events(db, after=1)
        async with db() as session:
            assert (await session.scalars(select(Alert.status))).all() == ["resolved"]


async def _apply_stored_domain_events(db: Sessionmaker, after: int = 0) -> None:
    for event in await events.history(db, events.DOMAIN_STREAM, after):
        async with unit_of_work(db) as session:
            await rules.apply_event(session, event.type, event.data)
