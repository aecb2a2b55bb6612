"""A channel's stored secrets go only where they were stored for.

An operator (no `credentials.secret.read`) who points a channel at a new URL
or SMTP server with the secrets masked sends the test message without them;
an admin, who may read them anyway, keeps them.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory
from tests.notifications.peers import http_peer, smtp_peer

CHANNELS = "/api/notifications/channels"
HOOK_SECRET = "hook-secret-8841"
SMTP_PASSWORD = "smtp-pw-5521"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def move_and_test(
    app: RunningApp, creator: str, mover: str, body: dict[str, Any], config: Any
) -> dict[str, Any]:
    """Create a channel as `creator`, PUT `config` as `mover`, then test-send."""
    created = await app.http.post(CHANNELS, json=body, headers=bearer(creator))
    url = f"{CHANNELS}/{created.json()['data']['id']}"
    put = await app.http.put(url, json={"config": config}, headers=bearer(mover))
    assert put.status_code == 200, put.text
    tested = await app.http.post(f"{url}/test", headers=bearer(mover))
    data: dict[str, Any] = tested.json()["data"]
    return data


def webhook(url: str) -> dict[str, Any]:
    return {
        "name": "hook",
        "channel_type": "webhook",
        "config": {
            "url": url,
            "headers": {"Authorization": f"Bearer {HOOK_SECRET}"},
            "secret": HOOK_SECRET,
        },
    }


async def test_operator_moving_a_webhook_sends_no_stored_secret(
    ops_app: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    async with http_peer() as stored_for, http_peer() as new_host:
        moved = {
            "url": f"{new_host.url}/steal",
            "headers": {"Authorization": "********"},
            "secret": "********",
        }
        await move_and_test(ops_app, admin, operator, webhook(stored_for.url), moved)
    [received] = new_host.received
    assert "authorization" not in received.headers
    assert "x-opsgraph-signature" not in received.headers
    assert stored_for.received == []


async def test_admin_moving_a_webhook_keeps_its_secrets(
    ops_app: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    async with http_peer() as stored_for, http_peer() as new_host:
        moved = {
            "url": f"{new_host.url}/moved",
            "headers": {"Authorization": "********"},
            "secret": "********",
        }
        await move_and_test(ops_app, admin, admin, webhook(stored_for.url), moved)
    [received] = new_host.received
    assert received.headers["authorization"] == f"Bearer {HOOK_SECRET}"


async def test_operator_keeping_the_url_keeps_the_secrets(
    ops_app: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    async with http_peer() as peer:
        same = {
            "url": "http://127.0.0.1/********",
            "headers": {"Authorization": "********"},
            "secret": "********",
        }
        await move_and_test(ops_app, admin, operator, webhook(peer.url), same)
    [received] = peer.received
    assert received.headers["authorization"] == f"Bearer {HOOK_SECRET}"


def email(port: int) -> dict[str, Any]:
    return {
        "name": "mail",
        "channel_type": "email",
        "config": {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_user": "alerts",
            "smtp_password": SMTP_PASSWORD,
            "security": "none",
            "from_address": "alerts@example.com",
            "to_addresses": ["admin@example.com"],
        },
    }


async def test_operator_moving_smtp_sends_no_stored_password(
    ops_app: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    async with (
        smtp_peer("alerts", SMTP_PASSWORD) as (port, stored_for),
        smtp_peer("alerts", SMTP_PASSWORD) as (new_port, new_host),
    ):
        config = {**email(port)["config"], "smtp_host": "localhost"}
        moved = {**config, "smtp_port": new_port, "smtp_password": "********"}
        result = await move_and_test(ops_app, admin, operator, email(port), moved)
    assert new_host.logins == []
    assert stored_for.logins == []
    assert (result["last_test_success"], len(new_host.messages)) == (True, 1)
