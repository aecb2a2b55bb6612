"""The GraphQL face of workflows and schedules."""

from __future__ import annotations

import asyncio
from typing import Any

from app.graphql.nodes import global_id
from app.settings import Settings
from app.workflows.graphql.types import Workflow, WorkflowFolder
from tests import gqlws
from tests.conftest import RunningApp, TokenFactory
from worker import runtime
from worker.actors import workflows as workflow_actors

CREATE = """
mutation ($input: WorkflowInput!) {
  createWorkflow(input: $input) {
    __typename
    ... on WorkflowSuccess { workflow { id uuid name nodes
      tags { edges { node { name } } } } }
    ... on InvalidWorkflow { message nodeId }
  }
}
"""
RUN = """
mutation ($id: ID!, $data: JSON) {
  runWorkflow(id: $id, triggerData: $data) {
    __typename
    ... on RunWorkflowSuccess { execution { id uuid status triggerType } }
    ... on Error { code field }
  }
}
"""
EVENTS = """
subscription ($id: ID!) {
  workflowExecutionEvents(executionId: $id) { seq type data }
}
"""
NODES = [
    {"id": "go", "type": "trigger:manual", "data": {}},
    {"id": "hello", "type": "set_variable",
     "data": {"name": "greeting", "value": "hi {{ trigger.who }}"}},
]  # fmt: skip
EDGES = [{"id": "e1", "source": "go", "target": "hello"}]


async def create(app: RunningApp, token: str, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"name": "gql", "nodes": NODES, "edges": EDGES, **extra}}
    body = await app.gql(CREATE, variables, token)
    result: dict[str, Any] = body["data"]["createWorkflow"]
    return result


class TestWorkflowMutations:
    async def test_create_and_query(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await create(app, token, tags=["ops"])
        assert created["__typename"] == "WorkflowSuccess"
        assert created["workflow"]["tags"] == {"edges": [{"node": {"name": "ops"}}]}
        listed = await app.gql("{ workflows { edges { node { name } } } }", token=token)
        assert listed["data"]["workflows"]["edges"] == [{"node": {"name": "gql"}}]

    async def test_invalid_graph_is_a_union_member(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        bad_edges = [*EDGES, {"id": "e2", "source": "hello", "target": "go"}]
        result = await create(app, token, edges=bad_edges)
        assert result["__typename"] == "InvalidWorkflow"
        assert result["nodeId"] in {"go", "hello"}

    async def test_viewer_cannot_create(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("val", roles=("viewer",))
        body = await app.gql(CREATE, {"input": {"name": "x"}}, token)
        assert body["data"] is None
        assert "workflows.workflow.create" in body["errors"][0]["message"]

    async def test_run_unknown_workflow(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        absent = global_id(Workflow, "00000000-0000-4000-8000-000000000000")
        folder = global_id(WorkflowFolder, "00000000-0000-4000-8000-000000000000")
        for raw in (absent, folder, "missing"):
            body = await app.gql(RUN, {"id": raw}, token)
            assert body["data"]["runWorkflow"] == {
                "__typename": "WorkflowNotFound",
                "code": "WORKFLOW_NOT_FOUND",
                "field": "id",
            }


class TestExecutionEvents:
    async def test_subscription_streams_until_completed(
        self, app: RunningApp, make_user: TokenFactory, settings: Settings
    ) -> None:
        token = await make_user()
        workflow_id = (await create(app, token))["workflow"]["id"]
        run = await app.gql(RUN, {"id": workflow_id, "data": {"who": "bob"}}, token)
        execution = run["data"]["runWorkflow"]["execution"]
        assert (execution["status"], execution["triggerType"]) == ("pending", "api")
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": execution["id"]})
            runtime.configure(settings)
            await workflow_actors.run(execution["uuid"])
            seen = []
            while not seen or seen[-1]["type"] != "execution.completed":
                data = await asyncio.wait_for(ws.next_data(), 10)
                seen.append(data["workflowExecutionEvents"])
        assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))
        hello = next(e for e in seen if e["data"].get("node_id") == "hello"
                     and e["type"] == "node.completed")  # fmt: skip
        assert hello["data"]["output"] == {"name": "greeting", "value": "hi bob"}
        assert seen[-1]["data"]["status"] == "success"

    async def test_subscription_refuses_another_types_id(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        workflow_id = (await create(app, token))["workflow"]["id"]
        async with gqlws.connect(app.ws_url, token) as ws:
            await ws.subscribe(EVENTS, {"id": workflow_id})
            message = await asyncio.wait_for(ws.receive(), 10)
        assert message["payload"]["data"] is None, message
        assert "No WorkflowExecution with id" in str(message["payload"]), message


class TestScheduleMutations:
    async def test_create_schedule_and_run_now(
        self, app: RunningApp, make_user: TokenFactory, settings: Settings
    ) -> None:
        token = await make_user()
        workflow_id = (await create(app, token))["workflow"]["id"]
        made = await app.gql(
            """mutation ($wf: ID!) { createSchedule(input: {name: "n",
                 workflowId: $wf, cronExpression: "30 6 * * 1",
                 timezone: "America/New_York"}) {
               __typename ... on ScheduleSuccess { schedule { id nextRunAt } }
               ... on InvalidSchedule { field } } }""",
            {"wf": workflow_id},
            token,
        )
        schedule = made["data"]["createSchedule"]["schedule"]
        assert schedule["nextRunAt"].endswith(("10:30:00+00:00", "11:30:00+00:00"))
        fired = await app.gql(
            """mutation ($id: ID!) { runScheduleNow(id: $id) {
               ... on RunScheduleSuccess { fire { manual status executionId } } } }""",
            {"id": schedule["id"]},
            token,
        )
        fire = fired["data"]["runScheduleNow"]["fire"]
        assert (fire["manual"], fire["status"]) == (True, "pending")
        bad = await app.gql(
            """mutation ($wf: ID!) { createSchedule(input: {name: "n",
                 workflowId: $wf, cronExpression: "bad"}) {
               __typename ... on InvalidSchedule { field } } }""",
            {"wf": workflow_id},
            token,
        )
        assert bad["data"]["createSchedule"] == {
            "__typename": "InvalidSchedule",
            "field": "cron_expression",
        }
