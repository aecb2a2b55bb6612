"""A command printing an encoding of the host's password stores no usable form."""

from __future__ import annotations

import base64
import urllib.parse

import dramatiq

from app import events
from app.db import Sessionmaker
from app.executions import engine, service
from app.settings import Settings
from tests.executions.conftest import Inventory, submit_command, target_of
from tests.sshd import asyncssh_server


async def test_encoded_password_is_redacted_in_stored_output(
    db: Sessionmaker, settings: Settings, broker: dramatiq.Broker
) -> None:
    async with asyncssh_server() as server:
        assert server.password is not None
        password = server.password
        encoded = base64.b64encode(f"user:{password}".encode()).decode()
        command = (
            f"printf %s '{password}' | base64; "
            f"printf %s 'user:{password}' | base64; "
            f"printf %s '{password}' | od -An -tx1 | tr -d ' \\n'; echo; "
            f"echo '{urllib.parse.quote(password)}'; "
            f"printf %s '{password}' | rev"
        )
        inventory = Inventory()
        device_id = inventory.add(target_of(server, password=True))
        uuid = await submit_command(db, inventory, [device_id], command)
        await engine.run(db, uuid, settings, inventory.resolve)
    async with db() as session:
        [host] = await service.hosts(session, await service.get(session, uuid))
    streamed = await events.history(db, service.stream_of(uuid), 0)
    lines = [e.data["lines"] for e in streamed if e.type == "output"]
    stored = host.stdout + repr(lines)
    assert host.status == "completed", host.error
    assert len(host.stdout.splitlines()) == 5
    leaked = [
        base64.b64encode(password.encode()).decode()[:-2],
        encoded[8:-4],
        password.encode().hex(),
        urllib.parse.quote(password),
        password[::-1],
    ]
    assert [form for form in leaked if form in stored] == []
