"""Both REST shapes of workflows: OpsConductor `/api/workflows`, biRun `/workflows/`."""

from __future__ import annotations

import re
from typing import Any

from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory
from worker import runtime
from worker.actors import workflows as workflow_actors

OC = "/api/workflows"
BR = "/birun/api/workflows/"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

OC_NODES = [
    {
        "id": "node-1",
        "type": "trigger:manual",
        "position": {"x": 100, "y": 100},
        "data": {"label": "Start"},
    },
    {
        "id": "node-2",
        "type": "set_variable",
        "position": {"x": 300, "y": 100},
        "data": {"name": "target", "value": "{{ trigger.target }}"},
    },
]
OC_EDGES = [
    {
        "id": "edge-1",
        "source": "node-1",
        "target": "node-2",
        "sourceHandle": "output",
        "targetHandle": "input",
    }
]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def oc_create(app: RunningApp, token: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "Network Discovery", "nodes": OC_NODES, "edges": OC_EDGES, **extra}
    response = await app.http.post(OC, json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


class TestOpsConductorWorkflows:
    async def test_create_and_get_exact_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await oc_create(
            app,
            token,
            description="Discover devices on network",
            tags=["network", "discovery"],
            variables={"subnet": "127.0.4.0/24"},
            settings={"timeout_seconds": 60},
        )
        response = await app.http.get(f"{OC}/{created['id']}", headers=auth(token))
        assert response.status_code == 200
        body = response.json()
        data = body["data"]
        assert UUID.match(data["id"])
        assert ISO.match(data["created_at"])
        assert ISO.match(data["updated_at"])
        assert body == {
            "success": True,
            "data": {
                "id": data["id"],
                "name": "Network Discovery",
                "description": "Discover devices on network",
                "enabled": True,
                "folder_id": None,
                "tags": ["discovery", "network"],
                "created_at": data["created_at"],
                "updated_at": data["updated_at"],
                "last_run_at": None,
                "last_run_status": None,
                "is_template": False,
                "nodes": OC_NODES,
                "edges": OC_EDGES,
                "variables": {"subnet": "127.0.4.0/24"},
                "settings": {"timeout_seconds": 60},
            },
        }

    async def test_invalid_graph_names_the_node(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        edges = [*OC_EDGES, {"id": "back", "source": "node-2", "target": "node-1"}]
        response = await app.http.post(
            OC, json={"name": "loop", "nodes": OC_NODES, "edges": edges},
            headers=auth(token),
        )  # fmt: skip
        assert response.status_code == 400
        error = response.json()["error"]
        assert response.json()["success"] is False
        assert error["code"] == "VALIDATION_ERROR"
        assert error["details"]["node_id"] in {"node-1", "node-2"}
        assert error["message"] == (
            f"Node '{error['details']['node_id']}': "
            "the graph has a cycle through this node"
        )

    async def test_list_filters_and_count(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        folder = await app.http.post(
            f"{OC}/folders", json={"name": "Core"}, headers=auth(token)
        )
        folder_id = folder.json()["data"]["id"]
        await oc_create(app, token, name="alpha", folder_id=folder_id, tags=["net"])
        await oc_create(app, token, name="beta", enabled=False)
        await oc_create(app, token, name="gamma", is_template=True)
        tags = (await app.http.get(f"{OC}/tags", headers=auth(token))).json()["data"]
        net = next(t["id"] for t in tags if t["name"] == "net")

        async def names(query: str) -> tuple[list[str], int]:
            body = (await app.http.get(f"{OC}{query}", headers=auth(token))).json()
            return [w["name"] for w in body["data"]], body["count"]

        assert await names("") == (["alpha", "beta"], 2)
        assert await names("?include_templates=true") == (
            ["alpha", "beta", "gamma"],
            3,
        )
        assert await names(f"?folder_id={folder_id}") == (["alpha"], 1)
        assert await names(f"?tag_id={net}") == (["alpha"], 1)
        assert await names("?enabled=false") == (["beta"], 1)
        assert await names("?search=ET") == (["beta"], 1)
        bad = await app.http.get(f"{OC}?enabled=maybe", headers=auth(token))
        assert bad.status_code == 400

    async def test_update_and_delete(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await oc_create(app, token)
        url = f"{OC}/{created['id']}"
        response = await app.http.put(
            url, json={"name": "Renamed", "tags": ["x"]}, headers=auth(token)
        )
        assert response.status_code == 200
        assert (response.json()["data"]["name"], response.json()["data"]["tags"]) == (
            "Renamed",
            ["x"],
        )
        assert response.json()["data"]["nodes"] == OC_NODES
        deleted = await app.http.delete(url, headers=auth(token))
        assert deleted.json() == {
            "success": True,
            "data": None,
            "message": "Workflow deleted",
        }
        missing = await app.http.get(url, headers=auth(token))
        assert missing.status_code == 404
        assert missing.json() == {
            "success": False,
            "error": {
                "code": "NOT_FOUND",
                "message": f"Workflow '{created['id']}' not found",
                "details": {"workflow_id": created["id"]},
            },
        }

    async def test_viewer_cannot_create(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vic", roles=("viewer",))
        response = await app.http.post(OC, json={"name": "x"}, headers=auth(token))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "FORBIDDEN"

    async def test_execute_then_executions_list_and_detail(
        self, app: RunningApp, make_user: TokenFactory, settings: Settings
    ) -> None:
        token = await make_user()
        created = await oc_create(app, token)
        response = await app.http.post(
            f"{OC}/{created['id']}/execute",
            json={"trigger_data": {"target": "127.0.3.1"}, "test_mode": False},
            headers=auth(token),
        )
        assert response.status_code == 200
        accepted = response.json()["data"]
        assert response.json() == {
            "success": True,
            "data": {
                "execution_id": accepted["execution_id"],
                "status": "running",
                "started_at": accepted["started_at"],
            },
        }
        runtime.configure(settings)
        await workflow_actors.run(accepted["execution_id"])
        listed = await app.http.get(
            f"{OC}/{created['id']}/executions", headers=auth(token)
        )
        assert [x["status"] for x in listed.json()["data"]] == ["success"]
        assert listed.json()["count"] == 1
        detail = await app.http.get(
            f"{OC}/{created['id']}/executions/{accepted['execution_id']}",
            headers=auth(token),
        )
        data = detail.json()["data"]
        assert data["variables"] == {"target": "127.0.3.1"}
        assert [(r["node_id"], r["status"]) for r in data["node_results"]] == [
            ("node-1", "success"),
            ("node-2", "success"),
        ]
        assert data["node_results"][1]["output"] == {
            "name": "target",
            "value": "127.0.3.1",
        }
        summary = await app.http.get(f"{OC}/{created['id']}", headers=auth(token))
        assert summary.json()["data"]["last_run_status"] == "success"

    async def test_disabled_workflow_runs_only_in_test_mode(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await oc_create(app, token, enabled=False)
        url = f"{OC}/{created['id']}/execute"
        refused = await app.http.post(url, json={}, headers=auth(token))
        assert refused.status_code == 409
        assert refused.json()["error"]["details"]["reason"] == "WORKFLOW_NOT_RUNNABLE"
        dry = await app.http.post(url, json={"test_mode": True}, headers=auth(token))
        assert dry.status_code == 200


class TestFoldersAndTags:
    async def test_folder_crud_is_not_shadowed_by_workflow_ids(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await app.http.post(
            f"{OC}/folders", json={"name": "Backups"}, headers=auth(token)
        )
        assert created.status_code == 201
        folder = created.json()["data"]
        assert folder["name"] == "Backups"
        assert UUID.match(folder["id"])
        renamed = await app.http.put(
            f"{OC}/folders/{folder['id']}",
            json={"name": "Nightly"},
            headers=auth(token),
        )
        assert renamed.json()["data"]["name"] == "Nightly"
        listed = await app.http.get(f"{OC}/folders", headers=auth(token))
        assert [f["name"] for f in listed.json()["data"]] == ["Nightly"]
        dup = await app.http.post(
            f"{OC}/folders", json={"name": "nightly"}, headers=auth(token)
        )
        assert dup.status_code == 409
        deleted = await app.http.delete(
            f"{OC}/folders/{folder['id']}", headers=auth(token)
        )
        assert deleted.json()["success"] is True

    async def test_deleting_a_folder_unfiles_its_workflows(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        folder = await app.http.post(
            f"{OC}/folders", json={"name": "Tmp"}, headers=auth(token)
        )
        folder_id = folder.json()["data"]["id"]
        workflow = await oc_create(app, token, folder_id=folder_id)
        await app.http.delete(f"{OC}/folders/{folder_id}", headers=auth(token))
        after = await app.http.get(f"{OC}/{workflow['id']}", headers=auth(token))
        assert after.json()["data"]["folder_id"] is None

    async def test_tag_crud(self, app: RunningApp, make_user: TokenFactory) -> None:
        token = await make_user()
        created = await app.http.post(
            f"{OC}/tags", json={"name": "prod", "color": "#f00"}, headers=auth(token)
        )
        tag = created.json()["data"]
        assert (tag["name"], tag["color"]) == ("prod", "#f00")
        updated = await app.http.put(
            f"{OC}/tags/{tag['id']}", json={"color": "#0f0"}, headers=auth(token)
        )
        assert updated.json()["data"]["color"] == "#0f0"
        await app.http.delete(f"{OC}/tags/{tag['id']}", headers=auth(token))
        gone = await app.http.put(
            f"{OC}/tags/{tag['id']}", json={"color": "#00f"}, headers=auth(token)
        )
        assert gone.status_code == 404


class TestBothShapes:
    async def test_opsconductor_workflow_seen_in_birun_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await oc_create(app, token)
        response = await app.http.get(f"{BR}{created['id']}", headers=auth(token))
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["message"]) == ("success", "Success")
        assert body["data"]["nodes"] == [
            {"id": "node-1", "type": "trigger:manual", "config": {"label": "Start"}},
            {
                "id": "node-2",
                "type": "set_variable",
                "config": {"name": "target", "value": "{{ trigger.target }}"},
            },
        ]
        assert body["data"]["edges"] == [{"from": "node-1", "to": "node-2"}]
        listed = await app.http.get(BR, headers=auth(token))
        assert [w["id"] for w in listed.json()["workflows"]] == [created["id"]]

    async def test_birun_workflow_seen_in_opsconductor_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = {
            "name": "nightly",
            "description": "d",
            "nodes": [
                {"id": "node1", "type": "trigger",
                 "config": {"cron_expression": "0 2 * * *"}},
                {"id": "node2", "type": "ping", "config": {"host": "127.0.0.1"}},
                {"id": "node3", "type": "delay", "config": {"seconds": 1}},
            ],
            "edges": [
                {"from": "node1", "to": "node2"},
                {"from": "node2", "to": "node3", "condition": "failure"},
            ],
        }  # fmt: skip
        created = await app.http.post(BR, json=body, headers=auth(token))
        assert created.status_code == 201, created.text
        assert created.json()["data"]["edges"] == body["edges"]
        workflow_id = created.json()["data"]["id"]
        seen = (await app.http.get(f"{OC}/{workflow_id}", headers=auth(token))).json()
        assert seen["data"]["nodes"][0] == {
            "id": "node1",
            "type": "trigger",
            "position": None,
            "data": {"cron_expression": "0 2 * * *"},
        }
        assert [
            (e["source"], e["target"], e["sourceHandle"]) for e in seen["data"]["edges"]
        ] == [("node1", "node2", None), ("node2", "node3", "failure")]

    async def test_birun_validation_error_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = {
            "name": "bad",
            "nodes": [{"id": "node1", "type": "trigger", "config": {}}],
            "edges": [{"from": "node1", "to": "node9"}],
        }
        response = await app.http.post(BR, json=body, headers=auth(token))
        assert response.status_code == 422
        assert response.json() == {
            "error": "Node 'node9': edge 'node1-node9-output' names a node that does "
            "not exist",
            "status": "error",
            "details": {"node_id": "node9"},
        }

    async def test_birun_run_and_delete(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await oc_create(app, token)
        run = await app.http.post(
            f"{BR}{created['id']}/run", json={}, headers=auth(token)
        )
        assert run.status_code == 200
        assert run.json()["data"]["status"] == "pending"
        assert UUID.match(run.json()["data"]["execution_id"])
        deleted = await app.http.delete(f"{BR}{created['id']}", headers=auth(token))
        assert deleted.json() == {
            "data": None,
            "message": "Workflow deleted",
            "status": "success",
        }
        missing = await app.http.get(f"{BR}{created['id']}", headers=auth(token))
        assert missing.status_code == 404
        assert missing.json()["status"] == "error"
