"""The Pipelines REST API: documented paths, shapes, pagination and errors.

These run the API without a worker, so triggered executions stay `started`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from app import secrets
from app.db import Sessionmaker, unit_of_work, utcnow
from app.pipelines.models import Pipeline, PipelineExecution
from tests.conftest import RunningApp, TokenFactory
from tests.pipelines.conftest import ORG, WORKSPACE, pipeline_body, step

P = "/api/v1/pipelines"
MISSING = "00000000-0000-0000-0000-000000000000"
WEBHOOK = step(
    "notify",
    "notify",
    {"type": "webhook", "webhook_url": "http://127.0.0.1:9/hook", "message": "hi"},
)
PIPELINE_KEYS = {
    "id",
    "name",
    "definition",
    "workspace_id",
    "org_id",
    "created_at",
    "updated_at",
}
EXECUTION_KEYS = {
    "id",
    "pipeline_id",
    "trigger_event",
    "status",
    "started_at",
    "completed_at",
    "error_message",
    "execution_log",
}


async def create(app: RunningApp, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    response = await app.http.post(
        P, json=pipeline_body([WEBHOOK], **kw), headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCreatePipeline:
    async def test_documented_shape(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        body = await create(api, admin)
        assert set(body) == PIPELINE_KEYS
        assert body["name"] == "auto-sdk-regeneration"
        assert (body["workspace_id"], body["org_id"]) == (WORKSPACE, ORG)
        assert body["definition"]["steps"][0]["step_type"] == "notify"
        assert body["definition"]["enabled"] is True
        assert body["created_at"].endswith("Z")

    async def test_missing_name(self, api: RunningApp, admin: dict[str, str]) -> None:
        data = pipeline_body([WEBHOOK])
        del data["name"]
        response = await api.http.post(P, json=data, headers=admin)
        assert (response.status_code, response.json()) == (
            400,
            {"error": "Invalid request", "message": "Missing required field: name"},
        )

    async def test_unknown_step_type(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        data = pipeline_body([step("x", "deploy_everything", {})])
        response = await api.http.post(P, json=data, headers=admin)
        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request"
        assert "definition.steps.0.step_type" in response.json()["message"]

    async def test_step_config_checked(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        bad = step("n", "notify", {"type": "slack", "slack_webhook_url": "http://x"})
        response = await api.http.post(P, json=pipeline_body([bad]), headers=admin)
        assert response.status_code == 400
        assert response.json()["message"] == (
            "definition.steps.0.config.message: Field required"
        )

    async def test_spec_path_outside_the_workspace_refused_at_save(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        config = {"spec_path": "/path/to/openapi.yaml", "languages": ["python"]}
        data = pipeline_body([step("sdk", "regenerate_sdk", config)])
        response = await api.http.post(P, json=data, headers=admin)
        assert response.status_code == 400, response.text
        message = response.json()["message"]
        assert message.startswith("definition.steps.0.config.spec_path:")
        assert "must be inside the pipelines workspace" in message
        assert "OPSGRAPH_PIPELINES_WORKSPACE_DIR" in message

    async def test_notify_url_checked_at_save(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        hook = {"type": "webhook", "webhook_url": "http://169.254.169.254/x"}
        created = await api.http.post(P, json=pipeline_body([WEBHOOK]), headers=admin)
        for body in (
            pipeline_body([step("n", "notify", {**hook, "message": "m"})]),
            {
                "definition": pipeline_body([step("n", "notify", {**hook})])[
                    "definition"
                ]
            },
        ):
            if "name" in body:
                response = await api.http.post(P, json=body, headers=admin)
            else:
                response = await api.http.patch(
                    f"{P}/{created.json()['id']}", json=body, headers=admin
                )
            assert response.status_code == 400, response.text
            assert "webhook_url" in response.json()["message"]

    async def test_duplicate_step_names(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        response = await api.http.post(
            P, json=pipeline_body([WEBHOOK, WEBHOOK]), headers=admin
        )
        assert response.status_code == 400
        assert "duplicate step name" in response.json()["message"]

    async def test_bad_event_type(self, api: RunningApp, admin: dict[str, str]) -> None:
        data = pipeline_body([WEBHOOK], triggers=[{"event": "Not An Event"}])
        response = await api.http.post(P, json=data, headers=admin)
        assert response.status_code == 400
        assert "definition.triggers.0.event" in response.json()["message"]

    async def test_body_not_json(self, api: RunningApp, admin: dict[str, str]) -> None:
        response = await api.http.post(
            P, content=b"{nope", headers={**admin, "content-type": "application/json"}
        )
        assert response.json() == {
            "error": "Invalid request",
            "message": "Request body is not valid JSON",
        }

    async def test_anonymous_is_401(self, api: RunningApp) -> None:
        response = await api.http.post(P, json=pipeline_body([WEBHOOK]))
        assert (response.status_code, response.json()["error"]) == (401, "Unauthorized")

    async def test_viewer_is_403(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vera", ("viewer",))
        response = await api.http.post(
            P,
            json=pipeline_body([WEBHOOK]),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (response.status_code, response.json()["error"]) == (403, "Forbidden")


class TestReadPipelines:
    async def test_get(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.get(f"{P}/{created['id']}", headers=admin)
        assert (response.status_code, response.json()) == (200, created)

    async def test_get_unknown(self, api: RunningApp, admin: dict[str, str]) -> None:
        for bad in (MISSING, "not-a-uuid"):
            response = await api.http.get(f"{P}/{bad}", headers=admin)
            assert (response.status_code, response.json()) == (
                404,
                {"error": "Not found", "message": "Pipeline not found"},
            )

    async def test_filters(self, api: RunningApp, admin: dict[str, str]) -> None:
        other = "550e8400-e29b-41d4-a716-4466554400ff"
        a = await create(api, admin, name="a")
        b = await create(api, admin, name="b", workspace_id=other)
        await api.http.patch(f"{P}/{b['id']}", json={"enabled": False}, headers=admin)

        async def names(query: str) -> list[str]:
            response = await api.http.get(f"{P}?{query}", headers=admin)
            assert response.status_code == 200
            return [p["name"] for p in response.json()]

        assert await names("") == ["a", "b"]
        assert await names(f"workspace_id={WORKSPACE}") == [a["name"]]
        assert await names("enabled=false") == ["b"]
        assert await names(f"org_id={ORG}&enabled=true") == ["a"]
        assert await names(f"org_id={other}") == []

    async def test_pagination(self, api: RunningApp, admin: dict[str, str]) -> None:
        for i in range(5):
            await create(api, admin, name=f"p{i}")
        response = await api.http.get(f"{P}?limit=2&offset=2", headers=admin)
        assert [p["name"] for p in response.json()] == ["p2", "p3"]
        assert response.headers["X-RateLimit-Limit"]
        assert "X-RateLimit-Remaining" in response.headers

    async def test_bad_query(self, api: RunningApp, admin: dict[str, str]) -> None:
        for query in ("limit=0", "offset=-1", "workspace_id=zzz", "enabled=maybe"):
            response = await api.http.get(f"{P}?{query}", headers=admin)
            assert response.status_code == 400, query
            assert response.json()["error"] == "Invalid request"


class TestUpdateDeletePipeline:
    async def test_patch(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.patch(
            f"{P}/{created['id']}",
            json={"name": "updated-pipeline-name", "enabled": False},
            headers=admin,
        )
        body = response.json()
        assert response.status_code == 200
        assert set(body) == PIPELINE_KEYS
        assert body["name"] == "updated-pipeline-name"
        assert body["definition"]["enabled"] is False
        assert body["definition"]["steps"] == created["definition"]["steps"]

    async def test_patch_definition(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await create(api, admin)
        new = pipeline_body([WEBHOOK, {**WEBHOOK, "name": "again"}])["definition"]
        response = await api.http.patch(
            f"{P}/{created['id']}", json={"definition": new}, headers=admin
        )
        assert [s["name"] for s in response.json()["definition"]["steps"]] == [
            "notify",
            "again",
        ]

    async def test_patch_invalid(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.patch(
            f"{P}/{created['id']}", json={"name": ""}, headers=admin
        )
        assert response.status_code == 400

    async def test_patch_unknown(self, api: RunningApp, admin: dict[str, str]) -> None:
        response = await api.http.patch(f"{P}/{MISSING}", json={}, headers=admin)
        assert response.status_code == 404

    async def test_delete(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.delete(f"{P}/{created['id']}", headers=admin)
        assert (response.status_code, response.content) == (204, b"")
        again = await api.http.delete(f"{P}/{created['id']}", headers=admin)
        assert again.json() == {"error": "Not found", "message": "Pipeline not found"}


class TestTrigger:
    async def test_with_event(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        event = {
            "event_type": "schema.changed",
            "workspace_id": WORKSPACE,
            "payload": {"spec_path": "/path/to/spec.yaml", "schema_type": "openapi"},
        }
        response = await api.http.post(
            f"{P}/{created['id']}/trigger", json={"event": event}, headers=admin
        )
        body = response.json()
        assert response.status_code == 200
        assert set(body) == EXECUTION_KEYS
        assert body["pipeline_id"] == created["id"]
        assert body["trigger_event"] == event
        assert (body["status"], body["completed_at"], body["execution_log"]) == (
            "started",
            None,
            [],
        )

    async def test_without_body(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.post(f"{P}/{created['id']}/trigger", headers=admin)
        assert response.status_code == 200
        assert response.json()["trigger_event"] is None

    async def test_bad_event(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.post(
            f"{P}/{created['id']}/trigger",
            json={"event": {"payload": {}}},
            headers=admin,
        )
        assert response.json() == {
            "error": "Invalid request",
            "message": "Missing required field: event.event_type",
        }

    async def test_disabled(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        await api.http.patch(
            f"{P}/{created['id']}", json={"enabled": False}, headers=admin
        )
        response = await api.http.post(f"{P}/{created['id']}/trigger", headers=admin)
        assert (response.status_code, response.json()) == (
            409,
            {"error": "Conflict", "message": "Pipeline is disabled"},
        )

    async def test_unknown(self, api: RunningApp, admin: dict[str, str]) -> None:
        response = await api.http.post(f"{P}/{MISSING}/trigger", headers=admin)
        assert response.status_code == 404


class TestExecutions:
    async def test_list_and_get(self, api: RunningApp, admin: dict[str, str]) -> None:
        a = await create(api, admin, name="a")
        b = await create(api, admin, name="b")
        ids = []
        for p in (a, a, b):
            r = await api.http.post(f"{P}/{p['id']}/trigger", headers=admin)
            ids.append(r.json()["id"])
        everything = (await api.http.get(f"{P}/executions", headers=admin)).json()
        assert {e["id"] for e in everything} == set(ids)
        only_a = await api.http.get(
            f"{P}/executions?pipeline_id={a['id']}&status=started", headers=admin
        )
        assert {e["id"] for e in only_a.json()} == set(ids[:2])
        none = await api.http.get(f"{P}/executions?status=completed", headers=admin)
        assert none.json() == []
        page = await api.http.get(f"{P}/executions?limit=1&offset=1", headers=admin)
        assert len(page.json()) == 1
        one = await api.http.get(f"{P}/executions/{ids[2]}", headers=admin)
        assert one.json()["pipeline_id"] == b["id"]

    async def test_bad_status(self, api: RunningApp, admin: dict[str, str]) -> None:
        response = await api.http.get(f"{P}/executions?status=exploded", headers=admin)
        assert response.status_code == 400
        assert response.json()["message"].startswith("Invalid field status")

    async def test_unknown(self, api: RunningApp, admin: dict[str, str]) -> None:
        for bad in (MISSING, "nope"):
            response = await api.http.get(f"{P}/executions/{bad}", headers=admin)
            assert (response.status_code, response.json()) == (
                404,
                {"error": "Not found", "message": "Pipeline execution not found"},
            )


class TestStats:
    async def test_counts_and_durations(
        self, api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        created = await create(api, admin)
        start = utcnow() - timedelta(minutes=5)
        rows = [
            ("completed", 1.0),
            ("completed", 3.0),
            ("failed", 10.0),
            ("running", None),
        ]
        async with unit_of_work(db) as session:
            for i, (status, seconds) in enumerate(rows):
                began = start + timedelta(seconds=i)
                session.add(
                    PipelineExecution(
                        pipeline_id=created["id"],
                        status=status,
                        started_at=began,
                        completed_at=None
                        if seconds is None
                        else began + timedelta(seconds=seconds),
                        execution_log=[],
                    )
                )
        response = await api.http.get(f"{P}/{created['id']}/stats", headers=admin)
        body = response.json()
        assert response.status_code == 200
        assert body == {
            "pipeline_id": created["id"],
            "total_executions": 4,
            "successful_executions": 2,
            "failed_executions": 1,
            "last_execution_at": body["last_execution_at"],
            "average_duration_ms": 2000,
        }
        assert body["last_execution_at"].endswith("Z")

    async def test_no_executions(self, api: RunningApp, admin: dict[str, str]) -> None:
        created = await create(api, admin)
        response = await api.http.get(f"{P}/{created['id']}/stats", headers=admin)
        assert response.json()["total_executions"] == 0
        assert response.json()["average_duration_ms"] is None
        assert response.json()["last_execution_at"] is None

    async def test_unknown(self, api: RunningApp, admin: dict[str, str]) -> None:
        response = await api.http.get(f"{P}/{MISSING}/stats", headers=admin)
        assert response.status_code == 404


class TestSecrets:
    async def test_masked_out_kept_on_echo(
        self, api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        email = step(
            "mail",
            "notify",
            {
                "type": "email",
                "smtp": {"host": "127.0.0.1", "password": "hunter2", "from": "a@b.c"},
                "to": ["t@b.c"],
                "message": "m",
            },
        )
        slack = step(
            "slack",
            "notify",
            {
                "type": "slack",
                "slack_webhook_url": "http://127.0.0.1:9/T/B/X",
                "message": "m",
            },
        )
        response = await api.http.post(
            P, json=pipeline_body([email, slack]), headers=admin
        )
        shown = response.json()
        assert "hunter2" not in response.text
        assert "/T/B/X" not in response.text
        assert (
            shown["definition"]["steps"][0]["config"]["smtp"]["password"] == "********"
        )
        echoed = shown["definition"]
        echoed["steps"][0]["config"]["message"] = "changed"
        patched = await api.http.patch(
            f"{P}/{shown['id']}", json={"definition": echoed}, headers=admin
        )
        assert patched.status_code == 200
        assert "hunter2" not in patched.text
        async with db() as session:
            stored = await session.get(Pipeline, uuid.UUID(shown["id"]))
        assert stored is not None
        assert "hunter2" not in str(stored.definition)
        assert "/T/B/X" not in str(stored.definition)
        opened = secrets.reveal("pipeline.definition", stored.definition)
        config = opened["steps"][0]["config"]
        assert (config["smtp"]["password"], config["message"]) == ("hunter2", "changed")
        assert opened["steps"][1]["config"]["slack_webhook_url"].endswith("/T/B/X")
        echoed["steps"].reverse()
        reordered = await api.http.patch(
            f"{P}/{shown['id']}", json={"definition": echoed}, headers=admin
        )
        assert reordered.status_code == 200
        async with db() as session:
            stored = await session.get(Pipeline, uuid.UUID(shown["id"]))
        assert stored is not None
        opened = secrets.reveal("pipeline.definition", stored.definition)
        assert opened["steps"][1]["config"]["smtp"]["password"] == "hunter2"
        assert opened["steps"][0]["config"]["slack_webhook_url"].endswith("/T/B/X")
