"""Discovered hosts land in the fleet; vault credentials drive SNMP and SSH login."""

from __future__ import annotations

from typing import Any

import pytest

from app import events
from app.credentials import service as credentials_service
from app.credentials import vault
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.scans import runner, service
from app.settings import Settings
from tests.conftest import pg_settings
from tests.scans.conftest import Lab
from tests.snmpsim import Agent
from tests.sshd import asyncssh_server


@pytest.fixture(autouse=True)
def keyed_vault() -> None:
    """The vault keyed like the test settings."""
    vault.configure(pg_settings("postgresql+asyncpg://unused/unused"))


async def _credential(
    db: Sessionmaker, name: str, kind: str, username: str | None = None, **values: Any
) -> int:
    data = credentials_service.input_from(
        values, name=name, credential_type=kind, username=username
    )
    async with unit_of_work(db) as session:
        stored = await credentials_service.create_credential(
            session, credentials_service.SYSTEM, data
        )
    return stored.id


async def _run(
    db: Sessionmaker, settings: Settings, targets: list[str], options: dict[str, Any]
) -> Any:
    scan = await service.start_scan(
        db,
        settings,
        scan_type="discovery",
        target_list=targets,
        options=options,
        user_id=None,
        may_use_credentials=True,
    )
    await runner.run_scan(db, settings, scan.id)
    async with db() as session:
        return await service.scan_results(session, scan.id)


class TestDiscoveredDevices:
    async def test_snmp_hosts_become_up_devices_with_vendor_and_model(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        snmp_id = await _credential(db, "juniper-ro", "snmp", community="private")
        options = {
            "ping": False,
            "snmp": True,
            "snmp_port": lab.snmp_port,
            "snmp_credential_ids": [snmp_id],
            "snmp_communities": ["public"],
            "timeout": 1.0,
        }
        targets = [lab.host(1), lab.host(2), lab.host(7)]
        _scan, results = await _run(db, settings, targets, options)
        by_address = {r.address: r for r in results}
        assert by_address[lab.host(7)].device_id is None
        async with db() as session:
            cisco = await devices_service.get_device(
                session, by_address[lab.host(1)].device_id
            )
            juniper = await devices_service.get_device(
                session, by_address[lab.host(2)].device_id
            )
        assert (cisco.hostname, cisco.vendor, cisco.model, cisco.status) == (
            "sw-core-1",
            "Cisco",
            "C2960",
            "up",
        )
        assert (juniper.address, juniper.vendor, juniper.device_type) == (
            lab.host(2),
            "Juniper",
            "router",
        )
        assert by_address[lab.host(2)].snmp["auth"] == "v2c"
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        kinds = [(e.type, e.data["address"]) for e in domain]
        assert kinds.count(("device.discovered", lab.host(1))) == 1
        assert ("device.status.changed", lab.host(2)) in kinds

    async def test_rescan_matches_existing_device_without_rediscovering(
        self, db: Sessionmaker, settings: Settings, lab: Lab, agents: list[Agent]
    ) -> None:
        options = {"ping": False, "snmp_port": lab.snmp_port, "timeout": 1.0}
        _s, first = await _run(db, settings, [lab.host(1)], options)
        _s, second = await _run(db, settings, [lab.host(1)], options)
        assert first[0].device_id == second[0].device_id
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [e.type for e in domain] == [
            "device.discovered",
            "device.status.changed",
        ]


class TestSSHLogin:
    async def test_vault_credential_logs_in_and_pins_host_key(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with asyncssh_server("127.0.0.1") as server:
            good = await _credential(
                db,
                "ssh-good",
                "ssh",
                username=server.username,
                password=server.password,
            )
            options = {
                "ping": False,
                "snmp": False,
                "ssh": True,
                "ssh_port": server.port,
                "ssh_credential_id": good,
                "timeout": 2.0,
            }
            _scan, results = await _run(db, settings, ["127.0.0.1"], options)
            found = results[0].ssh
            assert found["banner"].startswith("SSH-2.0-")
            assert (found["login"], found["host_key"]) == ("ok", server.host_key)
            async with db() as session:
                device = await devices_service.get_device(session, results[0].device_id)
            assert device.host_key == server.host_key

    async def test_wrong_password_is_recorded_not_raised(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with asyncssh_server("127.0.0.1") as server:
            bad = await _credential(
                db,
                "ssh-bad",
                "ssh",
                username=server.username,
                password="not-the-password",
            )
            options = {
                "ping": False,
                "snmp": False,
                "ssh": True,
                "ssh_port": server.port,
                "ssh_credential_id": bad,
                "timeout": 2.0,
            }
            scan, results = await _run(db, settings, ["127.0.0.1"], options)
            assert scan.status == "completed"
            assert results[0].ssh["login"] == "SSH_AUTHENTICATION_FAILED"
            assert "not-the-password" not in str(results[0].ssh)
