"""What the assistant may propose (quick replies, actions) and applying an action.

The model proposes by calling the `propose` tool; every action is checked
before it is offered (a `create_playbook` body must pass the playbook
validator) and a bad one is dropped, its reason told back to the model. The
assistant never runs anything: a user applies an offered action, with their
own permissions, through `apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app import auth
from app.ansible import job_service
from app.ansible import service as playbooks_service
from app.ansible.models import AnsibleJob, AnsiblePlaybook
from app.db import Sessionmaker, unit_of_work
from app.errors import DomainError, ForbiddenError
from app.inventories import service as inventories_service
from app.settings import Settings

NAME = "propose"
MAX_QUICK_REPLIES = 6
MAX_ACTIONS = 5
PERMISSIONS = {
    "create_playbook": "playbooks.ansible_playbook.create",
    "run_playbook": "playbooks.ansible_playbook.execute",
    "ssh_test": "inventories.inventory.test",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlaybookBody(_Strict):
    name: str = Field(min_length=1, max_length=200)
    type: str = "Machine"
    main: dict[str, Any]
    tasks: list[str] = Field(min_length=1, max_length=50)


class RunBody(_Strict):
    playbook_ids: list[int] = Field(min_length=1, max_length=20)
    inventory_id: int


class SshTestBody(_Strict):
    inventory_ids: list[int] = Field(min_length=1, max_length=20)


BODIES: dict[str, type[_Strict]] = {
    "create_playbook": PlaybookBody,
    "run_playbook": RunBody,
    "ssh_test": SshTestBody,
}
_ACTION = {
    "type": "object",
    "properties": {
        "type": {"enum": list(BODIES)},
        "label": {"type": "string", "description": "Button text for the user."},
        "data": {
            "type": "object",
            "description": "create_playbook: {name, type (Machine|Other), main "
            "(play header: hosts, become, ...), tasks (YAML of one task each)}; "
            "run_playbook: {playbook_ids, inventory_id}; ssh_test: {inventory_ids}",
        },
    },
    "required": ["type", "label", "data"],
}
SCHEMA = {
    "type": "function",
    "function": {
        "name": NAME,
        "description": "Offer the user short replies to tap and actions to apply "
        "(they run only when the user applies them). Call at most once per answer.",
        "parameters": {
            "type": "object",
            "properties": {
                "quick_replies": {"type": "array", "items": {"type": "string"}},
                "suggested_actions": {"type": "array", "items": _ACTION},
            },
        },
    },
}


@dataclass
class Proposal:
    """Checked quick replies and actions, and why others were dropped."""

    quick_replies: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def _checked_body(kind: str, raw: Any) -> dict[str, Any]:
    """The action's data, validated; raise ValueError naming what is wrong."""
    try:
        body = BODIES[kind].model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None
    if isinstance(body, PlaybookBody):
        drafts = [playbooks_service.TaskDraft(True, t) for t in body.tasks]
        try:
            playbooks_service.check_draft(body.name, body.type, body.main, drafts)
        except DomainError as exc:
            raise ValueError(exc.message) from None
    return body.model_dump()


def check(arguments: dict[str, Any]) -> Proposal:
    """The proposal in a `propose` call, keeping only valid actions."""
    proposal = Proposal()
    replies = arguments.get("quick_replies") or []
    if isinstance(replies, list):
        proposal.quick_replies = [str(r)[:100] for r in replies][:MAX_QUICK_REPLIES]
    actions = arguments.get("suggested_actions") or []
    for i, raw in enumerate(actions if isinstance(actions, list) else []):
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in BODIES or len(proposal.actions) >= MAX_ACTIONS:
            proposal.rejected.append(f"action {i}: unknown type or too many")
            continue
        try:
            data = _checked_body(kind, raw.get("data"))
        except ValueError as exc:
            proposal.rejected.append(f"action {i} ({kind}): {exc}")
            continue
        label = str(raw.get("label") or kind)[:200]
        proposal.actions.append({"type": kind, "label": label, "data": data})
    return proposal


@dataclass(frozen=True)
class SshTested:
    """The results of an applied `ssh_test` action."""

    results: list[inventories_service.SSHCheckResult]


Applied = AnsiblePlaybook | AnsibleJob | SshTested


async def apply(
    db: Sessionmaker, settings: Settings, user: auth.Principal, action: dict[str, Any]
) -> Applied:
    """Perform an offered action as `user`; ForbiddenError without the permission."""
    kind, data = action["type"], action["data"]
    if not user.can(PERMISSIONS[kind]):
        raise ForbiddenError(f"Permission '{PERMISSIONS[kind]}' required")
    if kind == "ssh_test":
        return SshTested(
            await inventories_service.check_ssh_as_configured(
                db, settings, data["inventory_ids"]
            )
        )
    async with unit_of_work(db) as session:
        if kind == "run_playbook":
            return await job_service.create_job(
                session,
                data["playbook_ids"],
                inventory_id=data["inventory_id"],
                user_id=user.user_id,
            )
        drafts = [playbooks_service.TaskDraft(True, t) for t in data["tasks"]]
        return await playbooks_service.create_playbook(
            session,
            name=data["name"],
            type_=data["type"],
            main=data["main"],
            tasks=drafts,
        )
