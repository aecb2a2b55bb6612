"""A rule's channels are a connection, in the rule's order, paged both ways
from the channels loader: a page of rules costs the same statements whatever
its size."""

from __future__ import annotations

import pytest

from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.notifications import inputs, service
from app.notifications.graphql.types import NotificationChannel, NotificationRule
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk
from tests.notifications.test_graphql_lists import Seeder, listing

CHANNELS_OF = f"""query($id: ID!, $first: Int, $after: String, $last: Int,
  $before: String) {{ node(id: $id) {{ ... on NotificationRule {{
  channels(first: $first, after: $after, last: $last, before: $before) {{
  {PAGE} edges {{ cursor node {{ id name }} }} }} }} }} }}"""
RULES = listing(
    "notificationRules",
    "name channels(first: 1) { totalCount edges { node { id } } }",
)


@pytest.fixture
def seeder(db: Sessionmaker, ops_app: RunningApp) -> Seeder:
    return Seeder(db, ops_app)


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user()


class TestRuleChannels:
    async def test_pages_forward_and_backward_in_the_rules_order(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await seeder.add_channels(7)
        order = [seeder.channels[i] for i in (4, 0, 6, 2, 1, 5, 3)]
        async with unit_of_work(seeder.db) as s:
            data = inputs.RuleInput(
                name="fan-out", event_type="alert.raised", channel_ids=order
            )
            rule = await service.create_rule(s, data)
        variables = {"id": global_id(NotificationRule, rule.id)}
        found = await walk(ops_app, token, CHANNELS_OF, "node.channels", 3, variables)
        assert found == [global_id(NotificationChannel, n) for n in order]

    async def test_statements_do_not_grow_with_rules(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await assert_constant_statements(
            ops_app, token, RULES, "notificationRules", seeder.add_rules
        )
        body = await ops_app.gql(RULES, {"first": 3}, token)
        channels = [
            e["node"]["channels"] for e in body["data"]["notificationRules"]["edges"]
        ]
        assert [c["totalCount"] for c in channels] == [1, 2, 3]
        first = global_id(NotificationChannel, seeder.channels[0])
        assert all(c["edges"] == [{"node": {"id": first}}] for c in channels)
