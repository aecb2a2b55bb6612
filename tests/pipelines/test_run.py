"""Pipelines running in the in-process worker against real peers on loopback.

Slack and webhook targets are a local HTTP server, email an aiosmtpd server,
and GitHub a GitHub-REST-compatible server (tests/pipelines/peers.py): all on
127.0.0.1, nothing leaves the machine.
"""

from __future__ import annotations

import ast
import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from app import events
from app.db import Sessionmaker, unit_of_work, utcnow
from app.pipelines import repository, service
from app.pipelines.errors import StepFailedError
from app.pipelines.inputs import PipelineInput
from app.pipelines.models import PipelineExecution, Promotion
from app.pipelines.steps import pull_request
from app.runtime_settings import service as settings_service
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory, serve
from tests.notifications.peers import http_peer, smtp_peer
from tests.pipelines.conftest import (
    WORKSPACE,
    executions_of,
    finished,
    mock_settings,
    pipeline_body,
    step,
)
from tests.pipelines.peers import GitState, git_server, silent_server
from worker.broker import embedded

P = "/api/v1/pipelines"
RETENTION = "log_retention_days"
PROMOTED = "{{event.entity_id}} now in {{event.to_environment}}"
OPENAPI = {
    "openapi": "3.0.0",
    "info": {"title": "pets", "version": "1"},
    "paths": {
        "/pets": {
            "get": {"operationId": "listPets"},
            "post": {"operationId": "createPet", "requestBody": {}},
        },
        "/pets/{petId}": {"get": {"operationId": "getPet"}},
    },
}


async def run_pipeline(
    app: RunningApp,
    headers: dict[str, str],
    steps: list[dict[str, Any]],
    event: dict[str, Any] | None = None,
) -> dict[str, Any]:
    created = await app.http.post(P, json=pipeline_body(steps), headers=headers)
    assert created.status_code == 200, created.text
    body = {"event": event} if event else None
    started = await app.http.post(
        f"{P}/{created.json()['id']}/trigger", json=body, headers=headers
    )
    assert started.status_code == 200, started.text
    return await finished(app, headers, started.json()["id"])


def schema_event(**payload: Any) -> dict[str, Any]:
    return {
        "event_type": "schema.changed",
        "workspace_id": WORKSPACE,
        "payload": payload,
    }


