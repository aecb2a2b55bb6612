"""Pipelines over GraphQL: the same service as the REST routes, union payloads."""

from __future__ import annotations

from typing import Any

from app.graphql.nodes import global_id
from app.pipelines.graphql.types import Pipeline, PipelineExecution
from tests.conftest import RunningApp, TokenFactory
from tests.pipelines.conftest import pipeline_body, step

CREATE = """
mutation($input: CreatePipelineInput!) {
  createPipeline(input: $input) {
    __typename
    ... on PipelineSuccess { pipeline { id uuid name enabled definition } }
    ... on InvalidPipelineInput { message field }
  }
}"""
TRIGGER = """
mutation($id: ID!, $event: JSON) {
  triggerPipeline(id: $id, event: $event) {
    __typename
    ... on TriggerPipelineSuccess { execution { id status triggerEvent } }
    ... on Error { message code field }
  }
}"""
READ = """
query($id: ID!) {
  pipeline(id: $id) { name }
  pipelineStats(id: $id) { totalExecutions averageDurationMs }
  pipelineExecutions(filter: {pipelineId: $id}) {
    totalCount edges { node { status pipeline { id } } } }
}"""
HOOK = step(
    "n",
    "notify",
    {"type": "webhook", "webhook_url": "http://127.0.0.1:9", "message": "x"},
)


def create_input(**extra: Any) -> dict[str, Any]:
    body = pipeline_body([HOOK])
    return {
        "name": body["name"],
        "definition": body["definition"],
        "workspaceId": body["workspace_id"],
        **extra,
    }


class TestPipelinesGraphql:
    async def test_create_trigger_read(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        created = await api.gql(CREATE, {"input": create_input()}, token)
        payload = created["data"]["createPipeline"]
        assert payload["__typename"] == "PipelineSuccess"
        pid = payload["pipeline"]["id"]
        event = {"event_type": "schema.changed", "payload": {"spec_path": "a"}}
        started = await api.gql(TRIGGER, {"id": pid, "event": event}, token)
        execution = started["data"]["triggerPipeline"]["execution"]
        assert execution["status"] == "started"
        assert execution["triggerEvent"]["payload"] == {"spec_path": "a"}
        read = (await api.gql(READ, {"id": pid}, token))["data"]
        assert read["pipeline"]["name"] == "auto-sdk-regeneration"
        assert read["pipelineStats"] == {
            "totalExecutions": 1,
            "averageDurationMs": None,
        }
        assert read["pipelineExecutions"] == {
            "totalCount": 1,
            "edges": [{"node": {"status": "started", "pipeline": {"id": pid}}}],
        }

    async def test_invalid_definition(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        bad = create_input(definition={"steps": [{"name": "x", "step_type": "nope"}]})
        payload = (await api.gql(CREATE, {"input": bad}, token))["data"][
            "createPipeline"
        ]
        assert payload["__typename"] == "InvalidPipelineInput"
        assert payload["field"] == "definition.steps.0.step_type"

    async def test_trigger_unknown(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        missing = global_id(Pipeline, "00000000-0000-0000-0000-000000000000")
        other = global_id(PipelineExecution, "00000000-0000-0000-0000-000000000000")
        for raw in (missing, other, "nope"):
            payload = (await api.gql(TRIGGER, {"id": raw}, token))["data"][
                "triggerPipeline"
            ]
            assert payload["__typename"] == "PipelineNotFound"
            assert (payload["code"], payload["field"]) == ("PIPELINE_NOT_FOUND", "id")

    async def test_viewer_cannot_create(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vera", ("viewer",))
        body = await api.gql(CREATE, {"input": create_input()}, token)
        assert body["data"] is None
        assert "pipelines.pipeline.create" in body["errors"][0]["message"]
