"""The Ansible flavour of the playbook node: one Ansible Hub job, waited for."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.ansible import job_service
from app.db import unit_of_work
from app.errors import DomainError
from app.workflows.errors import InvalidWorkflowError
from app.workflows.nodes.base import NodeFailedError, RunContext
from app.workflows.nodes.configs import PlaybookConfig

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
TAIL_CHARS = 4096


async def refuse_controller_side(
    session: AsyncSession, nodes: list[dict[str, Any]]
) -> None:
    """Refuse, at save, an Ansible node that would act on the controller."""
    for node in nodes:
        data = node["data"]
        if node["type"] != "playbook" or data.get("engine") != "ansible":
            continue
        try:
            await job_service.refuse_controller_side_node(
                session, data.get("inventory_id"), data.get("extra_vars") or {}
            )
        except DomainError as exc:
            raise InvalidWorkflowError(
                f"Node '{node['id']}': {exc.message}", node_id=node["id"]
            ) from None


async def run_job(config: PlaybookConfig, ctx: RunContext) -> dict[str, Any]:
    """Queue the playbooks as one job on the inventory; cancel it past `timeout`.

    The node succeeds only when every playbook ran with success on every host.
    """
    playbook_ids = config.playbook_ids or [config.playbook_id or 0]
    try:
        async with unit_of_work(ctx.db) as session:
            job = await job_service.create_job(
                session,
                playbook_ids,
                inventory_id=config.inventory_id,
                extra_vars=config.extra_vars,
            )
    except DomainError as exc:
        raise NodeFailedError(exc.message) from exc
    try:
        async with asyncio.timeout(config.timeout):
            output = await _wait(ctx, job.id)
    except TimeoutError:
        await _cancel(ctx, job.id)
        raise NodeFailedError(
            f"Ansible job {job.id} did not end within {config.timeout} s",
            {"job_id": job.id},
        ) from None
    except asyncio.CancelledError:
        await _cancel(ctx, job.id)
        raise
    if output["status"] != "completed":
        raise NodeFailedError(f"Ansible job {job.id} {output['status']}", output)
    # A job completes once every playbook ran, whether or not its hosts failed.
    for entry in output["playbooks"]:
        if entry["status"] != "success":
            raise NodeFailedError(
                f"Ansible job {job.id}: playbook '{entry['name']}' {entry['status']}",
                output,
            )
    return output


async def _wait(ctx: RunContext, job_id: str) -> dict[str, Any]:
    while True:
        async with ctx.db() as session:
            job = await job_service.get_job(session, job_id)
            if job.status in job_service.FINISHED:
                return {
                    "job_id": job.id,
                    "status": job.status,
                    "error": job.error,
                    "playbooks": [
                        {
                            "id": entry.playbook_id,
                            "name": entry.name,
                            "status": entry.status,
                            "output": entry.output[-TAIL_CHARS:],
                        }
                        for entry in job.playbooks
                    ],
                }
        await asyncio.sleep(POLL_SECONDS)


async def _cancel(ctx: RunContext, job_id: str) -> None:
    """Stop the job of a node the workflow gave up on (timeout, cancel)."""
    try:
        async with unit_of_work(ctx.db) as session:
            await job_service.cancel_job(session, job_id)
    except (DomainError, OSError):
        log.warning(
            "workflow node %s: Ansible job %s not cancelled", ctx.node_id, job_id
        )
