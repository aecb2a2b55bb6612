"""Inventory INI text through ansible-core's own `ini` inventory plugin."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

from app.inventories.errors import InvalidInventoryConfigError

MASK = "********"
_KEY = r"ansible_(?:ssh_)?pass(?:word)?|ansible_become_pass(?:word)?"
# `key = value` on its own line ([group:vars] in INI, `key: value` in YAML):
# the value is the rest of the line, spaces included.
_LINE_VAR = re.compile(rf"(?m)^([ \t]*(?:{_KEY})[ \t]*[=:])[ \t]*(\S.*?)[ \t]*$")
# `key=value` among a host line's variables.
_HOST_VAR = re.compile(rf"""(?<!\S)({_KEY})=("[^"]*"|'[^']*'|\S+)""")

# The ssh connection plugin's variables for each option, in its order: when a
# host has several (from any level), the last one defined wins, as in Ansible.
ALIASES = {
    "host": ("ansible_host", "ansible_ssh_host"),
    "port": ("ansible_port", "ansible_ssh_port"),
    "user": ("ansible_user", "ansible_ssh_user"),
    "password": ("ansible_password", "ansible_ssh_pass", "ansible_ssh_password"),
}


def redact(config: str) -> str:
    """`config` with every password variable's value replaced by a mask."""
    config = _LINE_VAR.sub(lambda m: f"{m.group(1)} {MASK}", config)
    return _HOST_VAR.sub(lambda m: f"{m.group(1)}={MASK}", config)


@dataclass(frozen=True)
class ParsedHost:
    """A host as the inventory names it, with its connection variables."""

    name: str
    address: str
    port: int
    username: str | None
    password: str | None = field(default=None, repr=False)


def parse(config: str) -> list[ParsedHost]:
    """Every host of `config`, by name, with the connection variables Ansible
    would use: its groups' and `all` vars merged under its own by ansible-core
    (deeper groups win, then the host); InvalidInventoryConfigError on bad text."""
    from ansible.inventory.helpers import get_group_vars
    from ansible.utils.vars import combine_vars

    inventory = _load(config)
    return [
        _host(name, combine_vars(get_group_vars(host.get_groups()), host.get_vars()))
        for name, host in sorted(inventory.hosts.items())
    ]


def variables(config: str) -> list[tuple[str, dict[str, object]]]:
    """Each host's and group's own variables, named ("host web1", "group all")."""
    inventory = _load(config)
    found = [(f"host {n}", dict(h.vars)) for n, h in sorted(inventory.hosts.items())]
    groups = sorted(inventory.groups.items())
    return found + [(f"group {n}", dict(g.vars)) for n, g in groups]


def _load(config: str) -> Any:
    from ansible.errors import AnsibleError
    from ansible.inventory.data import InventoryData
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.inventory.ini import InventoryModule

    # The plugin reads from a path; the file lives only while it parses.
    fd, path = tempfile.mkstemp(suffix=".ini")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(config)
        inventory = InventoryData()
        InventoryModule().parse(inventory, DataLoader(), path, cache=False)
        inventory.reconcile_inventory()  # every host joins `all`
    except AnsibleError as exc:
        message = str(exc.message).replace(path, "<config>")
        raise InvalidInventoryConfigError(message) from None
    finally:
        os.unlink(path)
    return inventory


def _value(variables: dict[str, object], option: str) -> str | None:
    """The option's value: its last alias defined, as Ansible resolves it."""
    for name in reversed(ALIASES[option]):
        value = variables.get(name)
        if value not in (None, ""):
            return str(value)
    return None


def _host(name: str, variables: dict[str, object]) -> ParsedHost:
    port = _value(variables, "port") or "22"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInventoryConfigError(
            f"Host {name}: ansible_port must be a number from 1 to 65535"
        )
    return ParsedHost(
        name=name,
        address=_value(variables, "host") or name,
        port=int(port),
        username=_value(variables, "user"),
        password=_unmasked(_value(variables, "password")),
    )


def _unmasked(password: str | None) -> str | None:
    return None if password == MASK else password
