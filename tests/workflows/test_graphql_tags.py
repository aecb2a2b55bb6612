"""A workflow's tags are a connection, by name, paged both ways from the tags
loader: a page of workflows costs the same statements whatever its size."""

from __future__ import annotations

from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.workflows import service
from app.workflows.graphql.types import Workflow, WorkflowTag
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.workflows.test_graphql_lists import NODES, seed_workflows

TAGS_OF = f"""query($id: ID!, $first: Int, $after: String, $last: Int,
  $before: String) {{ node(id: $id) {{ ... on Workflow {{ tags(first: $first,
  after: $after, last: $last, before: $before) {{ {PAGE}
  edges {{ cursor node {{ id name }} }} }} }} }} }}"""
WORKFLOWS = f"""query($first: Int) {{ workflows(first: $first) {{ {PAGE}
  edges {{ node {{ id tags(first: 1) {{ totalCount edges {{ node {{ name }} }} }}
  }} }} }} }}"""


class TestWorkflowTags:
    async def test_pages_forward_and_backward_by_name(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        names = [f"t{i}" for i in (5, 1, 6, 0, 3, 2, 4)]
        async with unit_of_work(db) as session:
            made = await service.create_workflow(
                session,
                {"name": "tagged", "nodes": NODES, "edges": [], "tags": names},
                None,
            )
            tags = {t.name: t.id for t in made.tags}
        variables = {"id": global_id(Workflow, made.id)}
        found = await walk(app, token, TAGS_OF, "node.tags", 3, variables)
        assert found == [global_id(WorkflowTag, tags[n]) for n in sorted(names)]

    async def test_statements_do_not_grow_with_workflows(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        have = [0]

        async def grow(n: int) -> None:
            await seed_workflows(db, n - have[0])
            have[0] = max(have[0], n)

        await assert_constant_statements(app, token, WORKFLOWS, "workflows", grow)
        body = await app.gql(WORKFLOWS, {"first": 1}, token)
        tags = body["data"]["workflows"]["edges"][0]["node"]["tags"]
        assert tags == {"totalCount": 2, "edges": [{"node": {"name": "a"}}]}
