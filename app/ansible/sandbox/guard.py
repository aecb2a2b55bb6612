"""ansible-playbook with controller-side execution refused from inside Ansible.

Runs in the sandbox as `python -I guard.py ARGS` beside a copy of policy.py;
imports nothing of OpsGraph. With OPSGRAPH_ANSIBLE_GUARD=1 it wraps Ansible's
plugin loaders before the playbook starts, so names Jinja computes at run time
(`lookup('pi' ~ 'pe')`, `query`, `with_<lookup>`) are refused like literal ones:
- lookups outside policy.SAFE_LOOKUPS,
- connection plugins other than ssh (`local`, the implicit localhost),
- actions reading or writing the controller's files,
- ssh command lines with ProxyCommand, LocalCommand, -F, or another program.
Workers fork from this process and inherit the wrappers.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import policy  # type: ignore[import-not-found]  # the copy beside this file


def _refuse(message: str) -> None:
    from ansible.errors import AnsibleError

    raise AnsibleError(f"Refused by OpsGraph: {message}")


def _guard_lookups() -> None:
    from ansible.plugins.loader import lookup_loader

    original = lookup_loader.get

    def get(name: str, *args: Any, **kwargs: Any) -> Any:
        if not policy.safe_lookup(name):
            _refuse(f"lookup '{name}' runs on the controller")
        return original(name, *args, **kwargs)

    lookup_loader.get = get


def _guard_connections() -> None:
    from ansible.plugins.loader import connection_loader

    original = connection_loader.get_with_context

    def get_with_context(name: str, *args: Any, **kwargs: Any) -> Any:
        found = original(name, *args, **kwargs)
        resolved = found.plugin_load_context.resolved_fqcn or name
        if policy.short(resolved) not in policy.CONNECTIONS:
            _refuse(f"connection '{name}' runs on the controller")
        return found

    connection_loader.get_with_context = get_with_context


def _guard_actions() -> None:
    from ansible.plugins.loader import action_loader

    original = action_loader.get

    def get(name: str, *args: Any, **kwargs: Any) -> Any:
        task = kwargs.get("task")
        if task is not None:
            action = task.resolved_action or task.action
            problem = policy.action_problem(action, dict(task.args or {}))
            if problem:
                _refuse(problem)
        return original(name, *args, **kwargs)

    action_loader.get = get


def _guard_ssh() -> None:
    from ansible.module_utils.common.text.converters import to_text
    from ansible.plugins.connection import ssh

    original = ssh.Connection._build_command

    def build(self: Any, binary: str, subsystem: str, *other: Any) -> Any:
        command = original(self, binary, subsystem, *other)
        words = [to_text(word) for word in command]
        while words and (words[0] == "sshpass" or words[0].startswith("-")):
            words.pop(0)
        program = os.path.basename(words[0]) if words else ""
        if program not in policy.SSH_PROGRAMS:
            _refuse(f"ssh program '{program}' is not ssh, scp or sftp")
        problem = policy.ssh_argv_problem(words[1:])
        if problem:
            _refuse(problem)
        return command

    ssh.Connection._build_command = build


def main() -> None:
    """Install the guards (unless turned off) and run ansible-playbook."""
    if os.environ.get("OPSGRAPH_ANSIBLE_GUARD") == "1":
        _guard_lookups()
        _guard_connections()
        _guard_actions()
        _guard_ssh()
    from ansible.cli.playbook import main as playbook

    sys.argv = ["ansible-playbook", *sys.argv[1:]]
    playbook()


if __name__ == "__main__":
    main()
