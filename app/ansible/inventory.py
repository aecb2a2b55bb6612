"""Where a job's hosts and SSH secrets come from: fleet inventories and the vault."""

from __future__ import annotations

from collections.abc import Iterable

import asyncssh
from sqlalchemy.ext.asyncio import AsyncSession

from app import ssh
from app.ansible.models import AnsibleJob
from app.ansible.runner import RunInput
from app.devices import service as devices_service
from app.inventories import service as inventories_service

ALIASES = inventories_service.CONNECTION_ALIASES


async def hosts(
    session: AsyncSession, inventory_id: int | None
) -> list[tuple[int | None, str]]:
    """The (device id, host name)s a job runs on; raise InventoryNotFoundError.

    Without an inventory Ansible has only its implicit `localhost`.
    """
    if inventory_id is None:
        return [(None, "localhost")]
    await inventories_service.get_inventory(session, inventory_id)
    links = await inventories_service.hosts_of(session, [inventory_id])
    return [(link.device_id, link.host_name) for link in links.get(inventory_id, [])]


async def run_input(session: AsyncSession, job: AnsibleJob) -> RunInput:
    """The runner input shared by `job`'s playbooks: inventory, extra vars, secrets."""
    if job.inventory_id is None:
        return RunInput(playbook_yaml="", extra_vars=dict(job.extra_vars))
    inventory = await inventories_service.get_inventory(session, job.inventory_id)
    links = (await inventories_service.hosts_of(session, [inventory.id])).get(
        inventory.id, []
    )
    targets = await devices_service.ssh_targets(
        session, [h.device_id for h in links], [h.credential_id for h in links]
    )
    by_host = {link.host_name: t.target for link, t in zip(links, targets, strict=True)}
    return RunInput(
        playbook_yaml="",
        inventory=inventory.config,
        extra_vars=dict(job.extra_vars),
        host_vars={name: _connection(t) for name, t in by_host.items()},
        host_keys={n: _key(t) for n, t in by_host.items() if t.private_key},
        known_hosts="".join(_known(t) for t in by_host.values()),
        secrets=_secrets(by_host.values()),
    )


def _connection(target: ssh.SSHTarget) -> dict[str, object]:
    # Every alias is set: the stored config may still name an older alias (with a
    # masked password), and Ansible would prefer that over `ansible_password`.
    values: dict[str, object] = {
        "host": target.host,
        "port": target.port,
        "user": target.username,
    }
    if target.password:
        values["password"] = target.password
    variables: dict[str, object] = {}
    for name, value in values.items():
        for alias in ALIASES[name]:
            variables[alias] = value
    return variables


def _key(target: ssh.SSHTarget) -> str:
    """The private key, decrypted: ssh would otherwise prompt for its passphrase."""
    assert target.private_key is not None  # noqa: S101  filtered by the caller
    if not target.passphrase:
        return target.private_key
    key = asyncssh.import_private_key(target.private_key, target.passphrase)
    return bytes(key.export_private_key()).decode()


def _known(target: ssh.SSHTarget) -> str:
    if not target.host_key:
        return ""
    name = target.host if target.port == 22 else f"[{target.host}]:{target.port}"
    return f"{name} {target.host_key}\n"


def _secrets(targets: Iterable[ssh.SSHTarget]) -> tuple[str, ...]:
    found: list[str] = []
    for t in targets:
        found.extend(v for v in (t.password, t.private_key, t.passphrase) if v)
    return tuple(found)
