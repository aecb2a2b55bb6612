"""Notifications over GraphQL: channels, test sends, templates, deliveries."""

from __future__ import annotations

import asyncio

from app.alerts.graphql.types import Alert
from app.graphql.nodes import global_id
from app.notifications.graphql.types import NotificationChannel, NotificationTemplate
from tests.conftest import RunningApp, TokenFactory
from tests.notifications.peers import http_peer

CREATE = """mutation($i: NotificationChannelInput!) {
  createNotificationChannel(input: $i) { __typename
    ... on NotificationChannelSuccess { channel { id number config } }
    ... on Error { message } } }"""
TEST = """mutation($id: ID!) { testNotificationChannel(id: $id) { __typename
  ... on TestNotificationChannelSuccess { success error channel { lastTestSuccess } }
  ... on Error { code field } } }"""
DELETE = """mutation($id: ID!) { deleteNotificationChannel(id: $id) { __typename
  ... on DeleteNotificationChannelSuccess { deletedId }
  ... on Error { code field } } }"""
TEMPLATE = """mutation($i: NotificationTemplateInput!) {
  createNotificationTemplate(input: $i) { __typename
    ... on NotificationTemplateSuccess { template { id } }
    ... on InvalidTemplate { code field } } }"""
RULE = """mutation($i: NotificationRuleInput!) {
  createNotificationRule(input: $i) { __typename
    ... on NotificationRuleSuccess { rule { id channelIds
                                            channels { edges { node { name } } }
                                            templateId template { name } } }
    ... on Error { code field message } } }"""
SEND = """mutation($i: SendNotificationInput!) { sendNotification(input: $i) {
  __typename ... on SendNotificationSuccess { deliveryIds }
  ... on Error { code field message } } }"""
DELIVERIES = """{ notificationDeliveries { edges { node { id status attempts
  channel { name } attemptLog { number success statusCode } } } } }"""


def slack(url: str, name: str = "s") -> dict[str, object]:
    return {"name": name, "channelType": "slack", "config": {"webhook_url": url}}


async def create_channel(app: RunningApp, token: str, name: str = "s") -> str:
    body = await app.gql(CREATE, {"i": slack("http://127.0.0.1:9/t", name)}, token)
    channel_id: str = body["data"]["createNotificationChannel"]["channel"]["id"]
    return channel_id


