"""Channels over REST: masked secrets, outbound policy, real test sends."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory
from tests.notifications.peers import http_peer, smtp_peer
from tests.outbound_hosts import ALWAYS, LOOPBACK, bare

EMAIL = {
    "smtp_port": 2525,
    "security": "none",
    "from_address": "alerts@example.com",
    "to_addresses": ["admin@example.com"],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create(app: RunningApp, token: str, body: dict[str, object]) -> int:
    response = await app.http.post(
        "/api/notifications/channels", json=body, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


class TestChannelCrud:
    async def test_secrets_are_masked_in_every_response(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = {
            "name": "Slack Alerts",
            "channel_type": "slack",
            "config": {"webhook_url": "http://127.0.0.1:9/services/T0/B0/tok-123"},
            "enabled": True,
        }
        created = await ops_app.http.post(
            "/api/notifications/channels", json=body, headers=bearer(token)
        )
        listed = await ops_app.http.get(
            "/api/notifications/channels", headers=bearer(token)
        )
        expected = {
            "id": 1,
            "name": "Slack Alerts",
            "channel_type": "slack",
            "config": {"webhook_url": "http://127.0.0.1/********"},
            "enabled": True,
            "last_test_at": None,
            "last_test_success": None,
        }
        assert (created.status_code, created.json()) == (
            201,
            {"success": True, "data": expected, "message": "Channel created"},
        )
        page = {"total": 1, "limit": None, "offset": 0}
        assert listed.json() == {
            "success": True,
            "data": {"channels": [expected], **page},
        }
        assert "tok-123" not in created.text + listed.text

    async def test_email_password_is_masked(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await ops_app.http.post(
            "/api/notifications/channels",
            json={
                "name": "Email Alerts",
                "channel_type": "email",
                "config": {
                    "smtp_host": "127.0.0.1",
                    "smtp_port": 2525,
                    "smtp_user": "alerts@example.com",
                    "smtp_password": "pw-Zx81",
                    "from_address": "alerts@example.com",
                    "to_addresses": ["admin@example.com"],
                },
            },
            headers=bearer(token),
        )
        config = response.json()["data"]["config"]
        assert config["smtp_password"] == "********"
        assert "pw-Zx81" not in response.text

    async def test_metadata_address_is_refused(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await ops_app.http.post(
            "/api/notifications/channels",
            json={
                "name": "evil",
                "channel_type": "webhook",
                "config": {"url": "http://169.254.169.254/latest/meta-data"},
            },
            headers=bearer(token),
        )
        assert (response.status_code, response.json()) == (
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Link-local addresses are not allowed",
                    "details": {"reason": "URL_NOT_ALLOWED"},
                },
            },
        )

    async def test_loopback_refused_without_the_setting(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.post(
            "/api/notifications/channels",
            json={
                "name": "local",
                "channel_type": "slack",
                "config": {"webhook_url": "http://127.0.0.1:9/x"},
            },
            headers=bearer(token),
        )
        assert response.status_code == 400
        assert response.json()["error"]["details"]["reason"] == "URL_NOT_ALLOWED"

    async def test_bad_config_is_a_400(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await ops_app.http.post(
            "/api/notifications/channels",
            json={"name": "x", "channel_type": "email", "config": {"smtp_host": "h"}},
            headers=bearer(token),
        )
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"field": "config.from_address"}


class TestOutboundPolicy:
    async def test_every_spelling_of_loopback_is_refused_at_save(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        codes = []
        for host in LOOPBACK:
            for config in (
                {"url": f"http://{host}:9/x"},
                {**EMAIL, "smtp_host": bare(host)},
            ):
                kind = "webhook" if "url" in config else "email"
                response = await app.http.post(
                    "/api/notifications/channels",
                    json={"name": "x", "channel_type": kind, "config": config},
                    headers=bearer(token),
                )
                codes.append((response.status_code, _reason(response)))
        assert codes == [(400, "URL_NOT_ALLOWED")] * 2 * len(LOOPBACK)

    async def test_metadata_forms_are_refused_even_with_loopback_allowed(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        codes = []
        for host in [*ALWAYS, "0177.0.0.1"]:
            response = await ops_app.http.post(
                "/api/notifications/channels",
                json={
                    "name": "x",
                    "channel_type": "slack",
                    "config": {"webhook_url": f"http://{host}/hook"},
                },
                headers=bearer(token),
            )
            codes.append((response.status_code, _reason(response)))
        assert codes == [(400, "URL_NOT_ALLOWED")] * (len(ALWAYS) + 1)

    async def test_a_name_of_loopback_is_refused_when_sending(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer() as peer:
            url = f"http://localhost:{peer.port}/hook"
            channel_id = await create(
                app,
                token,
                {"name": "n", "channel_type": "webhook", "config": {"url": url}},
            )
            response = await app.http.post(
                f"/api/notifications/channels/{channel_id}/test",
                headers=bearer(token),
            )
        assert response.json()["data"]["last_test_success"] is False
        assert peer.received == []


class TestChannelTest:
    async def test_slack_really_sends(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer() as peer:
            channel_id = await create(
                ops_app,
                token,
                {
                    "name": "slack",
                    "channel_type": "slack",
                    "config": {"webhook_url": f"{peer.url}/services/T/B/x"},
                },
            )
            response = await ops_app.http.post(
                f"/api/notifications/channels/{channel_id}/test",
                headers=bearer(token),
            )
        data = response.json()["data"]
        assert (data["last_test_success"], data["error"]) == (True, None)
        assert data["last_test_at"].endswith("Z")
        [request] = peer.received
        assert (request.method, request.path) == ("POST", "/services/T/B/x")
        assert request.json() == {
            "text": "*OpsGraph test notification*\nTest message for channel 'slack'."
        }

    async def test_webhook_signs_and_never_echoes_the_reply(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer(500) as peer:
            channel_id = await create(
                ops_app,
                token,
                {
                    "name": "hook",
                    "channel_type": "webhook",
                    "config": {
                        "url": f"{peer.url}/hook?token=abc",
                        "method": "PUT",
                        "headers": {"X-Team": "ops"},
                        "secret": "hmac-key",
                    },
                },
            )
            response = await ops_app.http.post(
                f"/api/notifications/channels/{channel_id}/test",
                headers=bearer(token),
            )
        data = response.json()["data"]
        assert (data["last_test_success"], data["error"]) == (False, "HTTP 500")
        assert "SECRET-4711" not in response.text
        [request] = peer.received
        signature = hmac.new(b"hmac-key", request.body, hashlib.sha256).hexdigest()
        assert request.method == "PUT"
        assert request.headers["x-opsgraph-signature"] == f"sha256={signature}"
        assert request.headers["x-team"] == "ops"
        assert request.json()["event_type"] == "notification.test"

    async def test_redirects_are_not_followed(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer(302) as peer:
            peer.extra_headers["Location"] = f"{peer.url}/elsewhere"
            channel_id = await create(
                ops_app,
                token,
                {
                    "name": "hook",
                    "channel_type": "webhook",
                    "config": {"url": f"{peer.url}/hook"},
                },
            )
            response = await ops_app.http.post(
                f"/api/notifications/channels/{channel_id}/test",
                headers=bearer(token),
            )
        assert response.json()["data"]["error"] == "HTTP 302"
        assert [r.path for r in peer.received] == ["/hook"]

    async def test_email_through_smtp(
        self, ops_app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        async with smtp_peer("alerts", "smtp-pw-1") as (port, inbox):
            channel_id = await create(
                ops_app,
                token,
                {
                    "name": "mail",
                    "channel_type": "email",
                    "config": {
                        "smtp_host": "127.0.0.1",
                        "smtp_port": port,
                        "smtp_user": "alerts",
                        "smtp_password": "smtp-pw-1",
                        "security": "none",
                        "from_address": "alerts@example.com",
                        "to_addresses": ["admin@example.com", "ops@example.com"],
                    },
                },
            )
            response = await ops_app.http.post(
                f"/api/notifications/channels/{channel_id}/test",
                headers=bearer(token),
            )
        assert response.json()["data"]["last_test_success"] is True
        [(envelope, message)] = inbox.messages
        assert inbox.logins == [True]
        assert envelope.rcpt_tos == ["admin@example.com", "ops@example.com"]
        assert message["Subject"] == "OpsGraph test notification"
        assert message["From"] == "alerts@example.com"

    async def test_masked_secret_survives_an_update(
        self, ops_app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        async with http_peer() as peer:
            channel_id = await create(
                ops_app,
                token,
                {
                    "name": "slack",
                    "channel_type": "slack",
                    "config": {"webhook_url": f"{peer.url}/real/path"},
                },
            )
            put = await ops_app.http.put(
                f"/api/notifications/channels/{channel_id}",
                json={
                    "name": "renamed",
                    "config": {"webhook_url": "http://127.0.0.1/********"},
                },
                headers=bearer(token),
            )
            await ops_app.http.post(
                f"/api/notifications/channels/{channel_id}/test",
                headers=bearer(token),
            )
        assert put.json()["data"]["name"] == "renamed"
        assert [r.path for r in peer.received] == ["/real/path"]


def _reason(response: Any) -> str:
    """OpsConductor's precise error code (its `code` is the documented one)."""
    return str(response.json()["error"]["details"]["reason"])
