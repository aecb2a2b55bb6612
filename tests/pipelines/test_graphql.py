"""Pipelines over GraphQL: the same service as the REST routes, union payloads."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory
from tests.pipelines.conftest import pipeline_body, step

CREATE = """
mutation($input: CreatePipelineInput!) {
  createPipeline(input: $input) {
    __typename
    ... on PipelineSuccess { pipeline { id name enabled definition } }
    ... on InvalidPipelineInput { message field }
  }
}"""
TRIGGER = """
mutation($id: UUID!, $event: JSON) {
  triggerPipeline(id: $id, event: $event) {
    __typename
    ... on TriggerPipelineSuccess { execution { id status triggerEvent } }
    ... on Error { message }
  }
}"""
READ = """
query($id: UUID!) {
  pipeline(id: $id) { name }
  pipelineStats(id: $id) { totalExecutions averageDurationMs }
  pipelineExecutions(pipelineId: $id) { status pipelineId }
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
        assert read["pipelineExecutions"] == [{"status": "started", "pipelineId": pid}]

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
        missing = "00000000-0000-0000-0000-000000000000"
        payload = (await api.gql(TRIGGER, {"id": missing}, token))["data"][
            "triggerPipeline"
        ]
        assert payload == {
            "__typename": "PipelineNotFound",
            "message": "Pipeline not found",
        }

    async def test_viewer_cannot_create(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vera", ("viewer",))
        body = await api.gql(CREATE, {"input": create_input()}, token)
        assert body["data"] is None
        assert "pipelines.pipeline.create" in body["errors"][0]["message"]
