"""Ansible playbooks: validated create/update, listing, rendering, run results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ansible import controller, playbook_yaml, repository
from app.ansible.errors import (
    PlaybookNameDuplicateError,
    PlaybookNotFoundError,
    PlaybookValidationError,
)
from app.ansible.models import AnsiblePlaybook, AnsibleTask
from app.db import utcnow
from app.errors import InvalidError, found_or_raise

PLAYBOOK_TYPES = ("Machine", "Other")
PLAYBOOK_STATUSES = ("Success", "Fail", "Not start")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class TaskDraft:
    """A task as a caller sends it; `id` keeps an existing task on update."""

    enabled: bool
    content: str
    id: int | None = None


@dataclass(frozen=True)
class Page:
    """One page of playbooks."""

    items: list[AnsiblePlaybook]
    page: int
    per_page: int
    total: int


async def list_playbooks(
    session: AsyncSession,
    *,
    search: str | None = None,
    type_: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> Page:
    """Playbooks whose name contains `search`, filtered by type and status."""
    _check_filters(type_, status)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidError(f"page must be >= 1 and per_page 1..{MAX_PER_PAGE}")
    items, total = await repository.list_playbooks(
        session,
        search=search,
        type_=type_,
        status=status,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return Page(items, page, per_page, total)


def playbook_query(
    search: str | None = None, type_: str | None = None, status: str | None = None
) -> Select[tuple[AnsiblePlaybook]]:
    """The playbooks (with tasks) matching the filters, unordered (keyset pages)."""
    _check_filters(type_, status)
    return repository.playbooks_matching(search, type_, status)


def _check_filters(type_: str | None, status: str | None) -> None:
    if type_ is not None and type_ not in PLAYBOOK_TYPES:
        raise InvalidError(f"type must be one of {', '.join(PLAYBOOK_TYPES)}")
    if status is not None and status not in PLAYBOOK_STATUSES:
        raise InvalidError(f"status must be one of {', '.join(PLAYBOOK_STATUSES)}")


async def get_playbook(session: AsyncSession, playbook_id: int) -> AnsiblePlaybook:
    """The playbook with its tasks; raise PlaybookNotFoundError."""
    return found_or_raise(
        await repository.playbook_by_id(session, playbook_id),
        PlaybookNotFoundError(playbook_id),
    )


async def create_playbook(
    session: AsyncSession,
    *,
    name: str,
    type_: str,
    main: dict[str, Any],
    tasks: Sequence[TaskDraft],
) -> AnsiblePlaybook:
    """Store a new playbook after validating its name, type, play and tasks."""
    name = await _checked_name(session, name)
    playbook = AnsiblePlaybook(
        name=name,
        type=_checked_type(type_),
        main=playbook_yaml.check_main(main),
        status="Not start",
        tasks=[],
    )
    playbook.tasks = _new_tasks(tasks, {})
    await _refuse_controller_side(session, playbook)
    session.add(playbook)
    await session.flush()
    return playbook


def check_draft(
    name: str, type_: str, main: dict[str, Any], tasks: Sequence[TaskDraft]
) -> None:
    """Raise unless `create_playbook` would accept this body (name unicity aside)."""
    if not name.strip():
        raise PlaybookValidationError("name must not be empty")
    _checked_type(type_)
    playbook_yaml.check_main(main)
    _new_tasks(tasks, {})


async def update_playbook(
    session: AsyncSession,
    playbook_id: int,
    *,
    name: str | None = None,
    type_: str | None = None,
    main: dict[str, Any] | None = None,
    tasks: Sequence[TaskDraft] | None = None,
) -> AnsiblePlaybook:
    """Change the given fields; tasks sent with an id keep it, new ones get one."""
    playbook = found_or_raise(
        await repository.playbook_by_id(session, playbook_id, for_update=True),
        PlaybookNotFoundError(playbook_id),
    )
    if name is not None:
        playbook.name = await _checked_name(session, name, playbook_id)
    if type_ is not None:
        playbook.type = _checked_type(type_)
    if main is not None:
        playbook.main = playbook_yaml.check_main(main)
    if tasks is not None:
        playbook.tasks = _new_tasks(tasks, {t.id: t for t in playbook.tasks})
    await _refuse_controller_side(session, playbook)
    playbook.updated_at = utcnow()
    await session.flush()
    return playbook


async def delete_playbook(session: AsyncSession, playbook_id: int) -> None:
    """Remove a playbook and its tasks; past jobs keep their copy."""
    playbook = found_or_raise(
        await repository.playbook_by_id(session, playbook_id, for_update=True),
        PlaybookNotFoundError(playbook_id),
    )
    await session.delete(playbook)
    await session.flush()


def render(playbook: AnsiblePlaybook) -> str:
    """The playbook as Ansible YAML: its play header and only the enabled tasks."""
    enabled = [task.content for task in playbook.tasks if task.enabled]
    return playbook_yaml.render(playbook.main, enabled)


async def record_run(
    session: AsyncSession, playbook_id: int, succeeded: bool, at: datetime
) -> None:
    """Make the latest run's result the playbook's status."""
    status = "Success" if succeeded else "Fail"
    await repository.set_playbook_result(session, playbook_id, status, at)


async def _refuse_controller_side(
    session: AsyncSession, playbook: AnsiblePlaybook
) -> None:
    """Refuse a play acting on the controller, disabled tasks included."""
    if not await controller.enforced(session):
        return
    contents = [task.content for task in playbook.tasks]
    try:
        controller.check_playbook(playbook_yaml.render(playbook.main, contents))
    except controller.ControllerSideError as exc:
        raise PlaybookValidationError(
            f"Controller-side execution is not allowed: {exc}"
        ) from None


async def _checked_name(
    session: AsyncSession, name: str, except_id: int | None = None
) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise PlaybookValidationError("name must be 1 to 200 characters")
    if await repository.name_taken(session, name, except_id):
        raise PlaybookNameDuplicateError(name)
    return name


def _checked_type(type_: str) -> str:
    if type_ not in PLAYBOOK_TYPES:
        raise PlaybookValidationError(
            f"type must be one of {', '.join(PLAYBOOK_TYPES)}"
        )
    return type_


def _new_tasks(
    drafts: Sequence[TaskDraft], existing: dict[int, AnsibleTask]
) -> list[AnsibleTask]:
    result: list[AnsibleTask] = []
    for position, draft in enumerate(drafts, 1):
        playbook_yaml.parse_task(position, draft.content)
        if draft.id is None:
            task = AnsibleTask()
        elif draft.id in existing:
            task = existing.pop(draft.id)  # popped: an id sent twice is refused
        else:
            raise PlaybookValidationError(
                f"Task {position}: id {draft.id} is not a task of this playbook",
                details={"task": position, "id": draft.id},
            )
        task.position, task.enabled, task.content = (
            position,
            draft.enabled,
            draft.content,
        )
        result.append(task)
    return result
