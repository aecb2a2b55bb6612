"""OPMAS playbook REST surface: exact shapes and every validation rule."""

from __future__ import annotations

import re
from typing import Any

import dramatiq
import pytest

from app.db import Sessionmaker
from app.executions import engine, service
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory
from tests.executions.conftest import Inventory

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BASE = "/api/v1/playbooks"
GOOD = {
    "name": "new-playbook",
    "description": "New playbook description",
    "steps": [{"type": "command", "action": "echo new-action"}],
    "version": "1.0.0",
}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _create(app: RunningApp, token: str, **over: Any) -> dict[str, Any]:
    response = await app.http.post(BASE, json={**GOOD, **over}, headers=_auth(token))
    assert response.status_code == 201, response.text
    return response.json()


class TestPlaybookCrud:
    async def test_create_get_list_update_delete(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("operator",))
        created = await _create(app, token)
        assert STAMP.match(created.pop("created_at"))
        assert STAMP.match(created.pop("updated_at"))
        assert created == {"id": 1, "is_active": True, **GOOD}
        got = (await app.http.get(f"{BASE}/1", headers=_auth(token))).json()
        assert got["name"] == "new-playbook"
        update = {
            "name": "updated-playbook",
            "description": "Updated description",
            "steps": [{"type": "command", "action": "updated-action"}],
            "version": "1.0.1",
            "is_active": True,
        }
        response = await app.http.put(f"{BASE}/1", json=update, headers=_auth(token))
        assert response.status_code == 200
        assert {k: response.json()[k] for k in update} == update
        listed = (await app.http.get(BASE, headers=_auth(token))).json()
        assert [p["name"] for p in listed] == ["updated-playbook"]
        response = await app.http.delete(f"{BASE}/1", headers=_auth(token))
        assert (response.status_code, response.json()) == (
            200,
            {"message": "Playbook deleted successfully"},
        )
        response = await app.http.get(f"{BASE}/1", headers=_auth(token))
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "Playbook not found"},
        )

    async def test_list_skip_limit_and_is_active(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        for i in range(4):
            await _create(app, token, name=f"pb-{i}", is_active=i % 2 == 0)
        h = _auth(token)
        page = (await app.http.get(f"{BASE}?skip=1&limit=2", headers=h)).json()
        assert [p["name"] for p in page] == ["pb-1", "pb-2"]
        active = (await app.http.get(f"{BASE}?is_active=false", headers=h)).json()
        assert [p["name"] for p in active] == ["pb-1", "pb-3"]
        response = await app.http.get(f"{BASE}?limit=abc", headers=h)
        assert response.status_code == 400
        assert response.json() == {
            "detail": "limit must be an integer between 1 and 1000"
        }

    async def test_status_get_and_put(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        await _create(app, token)
        h = _auth(token)
        response = await app.http.put(
            f"{BASE}/1/status", json={"is_active": False}, headers=h
        )
        assert response.status_code == 200
        assert response.json()["is_active"] is False
        got = (await app.http.get(f"{BASE}/1/status", headers=h)).json()
        assert set(got) == {"is_active", "updated_at"}
        assert got["is_active"] is False
        response = await app.http.put(
            f"{BASE}/1/status", json={"is_active": "no"}, headers=h
        )
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "is_active must be a boolean"},
        )

    async def test_viewer_cannot_create_and_anonymous_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("viewer",))
        response = await app.http.post(BASE, json=GOOD, headers=_auth(token))
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Permission 'playbooks.playbook.create' required"},
        )
        response = await app.http.get(BASE)
        assert (response.status_code, response.json()) == (
            401,
            {"detail": "Authentication required"},
        )


