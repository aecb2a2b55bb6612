"""Node types run on hosts by the executions service: command, script, playbook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import unit_of_work
from app.errors import DomainError
from app.executions import service as executions_service
from app.executions.models import COMPLETED, TERMINAL, Execution
from app.playbooks import service as playbooks_service
from app.scripts import service as scripts_service
from app.workflows.nodes import ansible
from app.workflows.nodes.base import NodeFailedError, RunContext
from app.workflows.nodes.configs import CommandConfig, PlaybookConfig, ScriptConfig

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
TAIL_CHARS = 4096
Submit = Callable[[AsyncSession], Awaitable[Execution]]


async def run_command(config: CommandConfig, ctx: RunContext) -> dict[str, Any]:
    """Run a shell command on devices (and a group's members); wait for the end."""

    async def submit(session: AsyncSession) -> Execution:
        device_ids = list(config.device_ids)
        if config.group_id is not None:
            device_ids += await executions_service.group_members(
                session, config.group_id
            )
        return await executions_service.submit_command(
            session, device_ids, config.command, host_timeout=config.timeout
        )

    return await _run(ctx, submit)


async def run_script(config: ScriptConfig, ctx: RunContext) -> dict[str, Any]:
    """Run a stored biRun script on servers (and a group's members); wait."""

    async def submit(session: AsyncSession) -> Execution:
        return await scripts_service.execute(
            session,
            config.script_id,
            config.server_ids,
            group_id=config.group_id,
            host_timeout=config.timeout,
        )

    return await _run(ctx, submit)


async def run_playbook(config: PlaybookConfig, ctx: RunContext) -> dict[str, Any]:
    """Run an OPMAS playbook on devices (or an Ansible job); wait for the end."""
    if config.engine == "ansible":
        return await ansible.run_job(config, ctx)

    async def submit(session: AsyncSession) -> Execution:
        return await playbooks_service.execute(
            session,
            config.playbook_id or 0,
            config.device_ids,
            host_timeout=config.timeout,
        )

    return await _run(ctx, submit)


async def _run(ctx: RunContext, submit: Submit) -> dict[str, Any]:
    """Submit, then poll until terminal; cancel the execution if the node is stopped."""
    try:
        async with unit_of_work(ctx.db) as session:
            uuid = (await submit(session)).uuid
    except DomainError as exc:
        raise NodeFailedError(exc.message) from exc
    try:
        output = await _wait(ctx, uuid)
    except asyncio.CancelledError:
        await _cancel(ctx, uuid)
        raise
    if output["status"] != COMPLETED:
        raise NodeFailedError(f"execution {uuid} {output['status']}", output)
    return output


async def _wait(ctx: RunContext, uuid: str) -> dict[str, Any]:
    while True:
        async with ctx.db() as session:
            execution = await executions_service.get(session, uuid)
            if execution.status in TERMINAL:
                hosts = await executions_service.hosts(session, execution)
                return {
                    "execution_id": uuid,
                    "status": execution.status,
                    "error_message": execution.error_message,
                    "hosts": [_host(h) for h in hosts],
                }
        await asyncio.sleep(POLL_SECONDS)


def _host(host: Any) -> dict[str, Any]:
    return {
        "device_id": host.device_id,
        "host": host.host,
        "status": host.status,
        "exit_code": host.exit_code,
        "stdout": host.stdout[-TAIL_CHARS:],
        "stderr": host.stderr[-TAIL_CHARS:],
    }


async def _cancel(ctx: RunContext, uuid: str) -> None:
    """Stop the execution of a node the workflow gave up on (timeout, cancel)."""
    try:
        async with unit_of_work(ctx.db) as session:
            execution = await executions_service.get(session, uuid)
            if execution.status not in TERMINAL:
                await executions_service.cancel(session, execution)
    except (DomainError, OSError):
        log.warning(
            "workflow node %s: could not cancel execution %s", ctx.node_id, uuid
        )
