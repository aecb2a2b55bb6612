"""The rules of controller-side execution, shared by the save-time checks and the
guard inside ansible-playbook.

Standard library only: the guard copies this file next to itself into the run's
private dir and imports it there, where OpsGraph's package is not visible.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
from collections.abc import Iterator
from typing import Any

LOOPBACK_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)
# Lookups that compute from their arguments or the play's own variables; every
# other one runs a command or reads the controller's files, env or network.
SAFE_LOOKUPS = frozenset(
    {
        "items",
        "list",
        "dict",
        "indexed_items",
        "nested",
        "together",
        "sequence",
        "subelements",
        "random_choice",
        "flattened",
        "cartesian",
        "inventory_hostnames",
        "vars",
        "varnames",
    }
)
LOOKUP_CALLS = frozenset({"lookup", "query", "q"})
CONTROLLER_FILTERS = frozenset({"fileglob"})
CONNECTIONS = frozenset({"ssh"})
CONNECTION_KEYS = frozenset({"connection", "ansible_connection"})
SSH_ARG_KEYS = frozenset(
    {
        "ansible_ssh_args",
        "ansible_ssh_common_args",
        "ansible_ssh_extra_args",
        "ansible_scp_extra_args",
        "ansible_sftp_extra_args",
        "ssh_args",
        "ssh_common_args",
        "ssh_extra_args",
    }
)
SSH_EXECUTABLE_KEYS = frozenset(
    {"ansible_ssh_executable", "ansible_scp_executable", "ansible_sftp_executable"}
)
SSH_PROGRAMS = frozenset({"ssh", "scp", "sftp"})
# Flags of ssh, scp and sftp that take a value; -S and -D name a program to run
# for scp and sftp (a control socket and a SOCKS port for ssh: not needed).
SSH_VALUE_FLAGS = frozenset("BbcDEeFIiJLlmOoPpQRSWw")
SSH_REFUSED_FLAGS = frozenset("SD")
KEY_FILE_KEYS = frozenset({"ansible_ssh_private_key_file", "ansible_private_key_file"})
# ssh options that run a command or load code on the controller (or read a
# config file that could).
SSH_REFUSED_OPTIONS = frozenset(
    {
        "proxycommand",
        "localcommand",
        "permitlocalcommand",
        "knownhostscommand",
        "pkcs11provider",
        "securitykeyprovider",
        "match",
        "include",
    }
)
# Actions that read or write files on the controller. An Ansible Hub playbook is
# one file with nothing beside it, so these would only reach the run's private dir.
CONTROLLER_FILE_ACTIONS = frozenset(
    {
        "script",
        "include_vars",
        "fetch",
        "template",
        "include_tasks",
        "import_tasks",
        "import_playbook",
        "include_role",
        "import_role",
    }
)
SRC_ACTIONS = frozenset({"copy", "unarchive", "assemble"})
PREFIXES = ("ansible.builtin.", "ansible.legacy.")


def short(name: str) -> str:
    """A builtin plugin's short name (`ansible.builtin.pipe` -> `pipe`)."""
    for prefix in PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def is_loopback(name: str) -> bool:
    """Whether `name` is the controller: localhost, 127.0.0.0/8, ::1, 0.0.0.0."""
    name = name.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None) or address
    return any(a.is_loopback or a.is_unspecified for a in (address, mapped))


def safe_lookup(name: str) -> bool:
    """Whether the lookup plugin `name` is on the allow-list."""
    return short(name) in SAFE_LOOKUPS


def action_problem(action: str, args: dict[str, Any]) -> str | None:
    """Why calling `action` with `args` touches the controller's files, or None."""
    name = short(str(action))
    if name in CONTROLLER_FILE_ACTIONS:
        return f"'{name}' reads or writes files on the controller"
    remote = str(args.get("remote_src", "")).lower() in ("true", "yes", "1")
    if name in SRC_ACTIONS and args.get("src") and not remote:
        return f"'{name}' with src reads the controller's files (use remote_src)"
    return None


def variable_problem(key: str, value: Any) -> str | None:
    """Why a keyword or variable makes Ansible act on the controller, or None."""
    if key in CONNECTION_KEYS and str(value) not in CONNECTIONS:
        return f"{key} '{value}' is not allowed: hosts are reached over ssh"
    if key == "delegate_to" and is_loopback(str(value)):
        return f"delegate_to '{value}' runs on the controller"
    if key in SSH_ARG_KEYS:
        return ssh_argv_problem(shlex_words(value))
    if key in KEY_FILE_KEYS:
        return (
            f"{key} reads a key file on the controller: keep the key in the "
            "vault (a credential linked to the host)"
        )
    if key in SSH_EXECUTABLE_KEYS and os.path.basename(str(value)) not in SSH_PROGRAMS:
        return f"{key} must be ssh, scp or sftp"
    return None


def shlex_words(value: Any) -> list[str]:
    """An argument string split like a shell (and Ansible) would."""
    try:
        return shlex.split(str(value))
    except ValueError:
        return [str(value)]


def _flags(words: list[str]) -> Iterator[tuple[str, str | None]]:
    """Each (flag, value) of an ssh/scp/sftp command line, read like getopt:
    `-vo X`, `-oX` and `-o X` all give ("o", "X")."""
    index = 0
    while index < len(words):
        word, index = words[index], index + 1
        if not word.startswith("-") or word in ("-", "--"):
            continue
        for position, flag in enumerate(word[1:], 2):
            if flag not in SSH_VALUE_FLAGS:
                yield flag, None
                continue
            value: str | None = word[position:]
            if not value:
                value = words[index] if index < len(words) else None
                index += 1
            yield flag, value
            break


def ssh_argv_problem(words: list[str]) -> str | None:
    """Why ssh, scp or sftp arguments would run a command on the controller."""
    for flag, value in _flags(words):
        if flag == "F" and value != "/dev/null":
            return "ssh option -F (a config file) is not allowed"
        if flag in SSH_REFUSED_FLAGS:
            return f"ssh option -{flag} is not allowed (scp/sftp run it as a program)"
        if flag == "o" and value:
            name = value.replace("=", " ").split(maxsplit=1)[0].lower()
            if name in SSH_REFUSED_OPTIONS:
                return f"ssh option {name} runs commands on the controller"
    return None
