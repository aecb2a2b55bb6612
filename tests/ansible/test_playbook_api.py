"""Ansible Hub Playbook API: exact shapes and error codes."""

from __future__ import annotations

import re
from typing import Any

from app.db import Sessionmaker
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import closed_port_inventory, store_inventory
from tests.conftest import RunningApp, TokenFactory

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NEW = {
    "name": "New Playbook",
    "type": "Machine",
    "main": {"hosts": "all", "gather_facts": False},
    "tasks": [
        {
            "enabled": True,
            "content": "name: Install package\napt:\n  name: nginx\n  state: present",
        }
    ],
}


async def _auth(
    make_user: TokenFactory, roles: tuple[str, ...] = ("admin",)
) -> dict[str, str]:
    token = await make_user(username=roles[0], roles=roles)
    return {"Authorization": f"Bearer {token}"}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "error": {"code": code, "message": message}}


class TestCreatePlaybook:
    async def test_created_in_documented_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.post(
            "/api/playbooks", json=NEW, headers=await _auth(make_user)
        )
        assert response.status_code == 201
        body = response.json()
        data = body["data"]
        assert ISO.match(data.pop("created_at"))
        assert ISO.match(data.pop("updated_at"))
        task_id = data["tasks"][0].pop("id")
        assert isinstance(task_id, int)
        assert body == {
            "success": True,
            "message": "Playbook 創建成功",
            "data": {
                "id": data["id"],
                "name": "New Playbook",
                "type": "Machine",
                "status": "Not start",
                "main": {"hosts": "all", "gather_facts": False},
                "tasks": [{"enabled": True, "content": NEW["tasks"][0]["content"]}],
                "last_run_at": None,
            },
        }

    async def test_invalid_yaml_names_task_line_and_column(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        bad = {
            **NEW,
            "tasks": [
                {"enabled": True, "content": "name: ok\ndebug:\n  msg: hi"},
                {"enabled": True, "content": "name: broken\ndebug:\n  msg: [unclosed"},
            ],
        }
        response = await app.http.post(
            "/api/playbooks", json=bad, headers=await _auth(make_user)
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "INVALID_YAML_FORMAT"
        assert error["message"] == (
            "Task 2: invalid YAML at line 3, column 17: "
            "expected ',' or ']', but got '<stream end>'"
        )

    async def test_task_that_is_not_a_mapping(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        bad = {**NEW, "tasks": [{"enabled": True, "content": "- just\n- a list"}]}
        response = await app.http.post(
            "/api/playbooks", json=bad, headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()["error"]["code"]) == (
            422,
            "PLAYBOOK_VALIDATION_ERROR",
        )
        assert response.json()["error"]["message"].startswith("Task 1:")

    async def test_play_without_hosts(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        bad = {**NEW, "main": {"gather_facts": False}}
        response = await app.http.post(
            "/api/playbooks", json=bad, headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            422,
            _error(
                "PLAYBOOK_VALIDATION_ERROR", "main.hosts must be a non-empty string"
            ),
        )

    async def test_play_with_unknown_keyword(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        bad = {**NEW, "main": {"hosts": "all", "become": True, "colour": "red"}}
        response = await app.http.post(
            "/api/playbooks", json=bad, headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            422,
            _error(
                "PLAYBOOK_VALIDATION_ERROR",
                "main.colour is not an Ansible play keyword",
            ),
        )

    async def test_unknown_type(self, app: RunningApp, make_user: TokenFactory) -> None:
        response = await app.http.post(
            "/api/playbooks",
            json={**NEW, "type": "Robot"},
            headers=await _auth(make_user),
        )
        assert (response.status_code, response.json()) == (
            422,
            _error("PLAYBOOK_VALIDATION_ERROR", "type must be one of Machine, Other"),
        )

    async def test_duplicate_name(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await make_playbook(db, "New Playbook")
        response = await app.http.post(
            "/api/playbooks", json=NEW, headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            409,
            _error(
                "PLAYBOOK_NAME_DUPLICATE",
                "Playbook name 'New Playbook' is already in use",
            ),
        )

    async def test_viewer_may_not_create(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.post(
            "/api/playbooks", json=NEW, headers=await _auth(make_user, ("viewer",))
        )
        assert response.status_code == 403
        error = response.json()["error"]
        assert (error["code"], error["details"]["reason"]) == (
            "PLAYBOOK_VALIDATION_ERROR",
            "FORBIDDEN",
        )


class TestUpdatePlaybook:
    async def test_sent_ids_are_kept_and_new_tasks_get_new_ids(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        first, second = (t.id for t in playbook.tasks)
        update = {
            "name": "Updated Playbook",
            "type": "Machine",
            "main": {"hosts": "webservers", "gather_facts": True},
            "tasks": [
                {
                    "id": second,
                    "enabled": False,
                    "content": "name: t2\ndebug:\n  msg: b",
                },
                {"enabled": True, "content": 'name: new task\ndebug:\n  msg: "Hello"'},
            ],
        }
        response = await app.http.put(
            f"/api/playbooks/{playbook.id}", json=update, headers=await _auth(make_user)
        )
        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Playbook 更新成功"
        tasks = body["data"]["tasks"]
        assert tasks[0] == {
            "id": second,
            "enabled": False,
            "content": "name: t2\ndebug:\n  msg: b",
        }
        assert tasks[1]["id"] not in (first, second)
        assert tasks[1]["content"] == 'name: new task\ndebug:\n  msg: "Hello"'
        assert body["data"]["main"] == {"hosts": "webservers", "gather_facts": True}
        again = await app.http.get(
            f"/api/playbooks/{playbook.id}", headers=await _auth(make_user, ("viewer",))
        )
        assert [t["id"] for t in again.json()["data"]["tasks"]] == [
            second,
            tasks[1]["id"],
        ]

    async def test_task_id_of_another_playbook_is_refused(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        mine = await make_playbook(db, "mine")
        other = await make_playbook(db, "other")
        foreign = other.tasks[0].id
        update = {"tasks": [{"id": foreign, "enabled": True, "content": "debug: {}"}]}
        response = await app.http.put(
            f"/api/playbooks/{mine.id}", json=update, headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            422,
            _error(
                "PLAYBOOK_VALIDATION_ERROR",
                f"Task 1: id {foreign} is not a task of this playbook",
            ),
        )

    async def test_invalid_yaml_on_update(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        update = {"tasks": [{"enabled": True, "content": "name: x\n  bad: indent"}]}
        response = await app.http.put(
            f"/api/playbooks/{playbook.id}", json=update, headers=await _auth(make_user)
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "INVALID_YAML_FORMAT"
        assert error["message"].startswith("Task 1: invalid YAML at line 2, column 6")

    async def test_unknown_playbook(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.put(
            "/api/playbooks/999", json={"name": "x"}, headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            404,
            _error("PLAYBOOK_NOT_FOUND", "Playbook 999 not found"),
        )

    async def test_rename_to_taken_name(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await make_playbook(db, "taken")
        playbook = await make_playbook(db, "mine")
        response = await app.http.put(
            f"/api/playbooks/{playbook.id}",
            json={"name": "taken"},
            headers=await _auth(make_user),
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "PLAYBOOK_NAME_DUPLICATE"


class TestListPlaybooks:
    async def test_filters_and_pagination(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        for name in ("Ansible GUI", "Ansible introduction", "Other thing"):
            await make_playbook(db, name)
        await make_playbook(db, "Ansible misc", type_="Other")
        headers = await _auth(make_user, ("viewer",))
        response = await app.http.get(
            "/api/playbooks?search=ansible&type=Machine&page=1&per_page=1",
            headers=headers,
        )
        assert response.status_code == 200
        body = response.json()
        assert body["data"]["pagination"] == {
            "page": 1,
            "per_page": 1,
            "total": 2,
            "total_pages": 2,
        }
        item = body["data"]["items"][0]
        assert set(item) == {
            "id",
            "name",
            "type",
            "status",
            "last_run_at",
            "created_at",
            "updated_at",
        }
        assert (item["name"], item["status"], item["last_run_at"]) == (
            "Ansible GUI",
            "Not start",
            None,
        )
        page2 = await app.http.get(
            "/api/playbooks?search=ansible&type=Machine&page=2&per_page=1",
            headers=headers,
        )
        assert [i["name"] for i in page2.json()["data"]["items"]] == [
            "Ansible introduction"
        ]
        failed = await app.http.get("/api/playbooks?status=Fail", headers=headers)
        assert failed.json()["data"]["items"] == []
        not_started = await app.http.get(
            "/api/playbooks?status=Not%20start", headers=headers
        )
        assert not_started.json()["data"]["pagination"]["total"] == 4

    async def test_bad_status_filter(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.get(
            "/api/playbooks?status=Done", headers=await _auth(make_user)
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "PLAYBOOK_VALIDATION_ERROR"


class TestGetPlaybook:
    async def test_unknown_playbook(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.get(
            "/api/playbooks/12345", headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            404,
            _error("PLAYBOOK_NOT_FOUND", "Playbook 12345 not found"),
        )


class TestDeletePlaybook:
    async def test_deleted_then_gone(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        headers = await _auth(make_user)
        response = await app.http.delete(
            f"/api/playbooks/{playbook.id}", headers=headers
        )
        assert (response.status_code, response.json()) == (
            200,
            {"success": True, "message": "Playbook 刪除成功"},
        )
        again = await app.http.delete(f"/api/playbooks/{playbook.id}", headers=headers)
        assert again.status_code == 404
        assert again.json()["error"]["code"] == "PLAYBOOK_NOT_FOUND"


class TestExecute:
    async def test_job_is_queued_in_documented_shape(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        first = await make_playbook(db, "Ansible GUI")
        second = await make_playbook(db, "Ansible introduction")
        headers = await _auth(make_user)
        inventory_id = await store_inventory(db, closed_port_inventory())
        response = await app.http.post(
            "/api/playbooks/execute",
            json={
                "playbook_ids": [first.id, second.id],
                "inventory_id": inventory_id,
                "extra_vars": {"env": "prod"},
            },
            headers=headers,
        )
        assert response.status_code == 200
        body = response.json()
        job_id = body["data"]["job_id"]
        assert re.match(r"^job-[0-9a-f]{12}$", job_id)
        assert ISO.match(body["data"].pop("created_at"))
        assert body == {
            "success": True,
            "message": "Playbook 執行已排程",
            "data": {
                "job_id": job_id,
                "status": "queued",
                "playbooks": [
                    {"id": first.id, "name": "Ansible GUI", "status": "queued"},
                    {
                        "id": second.id,
                        "name": "Ansible introduction",
                        "status": "queued",
                    },
                ],
            },
        }
        status = await app.http.get(f"/api/playbooks/jobs/{job_id}", headers=headers)
        data = status.json()["data"]
        assert ISO.match(data.pop("created_at"))
        assert data == {
            "job_id": job_id,
            "status": "queued",
            "playbooks": [
                {
                    "id": p.id,
                    "name": p.name,
                    "status": "queued",
                    "output": "",
                    "started_at": None,
                    "completed_at": None,
                }
                for p in (first, second)
            ],
            "started_at": None,
            "completed_at": None,
        }

    async def test_unknown_playbook(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        response = await app.http.post(
            "/api/playbooks/execute",
            json={"playbook_ids": [playbook.id, 777]},
            headers=await _auth(make_user),
        )
        assert (response.status_code, response.json()) == (
            404,
            _error("PLAYBOOK_NOT_FOUND", "Playbook 777 not found"),
        )

    async def test_unknown_inventory(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        response = await app.http.post(
            "/api/playbooks/execute",
            json={"playbook_ids": [playbook.id], "inventory_id": 31337},
            headers=await _auth(make_user),
        )
        assert (response.status_code, response.json()) == (
            404,
            _error("INVENTORY_NOT_FOUND", "Inventory 31337 not found"),
        )

    async def test_empty_playbook_list(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.post(
            "/api/playbooks/execute",
            json={"playbook_ids": []},
            headers=await _auth(make_user),
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "PLAYBOOK_VALIDATION_ERROR"

    async def test_unknown_job(self, app: RunningApp, make_user: TokenFactory) -> None:
        response = await app.http.get(
            "/api/playbooks/jobs/job-nope", headers=await _auth(make_user)
        )
        assert (response.status_code, response.json()) == (
            404,
            _error("JOB_NOT_FOUND", "Job 'job-nope' not found"),
        )
