"""Workflow lists as connections, nullable getters and global ids in mutations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.db import Sessionmaker, unit_of_work, utcnow
from app.graphql.nodes import global_id
from app.settings import Settings
from app.workflows import models, service
from app.workflows.graphql.types import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowTag,
)
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk

ABSENT = "00000000-0000-4000-8000-000000000000"
NODES = [{"id": "go", "type": "trigger:manual", "data": {}}]


def listing(field: str, args: str = "", inner: str = "id") -> str:
    """A paging query of the connection `field` with extra `args`."""
    return f"""query($first: Int, $after: String, $last: Int, $before: String) {{
      {field}(first: $first, after: $after, last: $last, before: $before{args}) {{
        {PAGE} edges {{ cursor node {{ {inner} }} }} }} }}"""


async def seed_workflows(db: Sessionmaker, count: int, **fields: Any) -> list[str]:
    """`count` workflows made by the service, with a folder and two tags."""
    ids = []
    async with unit_of_work(db) as session:
        folder = await service.save_folder(session, None, f"f-{utcnow()}", None)
        for n in range(count):
            made = await service.create_workflow(
                session,
                {"name": f"wf-{n % 3}", "nodes": NODES, "edges": [],
                 "tags": ["a", "b"], "folder_id": folder.id, **fields},
                None,
            )  # fmt: skip
            ids.append(made.id)
    return ids


async def seed_executions(db: Sessionmaker, workflow_id: str, count: int) -> None:
    """`count` test-mode runs of the workflow, requested through the service."""
    async with unit_of_work(db) as session:
        for _ in range(count):
            await service.start_run(session, workflow_id, test_mode=True)


class TestWorkflowConnections:
    async def test_workflows_page_both_ways(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        await seed_workflows(db, 7)
        query = listing("workflows", ", orderBy: {field: LAST_RUN_AT, direction: DESC}")
        ids = await walk(app, token, query, "workflows", 3)
        assert len(ids) == 7
        tagged = listing("workflows", ", filter: {tagIds: [$tag]}", "id").replace(
            "$before: String)", "$before: String, $tag: ID!)"
        )
        async with db() as session:
            tag = (await service.list_tags(session))[0]
        variables = {"tag": global_id(WorkflowTag, tag.id)}
        assert len(await walk(app, token, tagged, "workflows", 4, variables)) == 7

    async def test_workflows_statements_are_constant(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        query = listing(
            "workflows",
            ", orderBy: {field: LAST_RUN_AT}",
            "id folder { name } tags { edges { node { name } } }",
        )
        have = [0]

        async def grow(n: int) -> None:
            await seed_workflows(db, n - have[0])
            have[0] = max(have[0], n)

        await assert_constant_statements(
            app, token, query, "workflows", grow, variables={"first": 100}
        )

    async def test_folders_and_tags(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        have = [0]

        async def grow(n: int) -> None:
            async with unit_of_work(db) as session:
                for k in range(have[0], n):
                    await service.save_folder(session, None, f"folder-{k:03}", "")
                    await service.save_tag(session, None, f"tag-{k:03}", "red")
            have[0] = max(have[0], n)

        for field in ("workflowFolders", "workflowTags"):
            query = listing(field, ", direction: DESC", "id name")
            await assert_constant_statements(app, token, query, field, grow)
            assert len(await walk(app, token, query, field, 7)) == have[0]

    async def test_executions_and_node_results(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker,
        settings: Settings,
    ) -> None:  # fmt: skip
        token = await make_user()
        workflow = (await seed_workflows(db, 1))[0]
        have = [0]

        async def grow(n: int) -> None:
            await seed_executions(db, workflow, n - have[0])
            have[0] = max(have[0], n)

        query = listing(
            "workflowExecutions", ", filter: {workflowId: $wf}", "id workflow { name }"
        ).replace("$before: String)", "$before: String, $wf: ID)")
        variables = {"wf": global_id(Workflow, workflow)}
        await assert_constant_statements(
            app, token, query, "workflowExecutions", grow, variables=variables
        )
        assert (
            len(await walk(app, token, query, "workflowExecutions", 9, variables)) == 40
        )
        async with db() as session:
            execution = (await service.list_executions(session, workflow))[0]
        await self._node_results(app, token, db, execution.id)

    async def _node_results(
        self, app: RunningApp, token: str, db: Sessionmaker, execution_id: str
    ) -> None:
        started = [utcnow() + timedelta(seconds=n % 4) for n in range(11)]
        started[5] = None
        async with unit_of_work(db) as session:
            for n in range(11):
                session.add(
                    models.WorkflowNodeResult(
                        execution_id=execution_id, node_id=f"n{n}",
                        node_type="set_variable", status="success",
                        started_at=started[n],
                    )
                )  # fmt: skip
        query = listing(
            "workflowNodeResults", ", executionId: $x", "id nodeId"
        ).replace("$before: String)", "$before: String, $x: ID!)")
        variables = {"x": global_id(WorkflowExecution, execution_id)}
        ids = await walk(app, token, query, "workflowNodeResults", 4, variables)
        assert len(ids) == 11


GETTERS = {
    "workflow": Workflow,
    "workflowExecution": WorkflowExecution,
}


class TestGetters:
    async def test_absent_malformed_and_other_types_are_null(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker,
        settings: Settings,
    ) -> None:  # fmt: skip
        token = await make_user()
        workflow = (await seed_workflows(db, 1))[0]
        await seed_executions(db, workflow, 1)
        async with db() as session:
            execution = (await service.list_executions(session, workflow))[0].id
        keys = {Workflow: workflow, WorkflowExecution: execution}
        for field, kind in GETTERS.items():
            query = f"query($id: ID!) {{ {field}(id: $id) {{ id uuid }} }}"
            found = await app.gql(query, {"id": global_id(kind, keys[kind])}, token)
            assert found["data"][field]["uuid"] == keys[kind]
            other = WorkflowFolder if kind is Workflow else Workflow
            for raw in (global_id(kind, ABSENT), "bad", global_id(other, keys[kind])):
                body = await app.gql(query, {"id": raw}, token)
                assert body == {"data": {field: None}}, (field, raw)

    async def test_node_resolves_every_type(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        workflow = (await seed_workflows(db, 1))[0]
        async with db() as session:
            tag = (await service.list_tags(session))[0]
            folder = (await service.list_folders(session))[0]
        ids = [
            global_id(Workflow, workflow),
            global_id(WorkflowTag, tag.id),
            global_id(WorkflowFolder, folder.id),
        ]
        body = await app.gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            {"ids": ids},
            token,
        )
        assert [n["id"] for n in body["data"]["nodes"]] == ids


UPDATE = """mutation($id: ID!, $input: WorkflowInput!) {
  updateWorkflow(id: $id, input: $input) {
    __typename ... on Error { code field message } } }"""
DELETE_TAG = """mutation($id: ID!) { deleteWorkflowTag(id: $id) {
  __typename ... on DeleteWorkflowLabelSuccess { deletedId }
  ... on Error { code field } } }"""


class TestMutationIds:
    async def test_other_types_ids_are_not_found_members(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        workflow = (await seed_workflows(db, 1))[0]
        async with db() as session:
            tag = (await service.list_tags(session))[0]
        as_tag = global_id(WorkflowTag, tag.id)
        wrong = await app.gql(UPDATE, {"id": as_tag, "input": {}}, token)
        assert wrong["data"]["updateWorkflow"]["field"] == "id"
        assert wrong["data"]["updateWorkflow"]["code"] == "WORKFLOW_NOT_FOUND"
        folder = {"id": global_id(Workflow, workflow), "input": {"folderId": as_tag}}
        body = await app.gql(UPDATE, folder, token)
        assert body["data"]["updateWorkflow"]["__typename"] == "WorkflowLabelNotFound"
        assert body["data"]["updateWorkflow"]["field"] == "folderId"
        missing = {
            "id": global_id(Workflow, workflow),
            "input": {"folderId": global_id(WorkflowFolder, ABSENT)},
        }
        body = await app.gql(UPDATE, missing, token)
        assert body["data"]["updateWorkflow"]["field"] == "folderId"
        by_workflow = await app.gql(
            DELETE_TAG, {"id": global_id(Workflow, workflow)}, token
        )
        assert by_workflow["data"]["deleteWorkflowTag"] == {
            "__typename": "WorkflowLabelNotFound",
            "code": "WORKFLOW_LABEL_NOT_FOUND",
            "field": "id",
        }
        deleted = await app.gql(DELETE_TAG, {"id": as_tag}, token)
        assert deleted["data"]["deleteWorkflowTag"]["deletedId"] == as_tag