class TestPlaybookValidation:
    @pytest.mark.parametrize(
        ("override", "detail"),
        [
            ({"name": "-bad"}, "Invalid playbook name format"),
            ({"name": "bad-"}, "Invalid playbook name format"),
            ({"name": "a"}, "Invalid playbook name format"),
            ({"name": "has space"}, "Invalid playbook name format"),
            ({"name": "x" * 64}, "Invalid playbook name format"),
            ({"name": 12}, "Invalid playbook name format"),
            ({"version": "1.0"}, "Invalid version format"),
            ({"version": "v1.0.0"}, "Invalid version format"),
            ({"steps": []}, "Playbook must have at least one step"),
            ({"steps": "echo"}, "Playbook must have at least one step"),
            ({"steps": [{"action": "x"}]}, "Step 1 must have a type field"),
            ({"steps": [{"type": "command"}]}, "Step 1 must have an action field"),
            (
                {"steps": [{"type": "command", "action": "a"}, {"type": "command"}]},
                "Step 2 must have an action field",
            ),
            (
                {"steps": [{"type": "teleport", "action": "x"}]},
                "Unknown step type: teleport",
            ),
            (
                {"steps": [{"type": "wait", "action": "soon"}]},
                "Step 1: a wait action is a number of seconds (0-3600)",
            ),
            ({"is_active": "yes"}, "is_active must be a boolean"),
        ],
    )
    async def test_rule(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        override: dict[str, Any],
        detail: str,
    ) -> None:
        token = await make_user()
        response = await app.http.post(
            BASE, json={**GOOD, **override}, headers=_auth(token)
        )
        assert (response.status_code, response.json()) == (400, {"detail": detail})

    async def test_missing_name_and_steps(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        for body, detail in (
            ({"steps": GOOD["steps"]}, "Invalid playbook name format"),
            ({"name": "ok-name"}, "Playbook must have at least one step"),
        ):
            response = await app.http.post(BASE, json=body, headers=_auth(token))
            assert (response.status_code, response.json()) == (400, {"detail": detail})

    async def test_unique_name_is_409_on_create_and_update(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        await _create(app, token)
        await _create(app, token, name="other-one")
        response = await app.http.post(BASE, json=GOOD, headers=_auth(token))
        conflict = (409, {"detail": "Playbook with this name already exists"})
        assert (response.status_code, response.json()) == conflict
        response = await app.http.put(
            f"{BASE}/2", json={"name": "new-playbook"}, headers=_auth(token)
        )
        assert (response.status_code, response.json()) == conflict

    async def test_malformed_json_and_unknown_ids(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.post(
            BASE,
            content=b"{nope",
            headers={**_auth(token), "content-type": "application/json"},
        )
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Request body is not valid JSON"},
        )
        for path in ("/999", "/abc", "/999/status"):
            response = await app.http.get(BASE + path, headers=_auth(token))
            assert (response.status_code, response.json()) == (
                404,
                {"detail": "Playbook not found"},
            )
        response = await app.http.get(f"{BASE}/executions/77", headers=_auth(token))
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "Execution not found"},
        )


class TestPlaybookExecutions:
    async def test_execute_returns_pending_at_once_and_runs_nowhere_without_targets(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        await _create(app, token)
        response = await app.http.post(f"{BASE}/1/execute", headers=_auth(token))
        assert response.status_code == 200
        body = response.json()
        assert STAMP.match(body.pop("created_at"))
        assert STAMP.match(body.pop("updated_at"))
        assert body == {
            "id": 1,
            "playbook_id": 1,
            "status": "pending",
            "started_at": None,
            "completed_at": None,
            "results": None,
            "error_message": None,
        }
        assert broker.queues["ssh"].qsize() == 1  # queued for a worker
        executions = (
            await app.http.get(f"{BASE}/1/executions", headers=_auth(token))
        ).json()
        uuid = await _uuid_of(db, 1)
        await engine.run(db, uuid, settings, inventory.resolve)
        got = (await app.http.get(f"{BASE}/executions/1", headers=_auth(token))).json()
        assert [e["id"] for e in executions] == [1]
        assert got["status"] == "completed"
        assert got["results"]["message"] == (
            "No target hosts: command and script steps ran nowhere"
        )
        assert STAMP.match(got["started_at"])
        assert STAMP.match(got["completed_at"])

    async def test_executions_status_filter_and_put_cancel(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        h = _auth(token)
        await _create(app, token)
        for _ in range(2):
            await app.http.post(f"{BASE}/1/execute", headers=h)
        response = await app.http.put(
            f"{BASE}/executions/1", json={"status": "cancelled"}, headers=h
        )
        assert (response.status_code, response.json()["status"]) == (200, "cancelled")
        cancelled = (
            await app.http.get(f"{BASE}/1/executions?status=cancelled", headers=h)
        ).json()
        pending = (
            await app.http.get(f"{BASE}/1/executions?status=pending", headers=h)
        ).json()
        assert ([e["id"] for e in cancelled], [e["id"] for e in pending]) == ([1], [2])
        response = await app.http.get(f"{BASE}/1/executions?status=weird", headers=h)
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Invalid execution status"},
        )
        response = await app.http.put(
            f"{BASE}/executions/2", json={"status": "exploded"}, headers=h
        )
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Invalid execution status"},
        )
        response = await app.http.put(
            f"{BASE}/executions/1", json={"status": "completed"}, headers=h
        )
        assert (response.status_code, response.json()) == (
            409,
            {"detail": "Execution is already cancelled"},
        )

    async def test_put_completed_with_results(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        h = _auth(token)
        await _create(app, token)
        await app.http.post(f"{BASE}/1/execute", headers=h)
        body = {
            "status": "completed",
            "results": {"output": "Execution completed successfully"},
        }
        response = await app.http.put(f"{BASE}/executions/1", json=body, headers=h)
        assert response.status_code == 200
        assert {k: response.json()[k] for k in body} == body

    async def test_inactive_playbook_and_bad_targets(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        h = _auth(token)
        await _create(app, token, is_active=False)
        response = await app.http.post(f"{BASE}/1/execute", headers=h)
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Playbook is not active"},
        )
        await app.http.put(f"{BASE}/1/status", json={"is_active": True}, headers=h)
        response = await app.http.post(
            f"{BASE}/1/execute", json={"device_ids": ["x"]}, headers=h
        )
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "device_ids must be a list of integers"},
        )


async def _uuid_of(db: Sessionmaker, number: int) -> str:
    async with db() as session:
        return (await service.get(session, number)).uuid
