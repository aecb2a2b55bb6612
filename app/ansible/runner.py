"""The ansible-runner adapter: one playbook run in a private temp dir, as events.

Blocking by design (ansible-runner drives `ansible-playbook` through pexpect):
callers run `run_playbook` in a thread. Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner
import psutil
import yaml

from app import redaction
from app.ansible import sandbox

PLAYBOOK_FILE = "playbook.yml"
PLAYBOOK_TIMEOUT_S = 3600
CONNECT_TIMEOUT_S = 10
REDACTED = "********"
HOST_EVENTS = {
    "runner_on_ok": "host.ok",
    "runner_on_failed": "host.failed",
    "runner_on_unreachable": "host.unreachable",
    "runner_on_skipped": "host.skipped",
}
RESULTS = {"successful": "success", "canceled": "cancelled"}

EventSink = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class RunInput:
    """What one playbook run needs; secrets stay out of argv and logs."""

    playbook_yaml: str
    inventory: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    ssh_key: str | None = None  # the default key, a 0600 file in the private dir
    known_hosts: str | None = None  # pinned keys
    strict_host_keys: bool = False  # refuse hosts without a pinned key (else TOFU)
    host_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    host_keys: dict[str, str] = field(default_factory=dict)  # host -> private key
    secrets: tuple[str, ...] = ()  # values redacted from events and output
    isolation: sandbox.Isolation = field(default_factory=sandbox.Isolation)


@dataclass(frozen=True)
class RunResult:
    """How a run ended: `success`, `failed` or `cancelled`, and Ansible's stdout."""

    status: str
    output: str


def run_playbook(
    spec: RunInput, on_event: EventSink, cancelled: Callable[[], bool]
) -> RunResult:
    """Run one playbook with ansible-runner; every runner event goes to `on_event`."""
    with tempfile.TemporaryDirectory(prefix="opsgraph-ansible-") as tmp:
        root = Path(tmp)
        (root / "project").mkdir()
        (root / "project" / PLAYBOOK_FILE).write_text(spec.playbook_yaml)
        _write_host_vars(root, spec)

        def handle(raw: dict[str, Any]) -> bool:
            translated = translate(raw)
            if translated is not None:
                on_event(translated[0], redact(translated[1], spec.secrets))
            return True

        result = ansible_runner.run(
            private_data_dir=tmp,
            binary=sandbox.prepare(root, spec.isolation),
            cmdline=PLAYBOOK_FILE,
            inventory=spec.inventory or None,
            extravars=spec.extra_vars or None,
            envvars=_envvars(root, spec),
            event_handler=handle,
            cancel_callback=cancelled,
            timeout=PLAYBOOK_TIMEOUT_S,
            quiet=True,
        )
        with result.stdout as stdout:
            output = stdout.read().replace("\r\n", "\n")
        status = RESULTS.get(result.status, "failed")
        _reap(tmp)
    return RunResult(status, redact(output, spec.secrets))


def _write_host_vars(root: Path, spec: RunInput) -> None:
    """Per-host connection vars and keys as 0600 files beside the inventory."""
    if not spec.host_vars and not spec.host_keys:
        return
    folder = root / "inventory" / "host_vars"
    folder.mkdir(parents=True)
    for number, host in enumerate(sorted(set(spec.host_vars) | set(spec.host_keys))):
        if Path(host).name != host or host.startswith("."):
            raise ValueError(f"unsafe inventory host name {host!r}")
        variables = dict(spec.host_vars.get(host, {}))
        if host in spec.host_keys:
            key = root / f"key-{number}"
            _write_private(key, spec.host_keys[host].rstrip("\n") + "\n")
            variables["ansible_ssh_private_key_file"] = str(key)
        _write_private(folder / f"{host}.yml", yaml.safe_dump(variables))


def _write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.write_text(text)


def _reap(marker: str) -> None:
    """Stop what the run left behind: SSH masters, and on cancel Ansible's modules.

    ansible-runner kills ansible-playbook's process group, but Ansible's workers
    start their own sessions; every process of the run carries `marker` (the
    private dir) in its arguments or its inherited environment.
    """
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            found = process.info["cmdline"] or ()
            if any(marker in arg for arg in found) or any(
                marker in value for value in process.environ().values()
            ):
                process.kill()


