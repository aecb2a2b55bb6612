"""Pipeline lists as connections and nullable getters."""

from __future__ import annotations

from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.pipelines import service
from app.pipelines.graphql.types import Pipeline, PipelineExecution
from app.pipelines.inputs import PipelineInput
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.pipelines.conftest import pipeline_body, step

ABSENT = "00000000-0000-4000-8000-000000000000"
HOOK = step("n", "notify", {"type": "webhook", "webhook_url": "http://127.0.0.1:9"})


def listing(field: str, args: str = "", inner: str = "id") -> str:
    """A paging query of the connection `field` with extra `args` (which may
    use `$p`, an ID)."""
    p = ", $p: ID" if "$p" in args else ""
    return f"""query($first: Int, $after: String, $last: Int, $before: String{p}) {{
      {field}(first: $first, after: $after, last: $last, before: $before{args}) {{
        {PAGE} edges {{ cursor node {{ {inner} }} }} }} }}"""


class Seeder:
    """Pipelines and their executions, made through the service."""

    def __init__(self, api: RunningApp, db: Sessionmaker) -> None:
        self.api, self.db, self.pipelines, self.runs = api, db, 0, 0
        self.first: str | None = None

    async def pipelines_to(self, count: int) -> None:
        async with unit_of_work(self.db) as session:
            for n in range(self.pipelines, count):
                body = pipeline_body([HOOK], name=f"p-{n % 4}")
                made = await service.create_pipeline(
                    session, PipelineInput.model_validate(body), self.api.settings
                )
                self.first = self.first or str(made.id)
        self.pipelines = max(self.pipelines, count)

    async def runs_to(self, count: int) -> None:
        await self.pipelines_to(1)
        assert self.first is not None
        async with unit_of_work(self.db) as session:
            for _ in range(self.runs, count):
                await service.trigger(session, service_key(self.first), None)
        self.runs = max(self.runs, count)


def service_key(raw: str) -> object:
    key = Pipeline.parse_key(raw)
    assert key is not None
    return key


class TestPipelineConnections:
    async def test_pipelines(
        self, api: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        seed = Seeder(api, db)
        for order in ("{field: NAME, direction: DESC}", "{field: CREATED_AT}"):
            query = listing("pipelines", f", orderBy: {order}", "id name")
            await assert_constant_statements(
                api, token, query, "pipelines", seed.pipelines_to
            )
            assert len(await walk(api, token, query, "pipelines", 7)) == 40

    async def test_executions(
        self, api: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        seed = Seeder(api, db)
        query = listing(
            "pipelineExecutions", ", filter: {pipelineId: $p}", "id pipeline { name }"
        )
        await assert_constant_statements(
            api, token, query, "pipelineExecutions", seed.runs_to
        )
        assert seed.first is not None
        variables = {"p": global_id(Pipeline, seed.first)}
        ids = await walk(api, token, query, "pipelineExecutions", 6, variables)
        assert len(ids) == 40


class TestGetters:
    async def test_absent_malformed_and_other_types_are_null(
        self, api: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        seed = Seeder(api, db)
        await seed.runs_to(1)
        assert seed.first is not None
        async with db() as session:
            run = (await service.list_executions(session))[0]
        keys = {Pipeline: seed.first, PipelineExecution: str(run.id)}
        fields = {
            "pipeline": Pipeline,
            "pipelineExecution": PipelineExecution,
            "pipelineStats": Pipeline,
        }
        for field, kind in fields.items():
            inner = "totalExecutions" if field == "pipelineStats" else "uuid"
            query = f"query($id: ID!) {{ {field}(id: $id) {{ {inner} }} }}"
            found = await api.gql(query, {"id": global_id(kind, keys[kind])}, token)
            assert found["data"][field] is not None
            other = PipelineExecution if kind is Pipeline else Pipeline
            for raw in (global_id(kind, ABSENT), "x", global_id(other, keys[kind])):
                body = await api.gql(query, {"id": raw}, token)
                assert body == {"data": {field: None}}, (field, raw)
