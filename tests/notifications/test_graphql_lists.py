"""Notifications' GraphQL lists and getters: keyset connections that page
both ways at a constant statement count, and nullable getters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from app.alerts.graphql.types import Alert
from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.notifications import inputs, service
from app.notifications.graphql.types import (
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk

ARGS = "$first: Int, $after: String, $last: Int, $before: String"
PAGING = "first: $first, after: $after, last: $last, before: $before"


def listing(field: str, node: str, extra: str = "", extra_args: str = "") -> str:
    return f"""query({ARGS}{extra}) {{ {field}({PAGING}{extra_args}) {{
      {PAGE} edges {{ cursor node {{ id {node} }} }} }} }}"""


CHANNELS = listing(
    "notificationChannels",
    "name config",
    ", $filter: NotificationChannelFilter, $orderBy: NotificationOrder",
    ", filter: $filter, orderBy: $orderBy",
)
TEMPLATES = listing("notificationTemplates", "name")
RULES = listing(
    "notificationRules", "name channels { edges { node { name } } } template { name }"
)
DELIVERIES = listing(
    "notificationDeliveries",
    "status channel { name } attemptLog { number }",
    ", $filter: NotificationDeliveryFilter",
    ", filter: $filter",
)

Grow = Callable[[int], Awaitable[None]]


class Seeder:
    """Adds channels, templates, rules and deliveries through the service."""

    def __init__(self, db: Sessionmaker, app: RunningApp) -> None:
        self.db, self.settings = db, app.settings
        self.channels: list[int] = []
        self.templates: list[int] = []
        self.rules: list[int] = []
        self.deliveries: list[int] = []

    async def add_channels(self, n: int) -> None:
        async with unit_of_work(self.db) as s:
            while len(self.channels) < n:
                i = len(self.channels)
                data = inputs.ChannelInput(
                    name=f"ch-{(7 * i) % 41:02d}-{i}",
                    channel_type="slack",
                    config={"webhook_url": f"http://127.0.0.1:9/{i}"},
                )
                made = await service.create_channel(s, self.settings, data)
                self.channels.append(made.id)

    async def add_templates(self, n: int) -> None:
        async with unit_of_work(self.db) as s:
            while len(self.templates) < n:
                data = inputs.TemplateInput(name=f"t{len(self.templates)}", body="b")
                self.templates.append((await service.create_template(s, data)).id)

    async def add_rules(self, n: int) -> None:
        await self.add_channels(3)
        await self.add_templates(2)
        async with unit_of_work(self.db) as s:
            while len(self.rules) < n:
                i = len(self.rules)
                data = inputs.RuleInput(
                    name=f"r{i}",
                    event_type="alert.raised",
                    channel_ids=self.channels[: 1 + i % 3],
                    template_id=self.templates[i % 2],
                )
                self.rules.append((await service.create_rule(s, data)).id)

    async def add_deliveries(self, n: int) -> None:
        await self.add_channels(2)
        async with unit_of_work(self.db) as s:
            while len(self.deliveries) < n:
                data = inputs.SendInput(channel_ids=self.channels[:2], message="m")
                queued = await service.send_adhoc(s, data)
                self.deliveries += [d.id for d in queued]


@pytest.fixture
def seeder(db: Sessionmaker, ops_app: RunningApp) -> Seeder:
    return Seeder(db, ops_app)


@pytest.fixture
async def token(make_user: TokenFactory) -> str:
    return await make_user()


class TestChannelList:
    async def test_walk_by_number_and_by_name(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await seeder.add_channels(7)
        ids = await walk(ops_app, token, CHANNELS, "notificationChannels", 3)
        assert ids == [global_id(NotificationChannel, n) for n in seeder.channels]
        by_name = await walk(
            ops_app,
            token,
            CHANNELS,
            "notificationChannels",
            2,
            {"orderBy": {"field": "NAME", "direction": "DESC"}},
        )
        assert sorted(by_name) == sorted(ids)
        assert by_name != ids

    async def test_filter(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await seeder.add_channels(12)
        body = await ops_app.gql(CHANNELS, {"filter": {"search": "-1"}}, token)
        names = [
            e["node"]["name"] for e in body["data"]["notificationChannels"]["edges"]
        ]
        every = [f"ch-{(7 * i) % 41:02d}-{i}" for i in range(12)]
        assert names == [n for n in every if "-1" in n]
        assert 0 < len(names) < 12

    async def test_statements_do_not_grow(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await assert_constant_statements(
            ops_app, token, CHANNELS, "notificationChannels", seeder.add_channels
        )


class TestTemplateAndRuleLists:
    async def test_walk_templates(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await seeder.add_templates(5)
        ids = await walk(ops_app, token, TEMPLATES, "notificationTemplates", 2)
        assert ids == [global_id(NotificationTemplate, n) for n in seeder.templates]

    async def test_templates_statements_do_not_grow(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await assert_constant_statements(
            ops_app, token, TEMPLATES, "notificationTemplates", seeder.add_templates
        )

    async def test_walk_rules(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await seeder.add_rules(5)
        ids = await walk(ops_app, token, RULES, "notificationRules", 2)
        assert ids == [global_id(NotificationRule, n) for n in seeder.rules]

    async def test_rules_statements_do_not_grow(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await assert_constant_statements(
            # Nested lists multiply the query's cost (app/graphql/cost.py), so a
            # 1000-rule page with its channels is refused; 100 rules are not.
            ops_app,
            token,
            RULES,
            "notificationRules",
            seeder.add_rules,
            variables={"first": 100},
        )


class TestDeliveryList:
    async def test_walk_newest_first_and_filter_by_channel(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await seeder.add_deliveries(6)
        ids = await walk(ops_app, token, DELIVERIES, "notificationDeliveries", 4)
        newest = sorted(seeder.deliveries, reverse=True)
        assert ids == [global_id(NotificationDelivery, n) for n in newest]
        channel = global_id(NotificationChannel, seeder.channels[1])
        only = await walk(
            ops_app,
            token,
            DELIVERIES,
            "notificationDeliveries",
            2,
            {"filter": {"channelId": channel}},
        )
        assert only == ids[::2]

    async def test_statements_do_not_grow(
        self, ops_app: RunningApp, seeder: Seeder, token: str
    ) -> None:
        await assert_constant_statements(
            ops_app,
            token,
            DELIVERIES,
            "notificationDeliveries",
            seeder.add_deliveries,
            variables={"first": 100},
        )


GETTERS = {
    "notificationChannel": (NotificationChannel, "channels"),
    "notificationTemplate": (NotificationTemplate, "templates"),
    "notificationRule": (NotificationRule, "rules"),
    "notificationDelivery": (NotificationDelivery, "deliveries"),
}


class TestGetters:
    @pytest.mark.parametrize("field", list(GETTERS))
    async def test_present_absent_malformed_and_other_type(
        self, ops_app: RunningApp, seeder: Seeder, token: str, field: str
    ) -> None:
        await seeder.add_rules(1)
        await seeder.add_deliveries(1)
        node_type, attribute = GETTERS[field]
        number = getattr(seeder, attribute)[0]
        query = f"query($id: ID!) {{ {field}(id: $id) {{ id number }} }}"
        asked = [
            global_id(node_type, number),
            global_id(node_type, 9999),
            "%%%",
            global_id(Alert, number),
        ]
        found = [
            (await ops_app.gql(query, {"id": raw}, token))["data"][field]
            for raw in asked
        ]
        assert found == [{"id": asked[0], "number": number}, None, None, None]
