"""Cancelling a job run over OpenSSH stops the remote command, not only Ansible.

The loopback sshd's host is this machine, so the remote `sleep` is visible in
the local process table (a child of sshd) and must be gone soon after cancel.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path

import psutil

from app.ansible import job_runs, job_service
from app.db import Sessionmaker, unit_of_work
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import execution_of, queue_job, ssh_inventory
from tests.sshd import openssh_server


def _processes(cmdline: list[str]) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == cmdline]


def _under_sshd(process: psutil.Process) -> bool:
    return any(parent.name() == "sshd" for parent in process.parents())


async def _until(check: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


class TestCancelOverSSH:
    async def test_remote_command_stops_with_the_job(
        self, db: Sessionmaker, tmp_path: Path
    ) -> None:
        nap = ["sleep", f"60.{secrets.randbelow(10**6):06d}"]  # unique on this box
        playbook = await make_playbook(
            db, "remote nap", tasks=[(True, f"name: nap\ncommand: {' '.join(nap)}")]
        )
        try:
            async with openssh_server(tmp_path / "sshd") as server:
                job_id = await queue_job(db, [playbook.id], ssh_inventory(server))
                running = asyncio.create_task(job_runs.run_job(db, job_id))
                await _until(lambda: bool(_processes(nap)), 30)
                assert all(_under_sshd(p) for p in _processes(nap))
                async with unit_of_work(db) as session:
                    await job_service.cancel_job(session, job_id)
                await asyncio.wait_for(running, 15)
                await _until(lambda: not _processes(nap), 5)
        finally:
            for leftover in _processes(nap):
                leftover.kill()
        async with db() as session:
            assert (await job_service.get_job(session, job_id)).status == "cancelled"
        execution, hosts = await execution_of(db, job_id)
        assert execution.status == "cancelled"
        assert hosts["target"].status == "cancelled"