class TestNotifyStep:
    async def test_webhook(self, worker_api: RunningApp, admin: dict[str, str]) -> None:
        async with http_peer() as peer:
            config = {
                "type": "webhook",
                "webhook_url": peer.url + "/hook",
                "message": "Schema changed: {{event.spec_path}}",
                "payload": {"custom_field": "value"},
            }
            done = await run_pipeline(
                worker_api,
                admin,
                [step("notify", "notify", config)],
                schema_event(spec_path="/specs/a.yaml"),
            )
            got = await peer.wait_for(1)
        assert done["status"] == "completed", done
        sent = got[0].json()
        assert (got[0].method, got[0].path) == ("POST", "/hook")
        assert sent["message"] == "Schema changed: /specs/a.yaml"
        assert sent["data"]["custom_field"] == "value"
        assert sent["data"]["event"]["payload"] == {"spec_path": "/specs/a.yaml"}
        entry = done["execution_log"][0]
        assert (entry["step_name"], entry["step_type"], entry["status"]) == (
            "notify",
            "notify",
            "completed",
        )
        assert entry["output"]["sent"][0]["status_code"] == 200
        assert entry["completed_at"].endswith("Z")

    async def test_slack_each_channel(
        self, worker_api: RunningApp, admin: dict[str, str]
    ) -> None:
        async with http_peer() as peer:
            config = {
                "type": "slack",
                "slack_webhook_url": peer.url + "/services/T/B/X",
                "channels": ["#devops", "#alerts"],
                "message": "SDKs regenerated",
            }
            done = await run_pipeline(
                worker_api, admin, [step("slack", "notify", config)]
            )
            got = await peer.wait_for(2)
        assert done["status"] == "completed"
        assert [r.json()["channel"] for r in got] == ["#devops", "#alerts"]
        assert got[0].json()["text"] == "SDKs regenerated"

    async def test_email(self, worker_api: RunningApp, admin: dict[str, str]) -> None:
        async with smtp_peer("user@example.com", "pw") as (port, inbox):
            config = {
                "type": "email",
                "smtp": {
                    "host": "127.0.0.1",
                    "port": port,
                    "username": "user@example.com",
                    "password": "pw",
                    "from": "mockforge@example.com",
                    "security": "none",
                },
                "to": ["team@example.com"],
                "subject": "Pipeline Notification",
                "message": "Schema changed",
            }
            done = await run_pipeline(
                worker_api, admin, [step("mail", "notify", config)]
            )
        assert done["status"] == "completed", done
        envelope, message = inbox.messages[0]
        assert envelope.rcpt_tos == ["team@example.com"]
        assert message["Subject"] == "Pipeline Notification"
        assert inbox.logins == [True]
        assert "pw" not in str(done)

    async def test_failed_send_fails_the_execution(
        self, worker_api: RunningApp, admin: dict[str, str]
    ) -> None:
        async with http_peer(500) as peer:
            config = {"type": "webhook", "webhook_url": peer.url, "message": "x"}
            later = {**config, "message": "never"}
            done = await run_pipeline(
                worker_api,
                admin,
                [step("first", "notify", config), step("second", "notify", later)],
            )
            await asyncio.sleep(0.2)
        assert done["status"] == "failed"
        assert (
            done["error_message"]
            == "Step 'first' failed: webhook send failed: HTTP 500"
        )
        assert [e["step_name"] for e in done["execution_log"]] == ["first"]
        assert len(peer.received) == 1

    async def test_continue_on_error(
        self, worker_api: RunningApp, admin: dict[str, str]
    ) -> None:
        async with http_peer(500) as peer:
            config = {"type": "webhook", "webhook_url": peer.url, "message": "x"}
            done = await run_pipeline(
                worker_api,
                admin,
                [
                    step("first", "notify", config, continue_on_error=True),
                    step("second", "notify", config),
                ],
            )
        assert done["status"] == "completed"
        assert [e["status"] for e in done["execution_log"]] == ["failed", "completed"]


class TestRegenerateSdkStep:
    async def test_generates_clients(
        self, worker_api: RunningApp, admin: dict[str, str], workspace: Path
    ) -> None:
        (workspace / "specs").mkdir()
        (workspace / "specs" / "pets.yaml").write_text(yaml.safe_dump(OPENAPI))
        config = {
            "spec_path": "{{event.spec_path}}",
            "output_dir": "./generated-sdks",
            "languages": ["typescript", "rust", "python", "javascript"],
            "port": 3100,
        }
        done = await run_pipeline(
            worker_api,
            admin,
            [step("regenerate_sdk", "regenerate_sdk", config)],
            schema_event(spec_path="specs/pets.yaml"),
        )
        assert done["status"] == "completed", done
        output = done["execution_log"][0]["output"]
        assert output["generated_files"] == [
            "javascript/client.js",
            "python/client.py",
            "rust/Cargo.toml",
            "rust/src/lib.rs",
            "typescript/client.ts",
        ]
        assert (output["operations"], output["status"]) == (3, "success")
        out = workspace / "generated-sdks"
        ts = (out / "typescript/client.ts").read_text()
        assert "listPets(): Promise<unknown>" in ts
        assert "getPet(petId: string | number)" in ts
        assert '"http://localhost:3100"' in ts
        assert (
            "pub fn get_pet(&self, pet_id: &str)"
            in (out / "rust/src/lib.rs").read_text()
        )
        tree = ast.parse((out / "python/client.py").read_text())
        client = next(n for n in tree.body if isinstance(n, ast.ClassDef))
        methods = [n.name for n in client.body if isinstance(n, ast.FunctionDef)]
        assert methods == ["__init__", "request", "list_pets", "create_pet", "get_pet"]

    async def test_outside_workspace_refused_at_run(
        self, worker_api: RunningApp, admin: dict[str, str], tmp_path: Path
    ) -> None:
        # a literal path outside is refused at save (test_rest.py); one that
        # comes from the event is only known, and refused, when the step runs
        (tmp_path / "secret.yaml").write_text(yaml.safe_dump(OPENAPI))
        config = {"spec_path": "{{event.spec_path}}", "languages": ["typescript"]}
        done = await run_pipeline(
            worker_api,
            admin,
            [step("sdk", "regenerate_sdk", config)],
            schema_event(spec_path="../secret.yaml"),
        )
        assert done["status"] == "failed"
        assert done["execution_log"][0]["error_message"] == (
            "spec_path must be inside the pipelines workspace"
        )

    async def test_unknown_language(
        self, worker_api: RunningApp, admin: dict[str, str], workspace: Path
    ) -> None:
        (workspace / "pets.json").write_text('{"paths": {"/a": {"get": {}}}}')
        config = {"spec_path": "pets.json", "languages": ["cobol"]}
        done = await run_pipeline(
            worker_api, admin, [step("sdk", "regenerate_sdk", config)]
        )
        assert "unsupported language 'cobol'" in done["error_message"]


