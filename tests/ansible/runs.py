"""Running jobs for real in tests: inventories on loopback and event readers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app import events
from app.ansible import job_runs, job_service, stream
from app.ansible.models import AnsibleJob
from app.credentials import service as credentials_service
from app.db import Sessionmaker, unit_of_work
from app.executions import service as executions_service
from app.executions.models import Execution, ExecutionHost
from app.inventories import service as inventories_service
from tests.conftest import RunningApp, free_port
from tests.sshd import SSHServer

SYSTEM = credentials_service.SYSTEM


@dataclass(frozen=True)
class HubInventory:
    """An Ansible Hub inventory to store, and the SSH key its hosts log in with."""

    config: str
    private_key: str | None = None
    username: str | None = None


LOCAL_INVENTORY = HubInventory(
    "local1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
)


def ssh_inventory(server: SSHServer, name: str = "target") -> HubInventory:
    """An inventory reaching `server`; its key goes to the vault, not the text."""
    return HubInventory(
        f"{name} ansible_host=127.0.0.1 ansible_port={server.port} "
        f"ansible_user={server.username} ansible_python_interpreter=/usr/bin/python3\n",
        private_key=server.client_key,
        username=server.username,
    )


def closed_port_inventory() -> HubInventory:
    """A host on a loopback port nothing listens on."""
    return HubInventory(
        f"ghost ansible_host=127.0.0.1 ansible_port={free_port()} "
        "ansible_user=nobody ansible_python_interpreter=/usr/bin/python3\n"
    )


async def store_inventory(db: Sessionmaker, spec: HubInventory) -> int:
    """Create the inventory (linking its hosts to devices) and give its hosts a key."""
    async with unit_of_work(db) as session:
        inventory = await inventories_service.create_inventory(
            session, SYSTEM, f"inventory-{uuid.uuid4().hex[:8]}", spec.config
        )
        if spec.private_key is not None:
            data = credentials_service.input_from(
                {"private_key": spec.private_key},
                name=f"key-{inventory.id}",
                credential_type="ssh",
                username=spec.username,
            )
            cred = await credentials_service.create_credential(session, SYSTEM, data)
            links = await inventories_service.hosts_of(session, [inventory.id])
            for link in links[inventory.id]:
                link.credential_id = cred.id
        return inventory.id


async def queue_job(
    db: Sessionmaker, playbook_ids: Sequence[int], inventory: HubInventory | None
) -> str:
    """Create a queued job through the service and return its id."""
    inventory_id = None if inventory is None else await store_inventory(db, inventory)
    async with unit_of_work(db) as session:
        job = await job_service.create_job(
            session, playbook_ids, inventory_id=inventory_id
        )
    return job.id


async def run(
    db: Sessionmaker, playbook_ids: Sequence[int], inventory: HubInventory | None
) -> AnsibleJob:
    """Queue a job, run it as the actor would, and return it finished."""
    job_id = await queue_job(db, playbook_ids, inventory)
    await job_runs.run_job(db, job_id)
    async with db() as session:
        return await job_service.get_job(session, job_id)


async def job_events(db: Sessionmaker, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every stored event of the job's execution, in order, as (type, data)."""
    async with db() as session:
        job = await job_service.get_job(session, job_id)
    assert job.execution_uuid is not None
    stored = await events.history(db, stream.stream_of(job), 0)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    return [(e.type, e.data) for e in stored]


def host_events(items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(type, host, task) of every per-host result."""
    return [
        (kind, data["host"], data["task"])
        for kind, data in items
        if kind.startswith("host.")
    ]


def statuses(items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The execution statuses announced on the stream, in order."""
    return [data["status"] for kind, data in items if kind == "status"]


async def execution_of(
    db: Sessionmaker, job_id: str
) -> tuple[Execution, dict[str, ExecutionHost]]:
    """The execution backing a job, and its host rows by host name."""
    async with db() as session:
        job = await job_service.get_job(session, job_id)
        assert job.execution_uuid is not None
        execution = await executions_service.get(session, job.execution_uuid)
        hosts = await executions_service.hosts(session, execution)
    return execution, {h.host: h for h in hosts}


async def wait_for_event(db: Sessionmaker, job_id: str, kind: str) -> None:
    """Return once the job's stream holds an event of type `kind`."""
    for _ in range(300):
        if any(k == kind for k, _ in await job_events(db, job_id)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} event")


async def finished_job(app: RunningApp, job_id: str, headers: dict[str, str]) -> Any:
    """Poll the Ansible Hub job until it leaves queued/running; its `data`."""
    for _ in range(300):
        response = await app.http.get(f"/api/playbooks/jobs/{job_id}", headers=headers)
        data = response.json()["data"]
        if data["status"] not in ("queued", "running"):
            return data
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")