def _envvars(root: Path, spec: RunInput) -> dict[str, str]:
    hosts_file = root / "known_hosts"
    _write_private(hosts_file, spec.known_hosts or "")
    for folder in ("home", "tmp"):
        (root / folder).mkdir(mode=0o700)
    _write_private(root / "ansible.cfg", "")
    checking = "yes" if spec.strict_host_keys else "accept-new"
    found: dict[str, str] = {}
    if spec.ssh_key:
        key = root / "key-default"
        _write_private(key, spec.ssh_key.rstrip("\n") + "\n")
        found["ANSIBLE_PRIVATE_KEY_FILE"] = str(key)
    return found | {
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        # Off (Ansible's default), so modules run under `ssh -tt`: when a cancel
        # drops the connection, sshd hangs up the pty and the remote command gets
        # SIGHUP. Pipelining feeds modules on stdin, which then cannot be a tty,
        # and a cancelled `sleep 600` would go on running on the host.
        "ANSIBLE_PIPELINING": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "1",
        "ANSIBLE_TIMEOUT": str(CONNECT_TIMEOUT_S),
        "ANSIBLE_LOCAL_TEMP": str(root / "tmp"),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(root / "cp"),
        # Nothing of the controller's configuration: no ansible.cfg, no ssh_config.
        "ANSIBLE_CONFIG": str(root / "ansible.cfg"),
        "ANSIBLE_SSH_ARGS": "-F /dev/null -C -o ControlMaster=auto "
        "-o ControlPersist=60s",
        "ANSIBLE_SSH_COMMON_ARGS": (
            # accept-new: a pinned key that changed is refused, a new host is
            # trusted for this run only (the file dies with the run).
            f"-o UserKnownHostsFile={hosts_file} -o StrictHostKeyChecking={checking}"
        ),
    }


def translate(raw: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """An ansible-runner event as a job event (type, data); None for noise."""
    kind = raw.get("event")
    data = raw.get("event_data") or {}
    stdout = str(raw.get("stdout") or "").replace("\r\n", "\n")
    base: dict[str, Any] = {"counter": raw.get("counter"), "stdout": stdout}
    if kind == "playbook_on_play_start":
        return "play.started", {**base, "play": data.get("name") or data.get("play")}
    if kind == "playbook_on_task_start":
        task = {"task": data.get("task"), "action": data.get("task_action")}
        return "task.started", {**base, **task}
    if kind in HOST_EVENTS:
        return _host_event(kind, data, base)
    if kind == "playbook_on_stats":
        return "play.recap", {**base, "hosts": _recap(data)}
    if stdout.strip():
        return "output", base
    return None


def _host_event(
    kind: str, data: dict[str, Any], base: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    found = data.get("res")
    res: dict[str, Any] = found if isinstance(found, dict) else {}
    changed = bool(res.get("changed"))
    name = "host.changed" if kind == "runner_on_ok" and changed else HOST_EVENTS[kind]
    body = {
        **base,
        "host": data.get("host"),
        "task": data.get("task"),
        "action": data.get("task_action"),
        "changed": changed,
    }
    if kind in ("runner_on_failed", "runner_on_unreachable"):
        body["msg"] = str(res.get("msg", ""))
        body["ignore_errors"] = bool(data.get("ignore_errors"))
    return name, body


def _recap(data: dict[str, Any]) -> dict[str, dict[str, int]]:
    columns = {
        "ok": "ok",
        "changed": "changed",
        "failed": "failures",
        "unreachable": "dark",
        "skipped": "skipped",
        "rescued": "rescued",
        "ignored": "ignored",
    }
    hosts = sorted({h for key in columns.values() for h in data.get(key) or {}})
    return {
        host: {
            col: int((data.get(key) or {}).get(host, 0)) for col, key in columns.items()
        }
        for host in hosts
    }


def redact(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every secret (and its encodings) replaced, in dicts and lists."""
    return redaction.scrub_tree(value, secrets, REDACTED)