class TestNotificationsGraphQL:
    async def test_metadata_url_is_a_union_member(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await ops_app.gql(
            CREATE, {"i": slack("http://[::ffff:169.254.169.254]/x")}, token
        )
        assert body["data"]["createNotificationChannel"] == {
            "__typename": "UrlNotAllowed",
            "message": "Link-local addresses are not allowed",
        }

    async def test_create_and_test_a_channel(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer() as peer:
            created = await ops_app.gql(CREATE, {"i": slack(f"{peer.url}/t")}, token)
            channel = created["data"]["createNotificationChannel"]["channel"]
            tested = await ops_app.gql(TEST, {"id": channel["id"]}, token)
        assert channel["id"] == global_id(NotificationChannel, channel["number"])
        assert channel["config"] == {"webhook_url": "http://127.0.0.1/********"}
        assert tested["data"]["testNotificationChannel"] == {
            "__typename": "TestNotificationChannelSuccess",
            "success": True,
            "error": None,
            "channel": {"lastTestSuccess": True},
        }
        assert len(peer.received) == 1

    async def test_template_error_names_the_field(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await ops_app.gql(
            TEMPLATE, {"i": {"name": "t", "subject": "{% if %}", "body": "ok"}}, token
        )
        assert body["data"]["createNotificationTemplate"] == {
            "__typename": "InvalidTemplate",
            "code": "INVALID_TEMPLATE",
            "field": "subject",
        }

    async def test_rule_names_channels_and_template_by_global_id(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        channel_id = await create_channel(ops_app, token, "ops")
        made = await ops_app.gql(TEMPLATE, {"i": {"name": "t1", "body": "b"}}, token)
        template_id = made["data"]["createNotificationTemplate"]["template"]["id"]
        body = await ops_app.gql(
            RULE,
            {
                "i": {
                    "name": "r",
                    "eventType": "alert.raised",
                    "channelIds": [channel_id],
                    "templateId": template_id,
                }
            },
            token,
        )
        rule = body["data"]["createNotificationRule"]["rule"]
        assert rule | {"id": None} == {
            "id": None,
            "channelIds": [channel_id],
            "channels": {"edges": [{"node": {"name": "ops"}}]},
            "templateId": template_id,
            "template": {"name": "t1"},
        }

    async def test_rule_with_other_types_ids_names_the_field(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        channel_id = await create_channel(ops_app, token)
        wrong = {"name": "r", "eventType": "*", "channelIds": [global_id(Alert, 1)]}
        missing_template = {
            "name": "r",
            "eventType": "*",
            "channelIds": [channel_id],
            "templateId": global_id(NotificationTemplate, 77),
        }
        answers = [
            (await ops_app.gql(RULE, {"i": i}, token))["data"]["createNotificationRule"]
            for i in (wrong, missing_template)
        ]
        assert [(a["__typename"], a["code"], a["field"]) for a in answers] == [
            (
                "NotificationTargetNotFound",
                "NOTIFICATION_TARGET_NOT_FOUND",
                "channelIds",
            ),
            (
                "NotificationTargetNotFound",
                "NOTIFICATION_TARGET_NOT_FOUND",
                "templateId",
            ),
        ]

    async def test_send_and_watch_the_attempts(
        self, full_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer(502) as peer:
            created = await full_app.gql(CREATE, {"i": slack(f"{peer.url}/t")}, token)
            channel_id = created["data"]["createNotificationChannel"]["channel"]["id"]
            sent = await full_app.gql(
                SEND, {"i": {"channelIds": [channel_id], "message": "hi"}}, token
            )
            await peer.wait_for(2)
            for _ in range(100):
                body = await full_app.gql(DELIVERIES, token=token)
                node = body["data"]["notificationDeliveries"]["edges"][0]["node"]
                if node["status"] == "sent":
                    break
                await asyncio.sleep(0.05)
        assert sent["data"]["sendNotification"] == {
            "__typename": "SendNotificationSuccess",
            "deliveryIds": [node["id"]],
        }
        assert node | {"id": None} == {
            "id": None,
            "status": "sent",
            "attempts": 2,
            "channel": {"name": "s"},
            "attemptLog": [
                {"number": 1, "success": False, "statusCode": 502},
                {"number": 2, "success": True, "statusCode": 200},
            ],
        }

    async def test_unknown_channel(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        absent = global_id(NotificationChannel, 42)
        body = await ops_app.gql(
            SEND, {"i": {"channelIds": [absent], "message": "hi"}}, token
        )
        assert body["data"]["sendNotification"] == {
            "__typename": "NotificationTargetNotFound",
            "code": "NOTIFICATION_TARGET_NOT_FOUND",
            "field": "channelIds",
            "message": "Channel 42 not found",
        }

    async def test_delete_and_test_take_global_ids(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        channel_id = await create_channel(ops_app, token)
        other = (await ops_app.gql(TEST, {"id": global_id(Alert, 1)}, token))["data"]
        gone = (await ops_app.gql(DELETE, {"id": channel_id}, token))["data"]
        again = (await ops_app.gql(DELETE, {"id": channel_id}, token))["data"]
        assert other["testNotificationChannel"] == {
            "__typename": "NotificationTargetNotFound",
            "code": "NOTIFICATION_TARGET_NOT_FOUND",
            "field": "id",
        }
        assert gone["deleteNotificationChannel"] == {
            "__typename": "DeleteNotificationChannelSuccess",
            "deletedId": channel_id,
        }
        assert again["deleteNotificationChannel"]["field"] == "id"
