"""Shared builders for Ansible Hub tests."""

from __future__ import annotations

from typing import Any

from app.ansible import service
from app.ansible.models import AnsiblePlaybook
from app.db import Sessionmaker, unit_of_work

COMMAND_TASK = "name: say hello\ncommand: echo hello-from-ansible"
DEBUG_TASK = 'name: show message\ndebug:\n  msg: "debug says hi"'
FAIL_TASK = "name: break here\ncommand: /bin/false"


async def make_playbook(
    db: Sessionmaker,
    name: str = "Ansible GUI",
    tasks: list[tuple[bool, str]] | None = None,
    *,
    type_: str = "Machine",
    main: dict[str, Any] | None = None,
) -> AnsiblePlaybook:
    """Store a playbook through the service."""
    drafts = [
        service.TaskDraft(enabled, content)
        for enabled, content in (tasks or [(True, COMMAND_TASK), (True, DEBUG_TASK)])
    ]
    async with unit_of_work(db) as session:
        return await service.create_playbook(
            session,
            name=name,
            type_=type_,
            main=main or {"hosts": "all", "gather_facts": False},
            tasks=drafts,
        )
