"""Scan and SNMP GET nodes through the scans service, against snmpsim on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app import secrets
from app.credentials import service as credentials_service
from app.db import Sessionmaker, unit_of_work
from app.devices.models import Device
from app.scans import runner
from app.scans.models import Scan
from app.settings import Settings
from app.workflows import service
from tests.executions.conftest import keyed_vault
from tests.scans.conftest import Lab, agents, lab
from tests.snmpsim import Agent, snmprec, system
from tests.snmpsim import agents as snmpsim_agents
from tests.workflows.test_engine import e, n, run_actor, start, statuses
from tests.workflows.test_execution_nodes import node_output

__all__ = ["agents", "keyed_vault", "lab"]  # fixtures shared with other suites

SYS_NAME, SYS_DESCR = "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID, SYS_UPTIME = "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0"
FIRST_NAME = "{{ nodes.scan.output.hosts[0].snmp.sys_name }}"
# `nodes.get` would be dict.get in Jinja2: any node id can be read by subscript.
READ_NAME = "{{ nodes['read'].output.by_oid['" + SYS_NAME + "'] }}"


async def _scan_worker(db: Sessionmaker, settings: Settings) -> None:
    """Stand in for the scans worker: run every scan nobody claimed yet."""
    while True:
        async with db() as session:
            waiting = list(
                await session.scalars(
                    select(Scan.id).where(
                        Scan.status == "running", Scan.claim.is_(None)
                    )
                )
            )
        for scan_id in waiting:
            await runner.run_scan(db, settings, scan_id)
        await asyncio.sleep(0.1)


async def run_with_scanner(db: Sessionmaker, settings: Settings, run_id: str) -> None:
    """Run the workflow while a scans worker drains the queue."""
    worker = asyncio.create_task(_scan_worker(db, settings))
    try:
        await asyncio.wait_for(run_actor(settings, run_id), 60)
    finally:
        worker.cancel()


def scan_flow(lab: Lab, **options: Any) -> dict[str, Any]:
    """scan -> enough (condition) -> yes | no."""
    return {
        "name": "discover",
        "variables": {"community": "private"},
        "nodes": [
            n("start", "trigger:manual"),
            n(
                "scan",
                "scan",
                targets="{{ trigger.net }}",
                scan_type="snmp",
                options={
                    "ping": False,
                    "snmp_port": lab.snmp_port,
                    "snmp_communities": ["public", "{{ vars.community }}"],
                    "timeout": 0.5,
                    **options,
                },
            ),
            n("check", "condition", expression="nodes.scan.output.answered >= 2"),
            n("yes", "set_variable", name="first", value=FIRST_NAME),
            n("no", "set_variable", name="first", value="none"),
        ],
        "edges": [
            e("start", "scan"),
            e("scan", "check"),
            e("check", "yes", "true"),
            e("check", "no", "false"),
        ],
    }


async def scans_stored(db: Sessionmaker) -> list[Scan]:
    async with db() as session:
        return list(await session.scalars(select(Scan)))


class TestScanNode:
    async def test_scan_of_a_slash_28_outputs_the_answering_hosts(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        wf_id, run_id = await start(db, scan_flow(lab), {"net": lab.net})
        await run_with_scanner(db, settings, run_id)
        assert await statuses(db, wf_id, run_id) == {
            "start": "success",
            "scan": "success",
            "check": "success",
            "yes": "success",
            "no": "skipped",
        }
        execution, scan = await node_output(db, wf_id, run_id, "scan")
        assert execution.variables["first"] == "sw-core-1"
        out = scan.output
        assert (out["status"], out["error"], out["total_targets"]) == (
            "completed",
            None,
            14,
        )
        assert (out["completed_targets"], out["answered"]) == (14, 2)
        cisco, juniper = out["hosts"]
        assert (cisco["address"], juniper["address"]) == (lab.host(1), lab.host(2))
        assert (cisco["snmp"]["vendor"], cisco["snmp"]["model"]) == ("Cisco", "C2960")
        assert (juniper["snmp"]["sys_name"], juniper["reachable"]) == (
            "rtr-edge-1",
            False,
        )
        [stored] = await scans_stored(db)
        assert (str(stored.id), stored.status, stored.type) == (
            out["scan_id"],
            "completed",
            "snmp",
        )
        stored_communities = stored.options["snmp_communities"]
        assert all(map(secrets.is_sealed, stored_communities))
        opened = secrets.reveal("scan.options", stored.options)
        assert opened["snmp_communities"] == ["public", "private"]

    async def test_workflow_timeout_cancels_the_scan(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        fields = {
            **scan_flow(lab, window=1, snmp_communities=["nobody", "none"]),
            "settings": {"timeout_seconds": 1},
        }
        wf_id, run_id = await start(db, fields, {"net": lab.net})
        await run_with_scanner(db, settings, run_id)
        await asyncio.sleep(0.5)
        async with db() as session:
            execution, _ = await service.get_execution(session, wf_id, run_id)
        assert (execution.status, execution.error) == ("failed", "timed out after 1 s")
        [stored] = await scans_stored(db)
        assert stored.status == "cancelled"
        assert stored.completed_targets < stored.total_targets

    async def test_too_many_targets_fail_the_node_before_any_scan(
        self, db: Sessionmaker, settings: Settings, lab: Lab
    ) -> None:
        wf_id, run_id = await start(db, scan_flow(lab), {"net": "127.0.0.0/21"})
        await run_with_scanner(db, settings, run_id)
        _, scan = await node_output(db, wf_id, run_id, "scan")
        assert (scan.status, scan.output) == ("failed", {})
        assert scan.error == (
            "invalid config: targets: Value error, "
            "targets: more than 1024 addresses; narrow the targets"
        )
        assert await scans_stored(db) == []

    async def test_test_mode_starts_no_scan_and_hides_communities(
        self, db: Sessionmaker, settings: Settings, lab: Lab
    ) -> None:
        wf_id, run_id = await start(
            db, scan_flow(lab), {"net": lab.net}, test_mode=True
        )
        await run_with_scanner(db, settings, run_id)
        _, scan = await node_output(db, wf_id, run_id, "scan")
        assert scan.output == {
            "dry_run": True,
            "would_run": {
                "type": "scan",
                "targets": [lab.net],
                "scan_type": "snmp",
                "options": {
                    "ping": False,
                    "snmp": True,
                    "ssh": False,
                    "ping_method": "auto",
                    "snmp_port": lab.snmp_port,
                    "snmp_communities": "<2 hidden>",
                    "ssh_port": 22,
                    "timeout": 0.5,
                },
            },
        }
        async with db() as session:
            assert await session.scalar(select(func.count(Scan.id))) == 0


def get_flow(**config: Any) -> dict[str, Any]:
    """read (snmp_get) -> up (success) | down (failure)."""
    return {
        "name": "read",
        "variables": {"base": "1.3.6.1.2.1.1"},
        "nodes": [
            n("start", "trigger:manual"),
            n("read", "snmp_get", timeout=1, retries=0, **config),
            n("up", "set_variable", name="name", value=READ_NAME),
            n("down", "set_variable", name="name", value="unknown"),
        ],
        "edges": [
            e("start", "read"),
            e("read", "up", "success"),
            e("read", "down", "failure"),
        ],
    }


async def snmp_credential(db: Sessionmaker, community: str) -> int:
    data = credentials_service.input_from(
        {"community": community}, name=f"snmp-{community}", credential_type="snmp"
    )
    async with unit_of_work(db) as session:
        stored = await credentials_service.create_credential(
            session, credentials_service.SYSTEM, data
        )
    return stored.id


class TestSnmpGetNode:
    async def test_community_get_outputs_typed_varbinds(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        flow = get_flow(
            host="{{ trigger.host }}",
            port=lab.snmp_port,
            community="public",
            oids=[SYS_NAME, "{{ vars.base }}.1.0", SYS_OBJECT_ID, SYS_UPTIME],
        )
        wf_id, run_id = await start(db, flow, {"host": lab.host(1)})
        await run_actor(settings, run_id)
        execution, get = await node_output(db, wf_id, run_id, "read")
        assert (get.status, execution.variables["name"]) == ("success", "sw-core-1")
        assert get.output == {
            "host": lab.host(1),
            "port": lab.snmp_port,
            "auth": "v2c",
            "varbinds": [
                {"oid": SYS_NAME, "type": "OctetString", "value": "sw-core-1"},
                {
                    "oid": SYS_DESCR,
                    "type": "OctetString",
                    "value": "Cisco IOS Software, C2960 Software "
                    "(C2960-LANBASEK9-M), Version 15.0(2)SE",
                },
                {
                    "oid": SYS_OBJECT_ID,
                    "type": "ObjectIdentifier",
                    "value": "1.3.6.1.4.1.9.1.716",
                },
                {"oid": SYS_UPTIME, "type": "TimeTicks", "value": 4242},
            ],
            "by_oid": {
                SYS_NAME: "sw-core-1",
                SYS_DESCR: "Cisco IOS Software, C2960 Software "
                "(C2960-LANBASEK9-M), Version 15.0(2)SE",
                SYS_OBJECT_ID: "1.3.6.1.4.1.9.1.716",
                SYS_UPTIME: 4242,
            },
            "missing": [],
        }

    async def test_vault_credential_on_a_fleet_device(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        credential_id = await snmp_credential(db, "private")
        async with unit_of_work(db) as session:
            device = Device(name="rtr", hostname="rtr", address=lab.host(2))
            session.add(device)
        flow = get_flow(
            device_id=device.id,
            credential_id=credential_id,
            port=lab.snmp_port,
            oids=[SYS_NAME],
        )
        wf_id, run_id = await start(db, flow, {})
        await run_actor(settings, run_id)
        execution, get = await node_output(db, wf_id, run_id, "read")
        assert execution.variables["name"] == "rtr-edge-1"
        assert (get.output["host"], get.output["auth"]) == (lab.host(2), "v2c")

    async def test_silent_agent_and_absent_oid_take_the_failure_edge(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        silent = get_flow(
            host=lab.host(9), port=lab.snmp_port, community="public", oids=[SYS_NAME]
        )
        wf_id, run_id = await start(db, silent, {})
        await run_actor(settings, run_id)
        execution, get = await node_output(db, wf_id, run_id, "read")
        assert (get.status, execution.variables["name"]) == ("failed", "unknown")
        assert get.error.startswith(f"SNMP agent {lab.host(9)} did not answer: ")
        absent = get_flow(
            host=lab.host(1),
            port=lab.snmp_port,
            community="public",
            oids=[SYS_NAME, "1.3.6.1.4.1.99999.1.0"],
        )
        wf_id, run_id = await start(db, absent, {})
        await run_actor(settings, run_id)
        _, get = await node_output(db, wf_id, run_id, "read")
        assert get.status == "failed"
        assert get.error == "agent has no value for 1.3.6.1.4.1.99999.1.0"
        assert (get.output["by_oid"], get.output["missing"]) == (
            {SYS_NAME: "sw-core-1"},
            ["1.3.6.1.4.1.99999.1.0"],
        )

    async def test_wrong_credential_type_fails_the_node(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        data = credentials_service.input_from(
            {"password": "pw"}, name="ssh-1", credential_type="ssh", username="u"
        )
        async with unit_of_work(db) as session:
            ssh = await credentials_service.create_credential(
                session, credentials_service.SYSTEM, data
            )
        flow = get_flow(host="127.0.0.1", credential_id=ssh.id, oids=[SYS_NAME])
        wf_id, run_id = await start(db, flow, {})
        await run_actor(settings, run_id)
        _, get = await node_output(db, wf_id, run_id, "read")
        assert (get.status, get.error) == (
            "failed",
            f"credential {ssh.id} is not an SNMP credential",
        )

    async def test_test_mode_sends_nothing_and_hides_the_community(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        flow = get_flow(host="127.0.0.1", community="s3cret", oids=[SYS_NAME])
        wf_id, run_id = await start(db, flow, {}, test_mode=True)
        await run_actor(settings, run_id)
        _, get = await node_output(db, wf_id, run_id, "read")
        assert get.output["would_run"]["community"] == "<hidden>"
        assert "s3cret" not in str(get.output)

    async def test_values_of_every_kind_become_plain_json(
        self, db: Sessionmaker, settings: Settings, lab: Lab, tmp_path: Path
    ) -> None:
        values = {
            "1.3.6.1.2.1.2.2.1.6.1": ("4x", "001a2b3c4d5e"),  # a MAC address
            "1.3.6.1.2.1.4.20.1.1.1": (64, "127.0.0.1"),
            "1.3.6.1.2.1.2.2.1.8.1": (2, -1),
            "1.3.6.1.2.1.31.1.1.1.6.1": (70, 12345678901234),
            "1.3.6.1.2.1.2.2.1.5.1": (66, 1000000000),
        }
        record = snmprec({**system("if-1", "Linux", "1.3.6.1.4.1.8072"), **values})
        agent = Agent(lab.host(6), lab.snmp_port, {"public": record})
        async with snmpsim_agents(tmp_path, [agent]):
            flow = get_flow(
                host=lab.host(6),
                port=lab.snmp_port,
                community="public",
                oids=list(values),
            )
            wf_id, run_id = await start(db, flow, {})
            await run_actor(settings, run_id)
        _, read = await node_output(db, wf_id, run_id, "read")
        assert [(v["type"], v["value"]) for v in read.output["varbinds"]] == [
            ("OctetString", "0x001a2b3c4d5e"),
            ("IpAddress", "127.0.0.1"),
            ("Integer", -1),
            ("Counter64", 12345678901234),
            ("Gauge32", 1000000000),
        ]
