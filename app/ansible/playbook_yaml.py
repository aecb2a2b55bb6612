"""Task and play validation, and rendering into a real Ansible playbook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from ansible.playbook.play import Play

from app.ansible.errors import InvalidYamlFormatError, PlaybookValidationError

# Keys a play header may carry; `tasks` comes from the task list instead.
PLAY_KEYWORDS = frozenset(Play.fattributes) - {"tasks"}
HEADER_ORDER = ("name", "hosts", "gather_facts")


def parse_task(position: int, content: str) -> dict[str, Any]:
    """The task at 1-based `position` parsed; raise naming it when it is not valid."""
    try:
        parsed = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise InvalidYamlFormatError(position, line, column, problem) from exc
    if not isinstance(parsed, dict) or not parsed:
        raise PlaybookValidationError(
            f"Task {position}: a task must be a YAML mapping such as "
            "'name: ...' followed by a module",
            details={"task": position},
        )
    if not all(isinstance(key, str) for key in parsed):
        raise PlaybookValidationError(
            f"Task {position}: every key must be a string", details={"task": position}
        )
    return parsed


def check_main(main: dict[str, Any]) -> dict[str, Any]:
    """The play header with defaults; raise when Ansible would refuse it."""
    if not isinstance(main, dict):
        raise PlaybookValidationError("main must be an object")
    hosts = main.get("hosts")
    if not isinstance(hosts, str) or not hosts.strip():
        raise PlaybookValidationError("main.hosts must be a non-empty string")
    gather = main.get("gather_facts", False)
    if not isinstance(gather, bool):
        raise PlaybookValidationError("main.gather_facts must be a boolean")
    unknown = sorted(str(k) for k in main if k not in PLAY_KEYWORDS)
    if unknown:
        raise PlaybookValidationError(
            f"main.{unknown[0]} is not an Ansible play keyword",
            details={"keys": unknown},
        )
    return {**main, "gather_facts": gather}


def render(main: dict[str, Any], enabled_contents: Sequence[str]) -> str:
    """A one-play Ansible playbook of `main` and the given (enabled) tasks."""
    play = {key: main[key] for key in HEADER_ORDER if key in main}
    play.update((k, v) for k, v in main.items() if k not in HEADER_ORDER)
    play["tasks"] = [
        parse_task(i, content) for i, content in enumerate(enabled_contents, 1)
    ]
    return yaml.safe_dump(
        [play], sort_keys=False, allow_unicode=True, default_flow_style=False
    )
