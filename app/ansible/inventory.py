"""Where a job's hosts and SSH secrets come from, for the runner."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.ansible.errors import InventoryNotFoundError
from app.ansible.models import AnsibleJob
from app.ansible.runner import RunInput


async def check(session: AsyncSession, inventory_id: int) -> None:
    """Raise InventoryNotFoundError unless the inventory exists."""
    raise InventoryNotFoundError(inventory_id)


async def run_input(session: AsyncSession, job: AnsibleJob) -> RunInput:
    """The runner input shared by `job`'s playbooks: inventory, extra vars, secrets."""
    if job.inventory_id is not None:
        await check(session, job.inventory_id)
    return RunInput(
        playbook_yaml="",
        inventory=job.inventory,
        extra_vars=dict(job.extra_vars),
    )
