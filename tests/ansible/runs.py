"""Running jobs for real in tests: inventories on loopback and event readers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import events
from app.ansible import job_runs, job_service, stream
from app.ansible.models import AnsibleJob
from app.db import Sessionmaker, unit_of_work
from tests.conftest import free_port
from tests.sshd import SSHServer

LOCAL_INVENTORY = (
    "local1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
)


def ssh_inventory(server: SSHServer, key_dir: Path, name: str = "target") -> str:
    """An INI inventory reaching `server` with its client key in a 0600 file."""
    key = key_dir / "client_key"
    key.write_text(server.client_key)
    key.chmod(0o600)
    return (
        f"{name} ansible_host=127.0.0.1 ansible_port={server.port} "
        f"ansible_user={server.username} ansible_ssh_private_key_file={key} "
        "ansible_python_interpreter=/usr/bin/python3\n"
    )


def closed_port_inventory() -> str:
    """A host on a loopback port nothing listens on."""
    return (
        f"ghost ansible_host=127.0.0.1 ansible_port={free_port()} "
        "ansible_user=nobody ansible_python_interpreter=/usr/bin/python3\n"
    )


async def queue_job(
    db: Sessionmaker, playbook_ids: Sequence[int], inventory: str | None
) -> str:
    """Create a queued job through the service and return its id."""
    async with unit_of_work(db) as session:
        job = await job_service.create_job(
            session, playbook_ids, inventory_text=inventory
        )
    return job.id


async def run(
    db: Sessionmaker, playbook_ids: Sequence[int], inventory: str | None
) -> AnsibleJob:
    """Queue a job, run it as the actor would, and return it finished."""
    job_id = await queue_job(db, playbook_ids, inventory)
    await job_runs.run_job(db, job_id)
    async with db() as session:
        return await job_service.get_job(session, job_id)


async def job_events(db: Sessionmaker, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every stored event of the job, in order, as (type, data)."""
    stored = await events.history(db, stream.stream_of(job_id), 0)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    return [(e.type, e.data) for e in stored]


def host_events(items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(type, host, task) of every per-host result."""
    return [
        (kind, data["host"], data["task"])
        for kind, data in items
        if kind.startswith("host.")
    ]