class TestAutoPromoteStep:
    async def test_records_and_triggers_followers(
        self, worker_api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        async with http_peer() as peer:
            follower = pipeline_body(
                [
                    step(
                        "tell",
                        "notify",
                        {
                            "type": "webhook",
                            "webhook_url": peer.url,
                            "message": PROMOTED,
                        },
                    )
                ],
                triggers=[
                    {
                        "event": "promotion.completed",
                        "filters": {"to_environment": "test"},
                    }
                ],
                name="on-promotion",
            )
            r = await worker_api.http.post(P, json=follower, headers=admin)
            assert r.status_code == 200
            config = {
                "entity_type": "scenario",
                "entity_id": "{{event.scenario_id}}",
                "from_environment": "dev",
                "to_environment": "test",
                "comments": "Auto-promoted",
            }
            done = await run_pipeline(
                worker_api,
                admin,
                [step("auto_promote", "auto_promote", config)],
                {
                    "event_type": "scenario.published",
                    "payload": {"scenario_id": "sc-42"},
                },
            )
            got = await peer.wait_for(1)
        assert done["status"] == "completed", done
        async with db() as session:
            promotion = (await session.scalars(select(Promotion))).one()
        assert (promotion.entity_id, promotion.to_environment) == ("sc-42", "test")
        assert str(promotion.execution_id) == done["id"]
        assert got[0].json()["message"] == "sc-42 now in test"

    async def test_empty_entity_fails(
        self, worker_api: RunningApp, admin: dict[str, str]
    ) -> None:
        config = {
            "entity_type": "scenario",
            "entity_id": "{{event.scenario_id}}",
            "from_environment": "dev",
            "to_environment": "test",
        }
        done = await run_pipeline(
            worker_api, admin, [step("p", "auto_promote", config)]
        )
        assert done["status"] == "failed"
        assert "entity_id" in done["execution_log"][0]["error_message"]


class TestCreatePrStep:
    async def test_opens_pull_request(
        self,
        db: Sessionmaker,
        pg_url: str,
        workspace: Path,
        make_user: TokenFactory,
    ) -> None:
        state = GitState("org/repo", {"main": {"README.md": "hello"}})
        async with git_server(state) as git:
            settings = mock_settings(
                pg_url,
                workspace,
                pipelines_git_api_url=git.url,
                pipelines_git_token="ghp-test-token",
            )
            async with serve(settings, background=embedded) as app:
                headers = {"Authorization": f"Bearer {await make_user()}"}
                config = {
                    "repository": "https://github.com/org/repo",
                    "branch": "main",
                    "head_branch": "sdk-update",
                    "title": "Auto-generated PR: Schema changes",
                    "body": "Generated for {{event.spec_path}}",
                    "files": [
                        {"path": "generated-sdks/mock_server.ts", "content": "x"},
                        {"path": "README.md", "content": "new", "operation": "update"},
                    ],
                }
                done = await run_pipeline(
                    app,
                    headers,
                    [step("pr", "create_pr", config)],
                    schema_event(spec_path="a.yaml"),
                )
        assert done["status"] == "completed", done
        output = done["execution_log"][0]["output"]
        assert output["pr_number"] == 1
        assert output["files"] == {
            "generated-sdks/mock_server.ts": "created",
            "README.md": "updated",
        }
        assert state.pulls[0]["body"] == "Generated for a.yaml"
        assert (state.pulls[0]["head"], state.pulls[0]["base"]) == (
            "sdk-update",
            "main",
        )
        assert state.branches["sdk-update"]["README.md"] == "new"
        assert state.branches["main"]["README.md"] == "hello"
        assert set(state.auth) == {"Bearer ghp-test-token"}

    async def test_missing_base_branch(
        self, db: Sessionmaker, pg_url: str, workspace: Path, make_user: TokenFactory
    ) -> None:
        state = GitState("org/repo", {"main": {}})
        async with git_server(state) as git:
            settings = mock_settings(pg_url, workspace, pipelines_git_api_url=git.url)
            async with serve(settings, background=embedded) as app:
                headers = {"Authorization": f"Bearer {await make_user()}"}
                config = {
                    "repository": "org/repo",
                    "branch": "develop",
                    "title": "t",
                    "files": [{"path": "a", "content": "b"}],
                }
                done = await run_pipeline(
                    app, headers, [step("pr", "create_pr", config)]
                )
        assert done["status"] == "failed"
        assert done["execution_log"][0]["error_message"] == (
            "GET /git/ref/heads/develop: HTTP 404"
        )
        assert state.pulls == []


class TestStepTimeout:
    async def test_timeout_fails_the_step(
        self, db: Sessionmaker, pg_url: str, workspace: Path, make_user: TokenFactory
    ) -> None:
        async with silent_server() as url:
            settings = mock_settings(pg_url, workspace, pipelines_git_api_url=url)
            async with serve(settings, background=embedded) as app:
                headers = {"Authorization": f"Bearer {await make_user()}"}
                config = {
                    "repository": "org/repo",
                    "title": "t",
                    "files": [{"path": "a"}],
                }
                done = await run_pipeline(
                    app, headers, [step("pr", "create_pr", config, timeout=0.5)]
                )
        assert done["status"] == "failed"
        assert done["execution_log"][0]["error_message"] == "timed out after 0.5s"


class TestEventTriggers:
    async def test_domain_event_starts_matching_pipelines_once(
        self, worker_api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        async with http_peer() as peer:
            hook = {
                "type": "webhook",
                "webhook_url": peer.url,
                "message": "{{event.spec_path}}",
            }
            wanted = pipeline_body(
                [step("n", "notify", hook)],
                triggers=[
                    {"event": "schema.changed", "filters": {"schema_type": "openapi"}}
                ],
                name="openapi-only",
            )
            other = pipeline_body(
                [step("n", "notify", hook)],
                triggers=[
                    {"event": "schema.changed", "filters": {"schema_type": "protobuf"}}
                ],
                name="protobuf-only",
            )
            for body in (wanted, other):
                assert (
                    await worker_api.http.post(P, json=body, headers=admin)
                ).is_success
            async with unit_of_work(db) as session:
                await events.emit_domain(
                    session,
                    "schema.changed",
                    {
                        "spec_path": "/s.yaml",
                        "schema_type": "openapi",
                        "workspace_id": WORKSPACE,
                    },
                )
                await events.emit_domain(session, "device.created", {"device_id": 1})
            got = await peer.wait_for(1)
            await asyncio.sleep(0.5)
        runs = await executions_of(db)
        assert len(runs) == 1
        assert runs[0].trigger_event is not None
        assert runs[0].trigger_event["event_type"] == "schema.changed"
        assert [r.json()["message"] for r in got] == ["/s.yaml"]

    async def test_other_workspace_ignored(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as session:
            await service.create_pipeline(
                session,
                PipelineInput.model_validate(pipeline_body([])),
                Settings(_env_file=None),
            )
            other = {"workspace_id": "550e8400-e29b-41d4-a716-446655440099"}
            assert (
                await service.dispatch_event(session, 7, "schema.changed", other) == []
            )
            mine = {"workspace_id": WORKSPACE}
            started = await service.dispatch_event(session, 8, "schema.changed", mine)
            assert len(started) == 1
            again = await service.dispatch_event(session, 8, "schema.changed", mine)
            assert again == []


class TestRedelivery:
    async def test_second_run_is_a_no_op(
        self, api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        async with http_peer() as peer:
            hook = {"type": "webhook", "webhook_url": peer.url, "message": "once"}
            created = await api.http.post(
                P, json=pipeline_body([step("n", "notify", hook)]), headers=admin
            )
            started = await api.http.post(
                f"{P}/{created.json()['id']}/trigger", headers=admin
            )
            execution_id = started.json()["id"]
            for _ in range(2):
                await service.run_execution(db, api.settings, uuid.UUID(execution_id))
        assert len(peer.received) == 1
        runs = await executions_of(db)
        assert runs[0].status == "completed"
        assert len(runs[0].execution_log) == 1


class TestCreatePrInputs:
    def test_repository_names(self) -> None:
        assert pull_request.repo_of("https://github.com/org/repo.git") == "org/repo"
        assert pull_request.repo_of("org/repo") == "org/repo"
        for bad in ("repo", "org/..", "https://github.com/org/re po"):
            with pytest.raises(StepFailedError):
                pull_request.repo_of(bad)

    def test_paths_cannot_climb(self) -> None:
        assert pull_request.checked_path("feature/x", "branch") == "feature/x"
        for bad in ("../../admin", "a/../b", "", "a//b"):
            with pytest.raises(StepFailedError):
                pull_request.checked_path(bad, "file path")


class TestLapsedLeases:
    async def test_reconciler_fails_abandoned_runs_and_fences_the_worker(
        self, api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        hook = {"type": "webhook", "webhook_url": "http://127.0.0.1:9", "message": "m"}
        created = await api.http.post(
            P, json=pipeline_body([step("n", "notify", hook)]), headers=admin
        )
        pid = created.json()["id"]
        ids = [
            (await api.http.post(f"{P}/{pid}/trigger", headers=admin)).json()["id"]
            for _ in range(2)
        ]
        past = utcnow() - timedelta(seconds=1)
        async with unit_of_work(db) as session:
            leases = (past, utcnow() + timedelta(hours=1))
            for execution_id, lease in zip(ids, leases, strict=True):
                row = await session.get(PipelineExecution, uuid.UUID(execution_id))
                assert row is not None
                row.status, row.lease_expires_at = "running", lease
        async with unit_of_work(db) as session:
            assert await service.fail_lapsed(session) == 1
        lost = await api.http.get(f"{P}/executions/{ids[0]}", headers=admin)
        assert lost.json()["status"] == "failed"
        assert lost.json()["error_message"] == service.LAPSED
        assert lost.json()["completed_at"] is not None
        held = await api.http.get(f"{P}/executions/{ids[1]}", headers=admin)
        assert held.json()["status"] == "running"
        async with unit_of_work(db) as session:
            finished_late = await repository.finish(
                session, uuid.UUID(ids[0]), "completed", None, utcnow()
            )
        assert finished_late is False


class TestConfigChanged:
    async def test_runtime_setting_change_triggers(
        self, worker_api: RunningApp, admin: dict[str, str], db: Sessionmaker
    ) -> None:
        async with http_peer() as peer:
            hook = {
                "type": "webhook",
                "webhook_url": peer.url,
                "message": "{{event.key}}: {{event.old_value}} -> {{event.new_value}}",
            }
            body = pipeline_body(
                [step("n", "notify", hook)],
                triggers=[
                    {
                        "event": "config.changed",
                        "filters": {"key": "log_retention_days"},
                    }
                ],
                name="on-config",
            )
            assert (await worker_api.http.post(P, json=body, headers=admin)).is_success
            async with unit_of_work(db) as session:
                await settings_service.update(session, {"log_retention_days": 7}, None)
            got = await peer.wait_for(1)
        # old_value is null (never set before), which renders as nothing
        assert got[0].json()["message"] == "log_retention_days:  -> 7"
