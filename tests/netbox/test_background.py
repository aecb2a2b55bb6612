"""Autodiscovery into NetBox with the scan engine, and the scheduled import."""

from __future__ import annotations

import asyncio
import ipaddress
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dramatiq
import pytest
from sqlalchemy import update

from app import jobs
from app.audit import service as audit_service
from app.credentials import vault
from app.db import Sessionmaker, unit_of_work, utcnow
from app.netbox import service as netbox_service
from app.runtime_settings import service as settings_service
from app.scans.models import PeriodicRun
from tests.conftest import RunningApp, TokenFactory, free_port, pg_settings
from tests.netbox.conftest import TOKEN, Netbox, auth, configure


@dataclass(frozen=True)
class Lab:
    """A loopback /30 no other test uses, with TCP listeners on both hosts."""

    network: str
    port: int
    hosts: tuple[str, str]


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    """Listeners on .1 and .2 of a random 127.x.y.z/30."""
    net = ipaddress.ip_network(
        f"127.{random.randint(100, 250)}.{random.randint(0, 250)}."  # noqa: S311
        f"{random.choice(range(0, 256, 4))}/30"  # noqa: S311
    )
    hosts = tuple(str(h) for h in net.hosts())
    port = free_port()
    servers = [
        await asyncio.start_server(lambda _r, w: w.close(), host, port)
        for host in hosts
    ]
    yield Lab(str(net), port, (hosts[0], hosts[1]))
    for server in servers:
        server.close()
        await server.wait_closed()


