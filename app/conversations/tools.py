"""Read-only tools the assistant's model may call, under the asker's permissions.

Each tool reads through the same domain services the API uses and is offered
only to a user holding its permission (and refused if called anyway). What a
tool returns is JSON with secrets masked (`mask`): inventory passwords, `key=`
/ `password:` style values, bearer tokens and secret-named fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app import auth
from app.alerts import service as alerts_service
from app.ansible import job_service
from app.ansible import service as playbooks_service
from app.db import Sessionmaker
from app.devices import service as devices_service
from app.executions import service as executions_service
from app.inventories import parser as inventory_parser
from app.inventories import service as inventories_service
from app.logs.capture import redact_value

LIMIT = 20  # rows per tool answer
FAILING = re.compile(r"fatal:|failed!|error|unreachable|failed=[1-9]", re.IGNORECASE)
MAX_FAILING_LINES = 20

Reader = Callable[[Sessionmaker, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    """One function the model may call."""

    name: str
    description: str
    permission: str
    read: Reader

    def schema(self) -> dict[str, Any]:
        """The tool as OpenAI's chat-completions `tools` entry."""
        parameters = {"type": "object", "properties": {}, "additionalProperties": False}
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
            },
        }


def mask(value: Any) -> Any:
    """`value` with every secret the platform knows the shape of masked."""
    if isinstance(value, str):
        return redact_value("", inventory_parser.redact(value))
    if isinstance(value, dict):
        return redact_value("", {k: mask(v) for k, v in value.items()})
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def failing_lines(output: str) -> list[str]:
    """The lines of Ansible or command output that say what failed."""
    lines = [line.strip() for line in output.splitlines() if FAILING.search(line)]
    return lines[:MAX_FAILING_LINES]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def _inventories(db: Sessionmaker, _: dict[str, Any]) -> Any:
    async with db() as session:
        found, _total = await inventories_service.list_inventories(
            session, None, LIMIT, 0
        )
        hosts = await inventories_service.hosts_of(session, [i.id for i in found])
    return [
        {
            "id": i.id,
            "name": i.name,
            "group": i.group,
            "hosts": [h.host_name for h in hosts.get(i.id, [])],
        }
        for i in found
    ]


async def _playbooks(db: Sessionmaker, _: dict[str, Any]) -> Any:
    async with db() as session:
        page = await playbooks_service.list_playbooks(session, per_page=LIMIT)
    return [
        {
            "id": p.id,
            "name": p.name,
            "type": p.type,
            "status": p.status,
            "last_run_at": _iso(p.last_run_at),
        }
        for p in page.items
    ]


async def _jobs(db: Sessionmaker, _: dict[str, Any]) -> Any:
    async with db() as session:
        found = await job_service.recent_jobs(session, LIMIT)
    return [
        {
            "job_id": j.id,
            "status": j.status,
            "inventory_id": j.inventory_id,
            "created_at": _iso(j.created_at),
            "error": j.error,
            "playbooks": [
                {
                    "name": e.name,
                    "status": e.status,
                    "failing_lines": failing_lines(e.output),
                }
                for e in j.playbooks
            ],
        }
        for j in found
    ]


async def _executions(db: Sessionmaker, _: dict[str, Any]) -> Any:
    async with db() as session:
        page = await executions_service.list_page(
            session, executions_service.ExecutionFilter(), 0, LIMIT
        )
    return [
        {
            "id": e.uuid,
            "kind": e.kind,
            "status": e.status,
            "created_at": _iso(e.created_at),
            "error": e.error_message,
            "failed_hosts": [
                {
                    "host": h.host,
                    "error": h.error,
                    "failing_lines": failing_lines(h.stdout + "\n" + h.stderr),
                }
                for h in page.hosts[e.id]
                if h.status not in ("success", "pending", "running")
            ],
        }
        for e in page.items
    ]


async def _devices(db: Sessionmaker, _: dict[str, Any]) -> Any:
    async with db() as session:
        found, _total = await devices_service.list_devices(
            session, devices_service.DeviceFilter(limit=LIMIT)
        )
    return [
        {
            "id": d.id,
            "name": d.name,
            "address": d.address,
            "status": d.status,
            "health": d.health_status,
            "health_message": d.health_message,
            "last_seen": _iso(d.last_seen),
        }
        for d in found
    ]


async def _alerts(db: Sessionmaker, _: dict[str, Any]) -> Any:
    async with db() as session:
        found, _total = await alerts_service.list_alerts(session)
    return [
        {
            "id": a.id,
            "title": a.title,
            "message": a.message,
            "severity": a.severity,
            "source": a.source,
            "device_id": a.device_id,
        }
        for a in [a for a in found if a.status != "resolved"][:LIMIT]
    ]


TOOLS = {
    t.name: t
    for t in (
        Tool(
            "list_inventories",
            "Ansible inventories with their hosts.",
            "inventories.inventory.view",
            _inventories,
        ),
        Tool(
            "list_playbooks",
            "Ansible playbooks with their last status.",
            "playbooks.ansible_playbook.view",
            _playbooks,
        ),
        Tool(
            "recent_ansible_jobs",
            "The newest Ansible jobs: status, playbooks and their failing lines.",
            "playbooks.ansible_job.view",
            _jobs,
        ),
        Tool(
            "recent_executions",
            "The newest executions (commands, scripts, playbooks) and failed hosts.",
            "executions.execution.view",
            _executions,
        ),
        Tool(
            "device_health",
            "Managed devices: reachability and health.",
            "devices.device.view",
            _devices,
        ),
        Tool(
            "open_alerts",
            "Alerts not resolved yet (active or acknowledged).",
            "alerts.alert.view",
            _alerts,
        ),
    )
}


def offered(user: auth.Principal) -> list[Tool]:
    """The tools `user` may have the model call."""
    return [t for t in TOOLS.values() if user.can(t.permission)]


async def call(
    db: Sessionmaker, user: auth.Principal, name: str, arguments: dict[str, Any]
) -> str:
    """Run tool `name` for `user`: masked JSON, or a JSON error the model reads."""
    tool = TOOLS.get(name)
    if tool is None or not user.can(tool.permission):
        return json.dumps({"error": f"no tool named {name[:64]!r} is available"})
    return json.dumps(mask(await tool.read(db, arguments)), ensure_ascii=False)
