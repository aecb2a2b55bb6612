"""GraphQL face of the Ansible Hub: unions, rendered YAML, live job events, cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.ansible import job_runs
from app.db import Sessionmaker
from app.executions.graphql.types import Execution
from app.graphql.nodes import global_id
from tests import gqlws
from tests.ansible.helpers import COMMAND_TASK, DEBUG_TASK, FAIL_TASK, make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    queue_job,
    ssh_inventory,
    store_inventory,
)
from tests.conftest import RunningApp, TokenFactory
from tests.sshd import openssh_server

CREATE = """
mutation ($input: CreateAnsiblePlaybookInput!) {
  createAnsiblePlaybook(input: $input) {
    __typename
    ... on AnsiblePlaybookSuccess { playbook { id rendered tasks { id enabled } } }
    ... on InvalidYamlFormat { message task line column }
    ... on AnsiblePlaybookInvalid { message }
    ... on AnsiblePlaybookNameDuplicate { message name }
  }
}
"""
EXECUTE = """
mutation ($input: ExecuteAnsiblePlaybooksInput!) {
  executeAnsiblePlaybooks(input: $input) {
    __typename
    ... on AnsibleJobSuccess { job { id status playbooks { name status } } }
    ... on AnsiblePlaybookNotFound { playbookId }
    ... on AnsibleJobInvalid { message }
  }
}
"""
CANCEL = """
mutation ($id: ID!) {
  cancelAnsibleJob(jobId: $id) {
    __typename
    ... on AnsibleJobSuccess { job { status } }
    ... on AnsibleJobNotFound { jobId }
    ... on AnsibleJobNotCancellable { status }
  }
}
"""
EVENTS = """
subscription ($id: ID!) { executionEvents(executionId: $id) { seq type data } }
"""
EXECUTION_ID = "query ($id: ID!) { ansibleJob(id: $id) { executionId } }"
SLOW_TASK = "name: pause\ncommand: sleep 1"


def _input(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "gql playbook",
        "type": "Other",
        "main": {"hosts": "all", "gather_facts": False, "become": False},
        "tasks": [
            {"enabled": True, "content": COMMAND_TASK},
            {"enabled": False, "content": FAIL_TASK},
            {"enabled": True, "content": DEBUG_TASK},
        ],
    }
    return {**base, **overrides}


class TestCreateAnsiblePlaybook:
    async def test_rendered_yaml_has_only_enabled_tasks(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(CREATE, {"input": _input()}, token)
        result = body["data"]["createAnsiblePlaybook"]
        assert result["__typename"] == "AnsiblePlaybookSuccess"
        rendered = yaml.safe_load(result["playbook"]["rendered"])
        assert rendered == [
            {
                "hosts": "all",
                "gather_facts": False,
                "become": False,
                "tasks": [
                    {"name": "say hello", "command": "echo hello-from-ansible"},
                    {"name": "show message", "debug": {"msg": "debug says hi"}},
                ],
            }
        ]
        assert [t["enabled"] for t in result["playbook"]["tasks"]] == [
            True,
            False,
            True,
        ]

    async def test_invalid_yaml_is_a_union_member(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        tasks = [{"enabled": True, "content": "name: a\n\tdebug: {}"}]
        body = await app.gql(CREATE, {"input": _input(tasks=tasks)}, await make_user())
        assert body["data"]["createAnsiblePlaybook"] == {
            "__typename": "InvalidYamlFormat",
            "message": "Task 1: invalid YAML at line 2, column 1: "
            "found character '\\t' that cannot start any token",
            "task": 1,
            "line": 2,
            "column": 1,
        }

    async def test_scalar_task_is_invalid(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        tasks = [{"enabled": True, "content": "just words"}]
        body = await app.gql(CREATE, {"input": _input(tasks=tasks)}, await make_user())
        result = body["data"]["createAnsiblePlaybook"]
        assert result["__typename"] == "AnsiblePlaybookInvalid"
        assert result["message"].startswith("Task 1: a task must be a YAML mapping")

    async def test_viewer_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("viewer",))
        body = await app.gql(CREATE, {"input": _input()}, token)
        assert body["data"] is None
        assert "playbooks.ansible_playbook.create" in body["errors"][0]["message"]


class TestExecutionEvents:
    async def test_ssh_run_streams_in_order_while_it_goes(
        self,
        app: RunningApp,
        db: Sessionmaker,
        make_user: TokenFactory,
        tmp_path: Path,
    ) -> None:
        playbook = await make_playbook(
            db, tasks=[(True, COMMAND_TASK), (True, SLOW_TASK), (True, DEBUG_TASK)]
        )
        token = await make_user()
        async with openssh_server(tmp_path / "sshd") as server:
            job_id = await queue_job(db, [playbook.id], ssh_inventory(server))
            body = await app.gql(EXECUTION_ID, {"id": job_id}, token)
            execution_id = global_id(
                Execution, body["data"]["ansibleJob"]["executionId"]
            )
            async with gqlws.connect(app.ws_url, token) as ws:
                await ws.subscribe(EVENTS, {"id": execution_id})
                running = asyncio.create_task(job_runs.run_job(db, job_id))
                seen = await _until_final(ws, running)
                await running
        assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))
        assert [e["data"]["status"] for e in seen if e["type"] == "status"] == [
            "pending",
            "running",
            "completed",
        ]
        hosts = [
            (e["type"], e["data"]["host"], e["data"]["task"])
            for e in seen
            if e["type"].startswith("host.")
        ]
        assert hosts == [
            ("host.changed", "target", "say hello"),
            ("host.changed", "target", "pause"),
            ("host.ok", "target", "show message"),
        ]
        kinds = [e["type"] for e in seen if e["type"] != "output"]
        assert kinds[:6] == [
            "status",
            "job.queued",
            "status",
            "job.started",
            "playbook.started",
            "play.started",
        ]
        assert kinds[-3:] == ["playbook.completed", "job.completed", "status"]
        recap = next(e for e in seen if e["type"] == "play.recap")
        assert recap["data"]["hosts"]["target"]["changed"] == 2


async def _until_final(
    ws: gqlws.Subscriber, running: asyncio.Task[None]
) -> list[dict[str, Any]]:
    """Events up to the final status; host results must arrive mid-run."""
    seen: list[dict[str, Any]] = []
    while not (seen and seen[-1]["type"] == "status" and seen[-1]["data"]["final"]):
        event = (await asyncio.wait_for(ws.next_data(), 30))["executionEvents"]
        if event["type"] == "host.changed":
            assert not running.done()  # live: seen before the run ended
        seen.append(event)
    return seen


PROGRESS = """
subscription ($id: ID!) {
  executionProgress(executionId: $id) { status hostsDone hostsTotal percent }
}
"""
CHANGED = """
subscription { executionsChanged(filter: {kind: "ansible"}) { id kind status } }
"""


@pytest.mark.usefixtures("controller_allowed")
class TestExecutionFeeds:
    async def test_progress_and_changes_follow_a_job(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
        token = await make_user()
        body = await app.gql(EXECUTION_ID, {"id": job_id}, token)
        execution_id = global_id(Execution, body["data"]["ansibleJob"]["executionId"])
        async with (
            gqlws.connect(app.ws_url, token) as changes,
            gqlws.connect(app.ws_url, token) as progress,
        ):
            await changes.subscribe(CHANGED)
            await progress.subscribe(PROGRESS, {"id": execution_id})
            seen = [(await progress.next_data())["executionProgress"]]
            await job_runs.run_job(db, job_id)
            while seen[-1]["status"] != "completed":
                seen.append((await progress.next_data())["executionProgress"])
            changed = [(await changes.next_data())["executionsChanged"]]
            while changed[-1]["status"] != "completed":
                changed.append((await changes.next_data())["executionsChanged"])
        assert seen[0] == {
            "status": "pending",
            "hostsDone": 0,
            "hostsTotal": 1,
            "percent": 0.0,
        }
        assert seen[-1] == {
            "status": "completed",
            "hostsDone": 1,
            "hostsTotal": 1,
            "percent": 100.0,
        }
        assert changed[-1] == {
            "id": execution_id,
            "kind": "ansible",
            "status": "completed",
        }
        assert {c["status"] for c in changed[:-1]} <= {"running"}


@pytest.mark.usefixtures("controller_allowed")
class TestExecuteAndCancel:
    async def test_execute_then_cancel_queued_job(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db, "to cancel")
        token = await make_user()
        variables = {
            "input": {
                "playbookIds": [playbook.id],
                "inventoryId": await store_inventory(db, LOCAL_INVENTORY),
            }
        }
        body = await app.gql(EXECUTE, variables, token)
        job = body["data"]["executeAnsiblePlaybooks"]["job"]
        assert (job["status"], job["playbooks"]) == (
            "queued",
            [{"name": "to cancel", "status": "queued"}],
        )
        cancelled = await app.gql(CANCEL, {"id": job["id"]}, token)
        assert cancelled["data"]["cancelAnsibleJob"] == {
            "__typename": "AnsibleJobSuccess",
            "job": {"status": "cancelled"},
        }
        again = await app.gql(CANCEL, {"id": job["id"]}, token)
        assert again["data"]["cancelAnsibleJob"] == {
            "__typename": "AnsibleJobNotCancellable",
            "status": "cancelled",
        }

    async def test_extra_vars_must_be_an_object(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        playbook = await make_playbook(db)
        variables = {"input": {"playbookIds": [playbook.id], "extraVars": [1, 2]}}
        body = await app.gql(EXECUTE, variables, await make_user())
        assert body["data"]["executeAnsiblePlaybooks"] == {
            "__typename": "AnsibleJobInvalid",
            "message": "extra_vars must be an object",
        }

    async def test_unknown_playbook_and_job(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(EXECUTE, {"input": {"playbookIds": [4242]}}, token)
        assert body["data"]["executeAnsiblePlaybooks"] == {
            "__typename": "AnsiblePlaybookNotFound",
            "playbookId": 4242,
        }
        missing = await app.gql(CANCEL, {"id": "job-missing"}, token)
        assert missing["data"]["cancelAnsibleJob"] == {
            "__typename": "AnsibleJobNotFound",
            "jobId": "job-missing",
        }


LIST = """
query ($search: String, $status: String) {
  ansiblePlaybooks(search: $search, status: $status, perPage: 1) {
    items { name status lastRunAt } page perPage total totalPages
  }
}
"""
JOB = """
query ($id: ID!) {
  ansibleJob(id: $id) {
    id status error executionId
    playbooks { position name status output startedAt }
  }
}
"""
EXECUTION = """
query ($id: ID!) {
  execution(id: $id) {
    id kind status hostsTotal hostsDone results
    hosts { host status error stdout }
  }
}
"""


@pytest.mark.usefixtures("controller_allowed")
class TestAnsibleQueries:
    async def test_list_filters_and_job_after_a_run(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        ran = await make_playbook(db, "ran once")
        await make_playbook(db, "never ran")
        job_id = await queue_job(db, [ran.id], LOCAL_INVENTORY)
        await job_runs.run_job(db, job_id)
        token = await make_user(roles=("viewer",))
        body = await app.gql(LIST, {"status": "Success"}, token)
        page = body["data"]["ansiblePlaybooks"]
        assert (page["total"], page["totalPages"], page["perPage"]) == (1, 1, 1)
        assert page["items"][0]["name"] == "ran once"
        assert page["items"][0]["lastRunAt"] is not None
        everything = await app.gql(LIST, {"search": "RAN"}, token)
        assert everything["data"]["ansiblePlaybooks"]["total"] == 2
        job = (await app.gql(JOB, {"id": job_id}, token))["data"]["ansibleJob"]
        assert (job["id"], job["status"], job["error"]) == (job_id, "completed", None)
        entry = job["playbooks"][0]
        assert (entry["position"], entry["name"], entry["status"]) == (
            1,
            "ran once",
            "success",
        )
        assert "PLAY RECAP" in entry["output"]
        node = global_id(Execution, job["executionId"])
        execution = await app.gql(EXECUTION, {"id": node}, token)
        shown = execution["data"]["execution"]
        assert (shown["id"], shown["kind"], shown["status"]) == (
            node,
            "ansible",
            "completed",
        )
        assert (shown["hostsTotal"], shown["hostsDone"]) == (1, 1)
        assert shown["results"]["job_id"] == job_id
        assert shown["hosts"] == [
            {
                "host": "local1",
                "status": "completed",
                "error": None,
                "stdout": "changed: [local1]\nok: [local1] => {\n"
                '    "msg": "debug says hi"\n}',
            }
        ]
