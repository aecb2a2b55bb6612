"""A playbook printing an encoding of its host's password shows no usable form."""

from __future__ import annotations

import base64
import urllib.parse

from app.db import Sessionmaker
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import HubInventory, job_events, run
from tests.sshd import asyncssh_server

ENCODINGS = [
    "{{ ansible_password | b64encode }}",
    "{{ ('x' ~ ansible_password ~ 'y') | b64encode }}",
    "{{ ('xy' ~ ansible_password) | b64encode }}",
    "{{ ansible_password | urlencode }}",
    "{{ ansible_password | reverse }}",
    "{{ ansible_password.encode('utf-8').hex() }}",
]


def task(template: str) -> str:
    return f'name: leak\ndebug:\n  msg: "{template}"'


def leaked_forms(password: str) -> list[str]:
    """What each task would print, minus the ends that are not all secret."""
    raw = password.encode()
    return [
        base64.b64encode(raw).decode()[:-2],
        base64.b64encode(b"x" + raw + b"y").decode()[3:-4],
        base64.b64encode(b"xy" + raw).decode()[3:-2],
        urllib.parse.quote(password),
        password[::-1],
        raw.hex(),
    ]


async def test_encoded_password_is_redacted_in_output_and_events(
    db: Sessionmaker,
) -> None:
    playbook = await make_playbook(db, tasks=[(True, task(t)) for t in ENCODINGS])
    async with asyncssh_server() as server:
        assert server.password is not None
        config = (
            f"server1 ansible_host=127.0.0.1 ansible_port={server.port} "
            f"ansible_user={server.username} ansible_password={server.password} "
            "ansible_python_interpreter=/usr/bin/python3\n"
        )
        job = await run(db, [playbook.id], HubInventory(config))
    entry = job.playbooks[0]
    assert (job.status, entry.status) == ("completed", "success"), entry.output
    assert entry.output.count("********") >= len(ENCODINGS)
    shown = entry.output + repr(await job_events(db, job.id))
    assert [f for f in leaked_forms(server.password) if f in shown] == []
