"""The command ansible-runner starts: clean up, then exec the sandboxed playbook.

Run as `python -I launch.py CONFIG ARGS` (standard library only), outside the
sandbox, after ansible-runner prepared the private dir. It
- deletes ansible-runner's `command` artifacts (they hold the whole environment),
- gives the private dir to the sandbox user when OpsGraph runs as root,
- execs CONFIG's command with an environment of CONFIG's fixed values plus only
  the variables ansible-runner set for Ansible (ANSIBLE_*, RUNNER_*, AWX_*).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

KEEP = ("ANSIBLE_", "RUNNER_", "AWX_")


def _give(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def main() -> None:
    """Prepare and exec; never returns."""
    config = json.loads(Path(sys.argv[1]).read_text())
    root = Path(config["root"])
    for artifact in root.glob("artifacts/*/command"):
        artifact.unlink()
    if config.get("owner"):
        _give(root, *config["owner"])
    env = {k: v for k, v in os.environ.items() if k.startswith(KEEP)}
    env.update(config["env"])
    command = config["command"]
    os.execve(command[0], [*command, *sys.argv[2:]], env)  # noqa: S606  argv, no shell


if __name__ == "__main__":
    main()
