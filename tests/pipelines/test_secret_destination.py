"""A notify step's stored SMTP password goes only to the server it was stored for.

An operator (no `credentials.secret.read`) who PATCHes the step to another
SMTP server with the password masked runs it without the password; an admin
keeps it.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningApp, TokenFactory
from tests.notifications.peers import smtp_peer
from tests.pipelines.conftest import finished, pipeline_body, step

P = "/api/v1/pipelines"
PASSWORD = "pipe-pw-7730"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mail_step(port: int, password: str) -> dict[str, Any]:
    smtp = {
        "host": "127.0.0.1",
        "port": port,
        "username": "user@example.com",
        "password": password,
        "from": "mockforge@example.com",
        "security": "none",
    }
    config = {"type": "email", "smtp": smtp, "to": ["t@example.com"], "message": "m"}
    return step("mail", "notify", config)


async def move_and_run(
    app: RunningApp, creator: str, mover: str, new_port: int, old_port: int
) -> dict[str, Any]:
    body = pipeline_body([mail_step(old_port, PASSWORD)])
    created = await app.http.post(P, json=body, headers=bearer(creator))
    url = f"{P}/{created.json()['id']}"
    moved = pipeline_body([mail_step(new_port, "********")])["definition"]
    patched = await app.http.patch(
        url, json={"definition": moved}, headers=bearer(mover)
    )
    assert patched.status_code == 200, patched.text
    started = await app.http.post(f"{url}/trigger", headers=bearer(mover))
    return await finished(app, bearer(mover), started.json()["id"])


async def test_operator_moving_smtp_sends_no_stored_password(
    worker_api: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    operator = await make_user("op", ("operator",))
    async with (
        smtp_peer("user@example.com", PASSWORD) as (port, stored_for),
        smtp_peer("user@example.com", PASSWORD) as (new_port, new_host),
    ):
        done = await move_and_run(worker_api, admin, operator, new_port, port)
    assert done["status"] == "completed", done
    assert (new_host.logins, len(new_host.messages)) == ([], 1)
    assert stored_for.logins == []


async def test_admin_moving_smtp_keeps_the_password(
    worker_api: RunningApp, make_user: TokenFactory
) -> None:
    admin = await make_user("root")
    async with (
        smtp_peer("user@example.com", PASSWORD) as (port, _),
        smtp_peer("user@example.com", PASSWORD) as (new_port, new_host),
    ):
        done = await move_and_run(worker_api, admin, admin, new_port, port)
    assert done["status"] == "completed", done
    assert new_host.logins == [True]
