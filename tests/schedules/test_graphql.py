"""Schedules and their fires as GraphQL Nodes and connections."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker, unit_of_work
from app.devices.graphql.types import Device
from app.graphql.nodes import global_id
from app.schedules import service
from app.schedules.graphql.types import Schedule
from app.settings import Settings
from app.workflows.graphql.types import Workflow
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.connections import PAGE, assert_constant_statements, walk
from tests.schedules.test_scheduler import make_job

ARGS = "$first: Int, $after: String, $last: Int, $before: String"
WINDOW = "first: $first, after: $after, last: $last, before: $before"
SCHEDULES = (
    f"query({ARGS}, $enabled: Boolean) {{ schedules({WINDOW}, "
    "filter: {enabled: $enabled}) { edges { cursor node { id lastStatus "
    f"workflowId }} }} {PAGE} }} }}"
)
FIRES = (
    f"query({ARGS}, $schedule: ID!) {{ scheduleFires({WINDOW}, "
    "scheduleId: $schedule) { edges { cursor node { id status scheduleId "
    f"executionId }} }} {PAGE} }} }}"
)


@pytest.fixture
async def app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with its scheduler ticking once an hour: its ticks would add
    statements to the counted pages at random."""
    async with serve(pg_settings(pg_url, scheduler_interval_seconds=3600)) as running:
        yield running


async def _fire(db: Sessionmaker, schedule_id: int) -> None:
    async with unit_of_work(db) as session:
        await service.run_now(session, schedule_id, "workflow")


class TestSchedules:
    async def test_pages_agree_both_ways_and_filter(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        workflow_id: str,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made = [await make_job(db, workflow_id, cron_expression="0 * * * *")]
        made += [
            await make_job(
                db, workflow_id, schedule_type="interval", interval_seconds=60 + n
            )
            for n in range(5)
        ]
        async with unit_of_work(db) as session:
            await service.set_enabled(session, made[0], "workflow", False)
        await _fire(db, made[1])
        ids = await walk(app, token, SCHEDULES, "schedules", 2)
        assert ids == [global_id(Schedule, n) for n in made]
        enabled = await walk(app, token, SCHEDULES, "schedules", 2, {"enabled": True})
        assert enabled == ids[1:]
        body = await app.gql(SCHEDULES, {"first": 2}, token)
        nodes = [e["node"] for e in body["data"]["schedules"]["edges"]]
        assert [n["lastStatus"] for n in nodes] == [None, "pending"]
        assert nodes[0]["workflowId"] == global_id(Workflow, workflow_id)

    async def test_statements_do_not_grow_with_the_page(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        workflow_id: str,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made: list[int] = []

        async def grow(n: int) -> None:
            while len(made) < n:
                made.append(
                    await make_job(
                        db, workflow_id, schedule_type="interval", interval_seconds=60
                    )
                )
                await _fire(db, made[-1])

        await assert_constant_statements(app, token, SCHEDULES, "schedules", grow)

    async def test_getter_is_null_for_absent_malformed_or_other_type(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        workflow_id: str,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made = await make_job(
            db, workflow_id, schedule_type="interval", interval_seconds=60
        )
        query = "query($id: ID!) { schedule(id: $id) { id number } }"
        body = await app.gql(query, {"id": global_id(Schedule, made)}, token)
        assert body["data"]["schedule"] == {
            "id": global_id(Schedule, made),
            "number": made,
        }
        for raw in (
            global_id(Schedule, made + 1000),
            global_id(Schedule, "x"),
            str(made),
            global_id(Device, made),
        ):
            body = await app.gql(query, {"id": raw}, token)
            assert body == {"data": {"schedule": None}}, raw


class TestScheduleFires:
    async def test_pages_agree_and_statements_stay_constant(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        workflow_id: str,
    ) -> None:
        token = await make_user(roles=("viewer",))
        made = await make_job(
            db, workflow_id, schedule_type="interval", interval_seconds=60
        )
        node = {"schedule": global_id(Schedule, made)}
        count = 0

        async def grow(n: int) -> None:
            nonlocal count
            while count < n:
                await _fire(db, made)
                count += 1

        await grow(5)
        ids = await walk(app, token, FIRES, "scheduleFires", 2, node)
        assert len(ids) == 5
        body = await app.gql(FIRES, {**node, "first": 1}, token)
        newest = body["data"]["scheduleFires"]["edges"][0]["node"]
        assert (newest["status"], newest["scheduleId"]) == ("pending", node["schedule"])
        await assert_constant_statements(
            app, token, FIRES, "scheduleFires", grow, variables=node
        )
        other = {"schedule": global_id(Device, made)}
        body = await app.gql(FIRES, other, token)
        assert body["data"]["scheduleFires"]["totalCount"] == 0


class TestMutations:
    async def test_ids_of_other_types_are_not_found_members(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        workflow_id: str,
    ) -> None:
        token = await make_user()
        made = await make_job(
            db, workflow_id, schedule_type="interval", interval_seconds=60
        )
        wrong = global_id(Device, made)
        for mutation in ("runScheduleNow", "deleteSchedule"):
            body = await app.gql(
                f"""mutation($id: ID!) {{ {mutation}(id: $id) {{
                     __typename ... on Error {{ code field }} }} }}""",
                {"id": wrong},
                token,
            )
            assert body["data"][mutation] == {
                "__typename": "ScheduleNotFound",
                "code": "SCHEDULE_NOT_FOUND",
                "field": "id",
            }
        body = await app.gql(
            """mutation($wf: ID!) { createSchedule(input: {name: "n",
                 workflowId: $wf, scheduleType: "interval", intervalSeconds: 60}) {
               __typename ... on Error { code field } } }""",
            {"wf": wrong},
            token,
        )
        assert body["data"]["createSchedule"] == {
            "__typename": "InvalidSchedule",
            "code": "INVALID_SCHEDULE",
            "field": "workflowId",
        }
        deleted = await app.gql(
            """mutation($id: ID!) { deleteSchedule(id: $id) {
                 ... on DeleteScheduleSuccess { deletedId } } }""",
            {"id": global_id(Schedule, made)},
            token,
        )
        assert deleted["data"]["deleteSchedule"] == {
            "deletedId": global_id(Schedule, made)
        }
