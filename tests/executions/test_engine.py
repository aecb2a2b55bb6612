"""The engine against real SSH servers: fan-out, streaming, exit codes, scripts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import dramatiq
import pytest

from app import events
from app.db import Sessionmaker
from app.executions import engine, output, service
from app.settings import Settings
from tests.conftest import free_port
from tests.executions.conftest import Inventory, submit_command, target_of
from tests.sshd import openssh_server


async def _outcome(db: Sessionmaker, uuid: str) -> tuple[object, list[object]]:
    async with db() as session:
        execution = await service.get(session, uuid)
        hosts = await service.hosts(session, execution)
    return execution, hosts


async def _lines(db: Sessionmaker, uuid: str, stream: str = "stdout") -> list[str]:
    found = await events.history(db, service.stream_of(uuid), 0, limit=100_000)
    return [
        line
        for e in found
        if e.type == "output" and e.data["stream"] == stream
        for line in e.data["lines"]
    ]


class TestFanOut:
    async def test_runs_on_every_host_with_exit_codes_and_output(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(
            db, inventory, [1, 2, 3], "echo out-$((1+1)); echo err >&2; exit 3"
        )
        await engine.run(db, uuid, settings, inventory.resolve)
        execution, hosts = await _outcome(db, uuid)
        assert execution.status == "failed"
        assert execution.error_message == "3 of 3 hosts failed"
        assert [
            (h.status, h.exit_code, h.stdout, h.stderr, h.error) for h in hosts
        ] == [("failed", 3, "out-2", "err", None)] * 3
        assert execution.hosts_done == 3
        assert await _lines(db, uuid) == ["out-2"] * 3

    async def test_successful_run_completes_and_emits_domain_event(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1, 2], "seq 1 2000")
        await engine.run(db, uuid, settings, inventory.resolve)
        execution, hosts = await _outcome(db, uuid)
        assert execution.status == "completed"
        assert [h.stdout.count("\n") for h in hosts] == [499, 499]  # tails
        assert execution.results["hosts"] == {
            "host-1": {"status": "completed", "exit_code": 0},
            "host-2": {"status": "completed", "exit_code": 0},
        }
        lines = await _lines(db, uuid)
        assert sorted(lines, key=int) == sorted(
            [str(i) for i in range(1, 2001)] * 2, key=int
        )
        stored = await events.history(db, service.stream_of(uuid), 0, limit=10_000)
        assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
        assert len(stored) < 40
        assert stored[-1].type == "status"
        assert stored[-1].data["final"] is True
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [(e.type, e.data["execution_id"]) for e in domain] == [
            ("execution.completed", uuid)
        ]

    async def test_script_runs_with_its_shebang(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        script = (
            "#!/usr/bin/env python3\nimport sys\nprint('py', sys.version_info[0])\n"
        )
        uuid = await submit_command(
            db, inventory, [1], script, kind="script", step_type="script"
        )
        await engine.run(db, uuid, settings, inventory.resolve)
        execution, hosts = await _outcome(db, uuid)
        assert execution.status == "completed", execution.error_message
        assert hosts[0].stdout == "py 3"

    async def test_per_host_timeout_fails_the_hosts(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(
            db,
            inventory,
            [1, 2],
            'test "$SSH_CONNECTION" || true; sleep 5',
            host_timeout=1,
        )
        await engine.run(db, uuid, settings, inventory.resolve)
        execution, hosts = await _outcome(db, uuid)
        assert execution.status == "failed"
        assert [h.error for h in hosts] == ["Timed out after 1 s"] * 2

    async def test_unreachable_host_is_a_host_failure(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        closed = replace(inventory.devices[1].target, port=free_port())
        dead = inventory.add(closed, name="dead")
        uuid = await submit_command(db, inventory, [1, dead], "echo ok")
        await engine.run(db, uuid, settings, inventory.resolve)
        execution, hosts = await _outcome(db, uuid)
        assert execution.status == "failed"
        assert [(h.host, h.status) for h in hosts] == [
            ("host-1", "completed"),
            ("dead", "failed"),
        ]
        assert hosts[1].error.startswith("SSH_CONNECTION_FAILED")

    async def test_openssh_sshd(
        self,
        db: Sessionmaker,
        settings: Settings,
        tmp_path: Path,
        broker: dramatiq.Broker,
    ) -> None:
        inventory = Inventory()
        async with openssh_server(tmp_path / "sshd") as server:
            inventory.add(target_of(server))
            uuid = await submit_command(db, inventory, [1], "echo hello; exit 0")
            await engine.run(db, uuid, settings, inventory.resolve)
        execution, hosts = await _outcome(db, uuid)
        assert execution.status == "completed"
        assert hosts[0].stdout == "hello"


class TestHostResults:
    async def test_each_host_state_is_announced_once(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1, 2], "echo ok")
        await engine.run(db, uuid, settings, inventory.resolve)
        stored = await events.history(db, service.stream_of(uuid), 0)
        hosts = [e.data for e in stored if e.type == "host"]
        assert sorted((h["host"], h["status"]) for h in hosts) == [
            ("host-1", "completed"),
            ("host-1", "running"),
            ("host-2", "completed"),
            ("host-2", "running"),
        ]

    async def test_a_finished_host_counts_while_others_run(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
        tmp_path: Path,
    ) -> None:
        # the first host to create the directory ends at once, the other sleeps
        command = f"mkdir {tmp_path / 'first'} 2>/dev/null || sleep 3"
        uuid = await submit_command(db, inventory, [1, 2], command)
        run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
        try:
            progress = await _progress_when(db, uuid, lambda p: p.hosts_done == 1)
        finally:
            await run
        assert (progress.status, progress.hosts_done) == ("running", 1)
        execution, hosts = await _outcome(db, uuid)
        assert (execution.status, execution.hosts_done) == ("completed", 2)
        assert [h.status for h in hosts] == ["completed", "completed"]


async def _progress_when(
    db: Sessionmaker, uuid: str, wanted: Callable[[service.Progress], bool]
) -> service.Progress:
    for _ in range(200):
        async with db() as session:
            found = await service.progress(session, await service.get(session, uuid))
        if wanted(found):
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"progress never matched; last {found}")


class TestOutputLines:
    async def test_last_line_without_newline_is_kept_on_both_streams(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "printf 'a\\nb'; printf c >&2")
        await engine.run(db, uuid, settings, inventory.resolve)
        _, hosts = await _outcome(db, uuid)
        assert (hosts[0].stdout, hosts[0].stderr) == ("a\nb", "c")
        assert await _lines(db, uuid) == ["a", "b"]
        assert await _lines(db, uuid, "stderr") == ["c"]

    async def test_a_full_buffer_pauses_reading_and_loses_nothing(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(output, "HIGH_WATER_LINES", 200)
        monkeypatch.setattr(output, "BATCH_LINES", 100)
        paused = []
        room = output.OutputSink.room

        def watched(sink: output.OutputSink) -> object:
            wait = room(sink)
            paused.append(wait is not None)
            return wait

        monkeypatch.setattr(output.OutputSink, "room", watched)
        uuid = await submit_command(db, inventory, [1, 2], "seq 1 20000")
        await engine.run(db, uuid, settings, inventory.resolve)
        execution, _ = await _outcome(db, uuid)
        assert execution.status == "completed"
        assert any(paused)  # the buffer did fill, so reading was paused
        lines = await _lines(db, uuid)
        assert sorted(lines, key=int) == sorted(
            [str(i) for i in range(1, 20001)] * 2, key=int
        )
