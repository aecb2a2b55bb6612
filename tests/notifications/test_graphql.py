"""Notifications over GraphQL: channels, test sends, templates, deliveries."""

from __future__ import annotations

import asyncio

from tests.conftest import RunningApp, TokenFactory
from tests.notifications.peers import http_peer

CREATE = """mutation($i: NotificationChannelInput!) {
  createNotificationChannel(input: $i) { __typename
    ... on NotificationChannelSuccess { channel { id config } }
    ... on Error { message } } }"""
TEST = """mutation($id: Int!) { testNotificationChannel(id: $id) { __typename
  ... on TestNotificationChannelSuccess { success error channel { lastTestSuccess } }
} }"""
TEMPLATE = """mutation($i: NotificationTemplateInput!) {
  createNotificationTemplate(input: $i) { __typename
    ... on InvalidTemplate { field } } }"""
SEND = """mutation($i: SendNotificationInput!) { sendNotification(input: $i) {
  __typename ... on SendNotificationSuccess { deliveryIds }
  ... on NotificationTargetNotFound { message } } }"""
DELIVERIES = """{ notificationDeliveries { status attempts
  attemptLog { number success statusCode } } }"""


def slack(url: str) -> dict[str, object]:
    return {"name": "s", "channelType": "slack", "config": {"webhook_url": url}}


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
            "field": "subject",
        }

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
                if body["data"]["notificationDeliveries"][0]["status"] == "sent":
                    break
                await asyncio.sleep(0.05)
        assert (
            sent["data"]["sendNotification"]["__typename"] == "SendNotificationSuccess"
        )
        assert body["data"]["notificationDeliveries"] == [
            {
                "status": "sent",
                "attempts": 2,
                "attemptLog": [
                    {"number": 1, "success": False, "statusCode": 502},
                    {"number": 2, "success": True, "statusCode": 200},
                ],
            }
        ]

    async def test_unknown_channel(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await ops_app.gql(
            SEND, {"i": {"channelIds": [42], "message": "hi"}}, token
        )
        assert body["data"]["sendNotification"] == {
            "__typename": "NotificationTargetNotFound",
            "message": "Channel 42 not found",
        }