async def _until(check: Any, seconds: float = 15.0) -> Any:
    for _ in range(int(seconds / 0.1)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


def _netbox_device(netbox: Netbox, name: str, address: str) -> dict[str, Any]:
    """A device NetBox already has, at site 1 / role 1, with `address` primary."""
    fake = netbox.fake
    device = fake.add("devices", name=name, site=1, role=1, device_type=1)
    interface = fake.add("interfaces", device=device["id"], name="eth0", type="other")
    ip = fake.add(
        "ips",
        address=f"{address}/32",
        assigned_object_type="dcim.interface",
        assigned_object_id=interface["id"],
    )
    device["primary_ip4"] = ip["id"]
    return device


async def _linked(app: RunningApp, token: str, address: str) -> list[int]:
    """NetBox ids of the devices at `address` that OpsGraph has linked."""
    listed = await app.http.get(
        "/api/netbox/devices", params={"search": address}, headers=auth(token)
    )
    return [d["id"] for d in listed.json()["data"] if d["opsgraph_device_id"]]


async def _pushed(netbox: Netbox, address: str) -> Any:
    """The NetBox device whose interface holds `address`/32, once there."""
    tables = netbox.fake.tables
    ips = [ip for ip in tables["ips"].values() if ip["address"] == f"{address}/32"]
    if not ips:
        return None
    interface = tables["interfaces"][ips[0]["assigned_object_id"]]
    return tables["devices"].get(interface["device"])


def _netbox_device(netbox: Netbox, name: str, address: str) -> dict[str, Any]:
    """A device NetBox already has, at site 1 / role 1, with `address` primary."""
    fake = netbox.fake
    device = fake.add("devices", name=name, site=1, role=1, device_type=1)
    interface = fake.add("interfaces", device=device["id"], name="eth0", type="other")
    ip = fake.add(
        "ips",
        address=f"{address}/32",
        assigned_object_type="dcim.interface",
        assigned_object_id=interface["id"],
    )
    device["primary_ip4"] = ip["id"]
    return device


async def _linked(app: RunningApp, token: str, address: str) -> list[int]:
    """NetBox ids of the devices at `address` that OpsGraph has linked."""
    listed = await app.http.get(
        "/api/netbox/devices", params={"search": address}, headers=auth(token)
    )
    return [d["id"] for d in listed.json()["data"] if d["opsgraph_device_id"]]


async def _pushed(netbox: Netbox, address: str) -> Any:
    """The NetBox device whose interface holds `address`/32, once there."""
    tables = netbox.fake.tables
    ips = [ip for ip in tables["ips"].values() if ip["address"] == f"{address}/32"]
    if not ips:
        return None
    interface = tables["interfaces"][ips[0]["assigned_object_id"]]
    return tables["devices"].get(interface["device"])


class TestAutodiscovery:
    async def test_found_hosts_go_to_netbox_known_ones_stay_put(
        self, live: RunningApp, make_user: TokenFactory, netbox: Netbox, lab: Lab
    ) -> None:
        token = await make_user()
        await configure(live, token, netbox)
        known = _netbox_device(netbox, "known-host", lab.hosts[1])
        options = {"ping_method": "tcp", "tcp_ports": [lab.port], "timeout": 0.5}
        body = {"network": lab.network, "site_id": 2, "role_id": 2}
        body |= {"create_in_netbox": True, "options": options | {"snmp": False}}
        started = await live.http.post(
            "/api/netbox/autodiscovery", json=body, headers=auth(token)
        )
        assert started.status_code == 202, started.text
        scan_id = started.json()["data"]["scan_id"]
        made = await _until(lambda: _pushed(netbox, lab.hosts[0]))
        assert (made["site"], made["role"]) == (2, 2)
        generic = netbox.fake.tables["types"][made["device_type"]]
        assert (generic["slug"], generic["model"]) == ("generic", "Generic device")
        linked = await _until(lambda: _linked(live, token, lab.hosts[1]))
        assert (known["name"], known["site"], known["role"]) == ("known-host", 1, 1)
        assert linked == [known["id"]]
        results = await live.http.get(
            f"/api/scans/{scan_id}/results", headers=auth(token)
        )
        seen = {r["ip_address"] for r in results.json()["data"]["results"]}
        assert seen == set(lab.hosts)

    async def test_not_configured_refuses_before_scanning(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.post(
            "/api/netbox/autodiscovery",
            json={"network": "127.0.0.1/32", "create_in_netbox": True},
            headers=auth(token),
        )
        assert response.status_code == 400
        scans = await app.http.get("/api/scans", headers=auth(token))
        assert scans.json()["data"]["scans"] == []


class TestScheduledImport:
    async def test_fires_once_per_interval_across_workers(
        self, db: Sessionmaker, netbox: Netbox, pg_url: str
    ) -> None:
        settings = pg_settings(pg_url, allow_loopback_urls=True)
        vault.configure(settings)
        settings_service.configure(settings)
        broker = jobs.make_broker(settings)
        async with unit_of_work(db) as session:
            await settings_service.update(
                session,
                {
                    "netbox_url": netbox.url,
                    "netbox_token": TOKEN,
                    "netbox_sync_interval_minutes": 5,
                },
                None,
            )
        assert await netbox_service.tick(db) is False  # the first sighting starts it
        async with unit_of_work(db) as session:
            await session.execute(
                update(PeriodicRun)
                .where(PeriodicRun.name == netbox_service.PERIOD_NAME)
                .values(last_at=utcnow() - timedelta(minutes=6))
            )
        fired = await asyncio.gather(*(netbox_service.tick(db) for _ in range(4)))
        assert sorted(fired) == [False, False, False, True]
        assert await netbox_service.tick(db) is False
        queued = _queued(broker, "default")
        assert queued == [netbox_service.SCHEDULED_IMPORT.actor_name]
        summary = await netbox_service.scheduled_import(db, settings)
        assert summary is not None
        assert summary.created == 3
        async with db() as session:
            entries = await audit_service.list_entries(session, action="netbox.import")
        assert [(e.username, e.details["created"]) for e in entries] == [
            ("scheduler", 3)
        ]


def _queued(broker: dramatiq.Broker, queue: str) -> list[str]:
    messages = []
    pending = broker.queues[queue]  # type: ignore[attr-defined]
    while not pending.empty():
        messages.append(dramatiq.Message.decode(pending.get()).actor_name)
    return messages
