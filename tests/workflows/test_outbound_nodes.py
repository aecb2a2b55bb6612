"""Nodes that dial an address a user typed obey the outbound policy.

A TCP listener answers on 127.0.0.1 and ::1: a ping node that reaches it
through any spelling of loopback would report it reachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.conftest import RunningApp, TokenFactory, free_port
from tests.outbound_hosts import LOOPBACK, bare
from worker import runtime
from worker.actors import workflows as workflow_actors

OC = "/api/workflows"


@asynccontextmanager
async def listener() -> AsyncIterator[tuple[int, list[str]]]:
    """A TCP port open on 127.0.0.1 and ::1, recording who connected."""
    seen: list[str] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(str(writer.get_extra_info("peername")[0]))
        writer.close()

    port = free_port()
    server = await asyncio.start_server(accept, ["127.0.0.1", "::1"], port)
    async with server:
        yield port, seen


def ping_workflow(port: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "go", "type": "trigger:manual", "data": {}}]
    edges = []
    for i, host in enumerate(LOOPBACK):
        data = {"host": bare(host), "port": port, "timeout": 2}
        nodes.append({"id": f"p{i}", "type": "ping", "data": data})
        edges.append({"id": f"e{i}", "source": "go", "target": f"p{i}"})
    return {"name": "ssrf-ping", "nodes": nodes, "edges": edges}


async def test_ping_refuses_every_spelling_of_loopback(
    app: RunningApp, make_user: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {await make_user('op', ('operator',))}"}
    async with listener() as (port, seen):
        created = await app.http.post(OC, json=ping_workflow(port), headers=headers)
        assert created.status_code == 201, created.text
        url = f"{OC}/{created.json()['data']['id']}"
        started = await app.http.post(f"{url}/execute", json={}, headers=headers)
        run_id = started.json()["data"]["execution_id"]
        runtime.configure(app.settings)
        await workflow_actors.run(run_id)
        detail = await app.http.get(f"{url}/executions/{run_id}", headers=headers)
    pings = [r for r in detail.json()["data"]["node_results"] if r["node_id"] != "go"]
    assert [(r["status"], "not allowed" in (r["error"] or "")) for r in pings] == [
        ("failed", True)
    ] * len(LOOPBACK)
    assert seen == []


async def test_snmp_get_refuses_loopback(
    app: RunningApp, make_user: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {await make_user('op', ('operator',))}"}
    hosts = ["127.0.0.1", "localhost", "0x7f.0.0.1", "0.0.0.0"]  # noqa: S104
    nodes: list[dict[str, Any]] = [{"id": "go", "type": "trigger:manual", "data": {}}]
    for i, host in enumerate(hosts):
        data = {"host": host, "community": "public", "oids": ["1.3.6.1.2.1.1.1.0"]}
        nodes.append({"id": f"s{i}", "type": "snmp_get", "data": data})
    edges = [
        {"id": f"e{i}", "source": "go", "target": f"s{i}"} for i in range(len(hosts))
    ]
    body = {"name": "ssrf-snmp", "nodes": nodes, "edges": edges}
    created = await app.http.post(OC, json=body, headers=headers)
    url = f"{OC}/{created.json()['data']['id']}"
    started = await app.http.post(f"{url}/execute", json={}, headers=headers)
    run_id = started.json()["data"]["execution_id"]
    runtime.configure(app.settings)
    await workflow_actors.run(run_id)
    detail = await app.http.get(f"{url}/executions/{run_id}", headers=headers)
    gets = [r for r in detail.json()["data"]["node_results"] if r["node_id"] != "go"]
    assert [r["error"] for r in gets] == [
        "address: 127.0.0.1: Loopback addresses are not allowed",
        "address: 127.0.0.1: Loopback addresses are not allowed",
        "address: 127.0.0.1: Loopback addresses are not allowed",
        "address: 0.0.0.0: This address is not allowed",
    ]


async def test_nodes_naming_a_vault_credential_need_credential_use(
    app: RunningApp, make_user: TokenFactory
) -> None:
    admin = {"Authorization": f"Bearer {await make_user('root')}"}
    op = {"Authorization": f"Bearer {await make_user('op', ('operator',))}"}
    stored = await app.http.post(
        "/api/credentials",
        json={"name": "snmp-v", "credential_type": "snmp", "community": "c-41"},
        headers=admin,
    )
    get = {
        "id": "g",
        "type": "snmp_get",
        "data": {
            "host": "127.0.0.1",
            "credential_id": stored.json()["data"]["id"],
            "oids": ["1.3.6.1.2.1.1.1.0"],
        },
    }
    body = {"name": "uses-vault", "nodes": [get], "edges": []}
    refused = await app.http.post(OC, json=body, headers=op)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "FORBIDDEN")
    created = await app.http.post(OC, json=body, headers=admin)
    assert created.status_code == 201, created.text
    url = f"{OC}/{created.json()['data']['id']}"
    renamed = await app.http.put(url, json={"name": "renamed"}, headers=op)
    assert renamed.status_code == 200, renamed.text
    moved = {**get, "data": {**get["data"], "host": "127.0.0.2"}}
    edited = await app.http.put(url, json={"nodes": [moved], "edges": []}, headers=op)
    assert edited.status_code == 403, edited.text
    by_trigger = {**get, "data": {**get["data"], "host": "{{ trigger.host }}"}}
    templated = {**body, "name": "aimed-by-trigger", "nodes": [by_trigger]}
    refused_template = await app.http.post(OC, json=templated, headers=admin)
    assert refused_template.status_code == 400, refused_template.text
    assert "names it and its address literally" in refused_template.text
