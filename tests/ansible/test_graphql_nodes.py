"""Ansible playbooks and jobs as Nodes: a paged list, nullable getters, global ids."""

from __future__ import annotations

import pytest

from app.ansible.graphql.types import AnsibleJob, AnsiblePlaybook
from app.db import Sessionmaker
from app.graphql.nodes import global_id
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import LOCAL_INVENTORY, queue_job
from tests.conftest import RunningApp, TokenFactory
from tests.connections import assert_constant_statements, walk

LIST = """query($first: Int, $after: String, $last: Int, $before: String,
  $filter: AnsiblePlaybookFilter, $orderBy: AnsiblePlaybookOrder) {
  ansiblePlaybooks(first: $first, after: $after, last: $last, before: $before,
                   filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number name rendered tasks { id } } } } }"""
PLAYBOOK = "query($id: ID!) { ansiblePlaybook(id: $id) { id number name } }"
JOB = "query($id: ID!) { ansibleJob(id: $id) { id key playbooks { name } } }"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
UPDATE = """mutation($id: ID!) {
  updateAnsiblePlaybook(id: $id, input: {name: "renamed"}) {
    __typename ... on AnsiblePlaybookSuccess { playbook { name } }
    ... on Error { code field } } }"""
DELETE = """mutation($id: ID!) { deleteAnsiblePlaybook(id: $id) {
  __typename ... on DeleteAnsiblePlaybookSuccess { deletedId }
  ... on Error { code field } } }"""


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user("ansible-gql-admin")


async def seed(db: Sessionmaker, count: int, start: int = 0) -> list[int]:
    """`count` playbooks through the service."""
    return [
        (await make_playbook(db, f"pb-{i:03}")).id for i in range(start, start + count)
    ]


class TestPlaybookList:
    async def test_pages_both_ways(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        keys = await seed(db, 5)
        ids = await walk(app, token, LIST, "ansiblePlaybooks", 2)
        assert ids == [global_id(AnsiblePlaybook, k) for k in keys]
        by_name = await walk(
            app,
            token,
            LIST,
            "ansiblePlaybooks",
            3,
            {"orderBy": {"field": "NAME", "direction": "DESC"}},
        )
        assert by_name == list(reversed(ids))

    async def test_bad_type_filter_is_refused(
        self, app: RunningApp, token: str
    ) -> None:
        body = await app.gql(LIST, {"filter": {"type": "Robot"}}, token)
        assert "type must be one of Machine, Other" in body["errors"][0]["message"]

    async def test_statements_do_not_grow(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        made: list[int] = []

        async def grow(n: int) -> None:
            made.extend(await seed(db, n - len(made), len(made)))

        # first: 40 keeps the nested task lists under the query cost limit
        await assert_constant_statements(
            app, token, LIST, "ansiblePlaybooks", grow, variables={"first": 40}
        )


class TestGetters:
    async def test_playbook_present_absent_malformed_and_other_type(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        (key,) = await seed(db, 1)
        gid = global_id(AnsiblePlaybook, key)

        async def get(raw: str) -> object:
            body = await app.gql(PLAYBOOK, {"id": raw}, token)
            assert "errors" not in body, body
            return body["data"]["ansiblePlaybook"]

        assert await get(gid) == {"id": gid, "number": key, "name": "pb-000"}
        assert await get(global_id(AnsiblePlaybook, key + 100)) is None
        assert await get(str(key)) is None
        assert await get(global_id(AnsibleJob, key)) is None
        node = await app.gql(NODE, {"id": gid}, token)
        assert node["data"]["node"] == {"__typename": "AnsiblePlaybook", "id": gid}

    @pytest.mark.usefixtures("controller_allowed")
    async def test_job_by_global_id_only(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        playbook = await make_playbook(db, "queued one")
        job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
        gid = global_id(AnsibleJob, job_id)

        async def get(raw: str) -> object:
            body = await app.gql(JOB, {"id": raw}, token)
            assert "errors" not in body, body
            return body["data"]["ansibleJob"]

        assert await get(gid) == {
            "id": gid,
            "key": job_id,
            "playbooks": [{"name": "queued one"}],
        }
        assert await get(job_id) is None
        assert await get(global_id(AnsibleJob, "job-000000000000")) is None
        assert await get(global_id(AnsiblePlaybook, playbook.id)) is None


class TestPlaybookMutations:
    async def test_other_types_id_is_not_found_with_field(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        (key,) = await seed(db, 1)
        for mutation, name in (
            (UPDATE, "updateAnsiblePlaybook"),
            (DELETE, "deleteAnsiblePlaybook"),
        ):
            body = await app.gql(mutation, {"id": global_id(AnsibleJob, key)}, token)
            assert body["data"][name] == {
                "__typename": "AnsiblePlaybookNotFound",
                "code": "ANSIBLE_PLAYBOOK_NOT_FOUND",
                "field": "id",
            }

    async def test_update_then_delete_by_global_id(
        self, app: RunningApp, db: Sessionmaker, token: str
    ) -> None:
        (key,) = await seed(db, 1)
        gid = global_id(AnsiblePlaybook, key)
        updated = await app.gql(UPDATE, {"id": gid}, token)
        assert updated["data"]["updateAnsiblePlaybook"]["playbook"] == {
            "name": "renamed"
        }
        deleted = await app.gql(DELETE, {"id": gid}, token)
        assert deleted["data"]["deleteAnsiblePlaybook"]["deletedId"] == gid
        again = await app.gql(DELETE, {"id": gid}, token)
        assert again["data"]["deleteAnsiblePlaybook"]["field"] == "id"
