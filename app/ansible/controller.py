"""What Ansible may not do on the OpsGraph host (the controller), read statically.

Checked when a playbook, an inventory, extra vars or a workflow playbook node is
saved (a clear 400) and again before every run (stored data may predate the
rule). The same rules are enforced inside ansible-playbook at run time by
`app/ansible/sandbox/guard.py`, which sees names Jinja builds at run time
(`lookup('pi' ~ 'pe')`); this module refuses what it can see before that.
An admin lifts both with the runtime setting `ansible_allow_controller_execution`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from ansible.parsing.splitter import parse_kv
from ansible.playbook.block import Block
from ansible.playbook.task import Task
from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError
from sqlalchemy.ext.asyncio import AsyncSession

from app.ansible.sandbox import policy
from app.inventories import service as inventories_service
from app.runtime_settings import service as settings_service

TASK_KEYWORDS = frozenset(Task.fattributes) | frozenset(Block.fattributes)
TASK_LISTS = ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue")
INTERPRETER = re.compile(r"^(auto(_legacy)?(_silent)?|/[\w./+-]+)$")
HOST_SPLIT = re.compile(r"[,&!\s]+")
_JINJA = Environment(autoescape=False)  # noqa: S701  parsed only, never rendered


class ControllerSideError(ValueError):
    """Raised when Ansible input would act on the controller; the message says how."""


async def enforced(session: AsyncSession) -> bool:
    """Whether the rule holds now (an admin has not allowed controller execution)."""
    current = await settings_service.current(session)
    return not current.ansible_allow_controller_execution


def check_run(
    playbooks: list[str], inventory_config: str | None, extra_vars: Mapping[str, Any]
) -> None:
    """Everything one job would hand to Ansible; raise ControllerSideError."""
    if inventory_config is None:
        raise ControllerSideError(
            "a job needs an inventory: without one Ansible runs on its implicit "
            "localhost, the controller"
        )
    for text in playbooks:
        check_playbook(text)
    check_inventory(inventory_config)
    check_variables(extra_vars, "extra_vars")


def check_inventory(config: str) -> None:
    """Host, group and `all` variables of an INI inventory."""
    for where, values in inventories_service.variables(config):
        check_variables(values, where)


def check_playbook(text: str) -> None:
    """Raise ControllerSideError when a rendered playbook acts on the controller."""
    plays = yaml.safe_load(text) or []
    for play in plays if isinstance(plays, list) else [plays]:
        if not isinstance(play, dict):
            continue
        _check_hosts(play.get("hosts"))
        for key in ("roles", "import_playbook", "vars_files"):
            if key in play:
                raise ControllerSideError(f"'{key}' reads files on the controller")
        _check_keywords(play, "the play")
        for task in _tasks(play):
            _check_task(task)
        _check_strings(play)


def check_variables(variables: Mapping[str, Any], where: str) -> None:
    """Raise when inventory or extra vars would act on the controller."""
    _check_keywords(variables, where)
    _check_strings(variables)


def _check_hosts(hosts: Any) -> None:
    """Each part of a host pattern (`web:127.0.0.2`, `::1`, `a,&b`)."""
    for part in HOST_SPLIT.split(str(hosts or "")):
        for name in (part, *part.split(":")):
            if policy.is_loopback(name):
                raise ControllerSideError(
                    f"hosts '{name}' is the controller: plays run on "
                    "inventory hosts over SSH"
                )


def _tasks(container: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for key in (*TASK_LISTS, "always"):
        for task in container.get(key) or []:
            if isinstance(task, dict):
                yield task
                yield from _tasks(task)


def _check_task(task: dict[str, Any]) -> None:
    name = task.get("name") or "a task"
    _check_keywords(task, f"task '{name}'")
    for key in task:
        if key.startswith("with_") and key[5:] not in policy.SAFE_LOOKUPS:
            raise ControllerSideError(
                f"task '{name}': '{key}' runs the '{key[5:]}' lookup on the controller"
            )
    action, args = _action(task)
    _check_keywords(args, f"task '{name}'")  # free-form `key=value` arguments
    if action is not None:
        problem = policy.action_problem(action, args)
        if problem:
            raise ControllerSideError(f"task '{name}': {problem}")


def _action(task: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The module a task calls and its arguments (free-form text parsed)."""
    if "action" in task:
        raw = task["action"]
        if isinstance(raw, str):
            module, _, rest = raw.strip().partition(" ")
            return module, parse_kv(rest)
        return (raw or {}).get("module"), dict(raw or {})
    for key, value in task.items():
        if key not in TASK_KEYWORDS and not key.startswith("with_"):
            args = parse_kv(value) if isinstance(value, str) else value
            return key, args if isinstance(args, dict) else {}
    return None, {}


def _check_keywords(values: Mapping[str, Any], where: str) -> None:
    """Connection, delegation and ssh keywords or variables, at any depth."""
    for key, value in _items(values):
        if key == "local_action":
            raise ControllerSideError(f"{where}: local_action runs on the controller")
        problem = policy.variable_problem(key, value)
        if problem:
            raise ControllerSideError(f"{where}: {problem}")
        if key == "ansible_python_interpreter" and not INTERPRETER.match(str(value)):
            raise ControllerSideError(
                f"{where}: ansible_python_interpreter must be a plain path"
            )


def _items(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield str(key), inner
            yield from _items(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _items(inner)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _check_strings(value: Any) -> None:
    """Every string as Ansible may template it: as a template and, for
    conditionals (`when`, `debug: var=`), as a bare expression."""
    for text in _strings(value):
        for source in (text, "{{ " + text + " }}"):
            try:
                tree = _JINJA.parse(source)
            except TemplateSyntaxError:
                continue
            _check_tree(tree)


def _check_tree(tree: nodes.Node) -> None:
    direct: set[int] = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in policy.LOOKUP_CALLS:
            direct.add(id(call.node))
            first = call.args[0] if call.args else None
            if not isinstance(first, nodes.Const) or not policy.safe_lookup(
                str(first.value)
            ):
                shown = first.value if isinstance(first, nodes.Const) else "<computed>"
                raise ControllerSideError(
                    f"{call.node.name}('{shown}') runs on the controller; allowed "
                    f"lookups: {', '.join(sorted(policy.SAFE_LOOKUPS))}"
                )
    for name in tree.find_all(nodes.Name):
        if name.name in policy.LOOKUP_CALLS and id(name) not in direct:
            raise ControllerSideError(f"'{name.name}' may only be called directly")
    for const in tree.find_all(nodes.Const):
        if const.value in policy.LOOKUP_CALLS - {"q"}:
            raise ControllerSideError(f"'{const.value}' may only be called directly")
    for attr in tree.find_all(nodes.Getattr):
        if attr.attr.startswith("_"):
            raise ControllerSideError(f"attribute '{attr.attr}' is not allowed")
    for filtered in tree.find_all(nodes.Filter):
        if policy.short(filtered.name) in policy.CONTROLLER_FILTERS:
            raise ControllerSideError(
                f"filter '{filtered.name}' reads the controller's files"
            )
