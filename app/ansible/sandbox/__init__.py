"""Running ansible-playbook isolated from the control plane.

Every run goes through `prepare`: ansible-runner starts a launcher script in the
run's private dir instead of `ansible-playbook` found on PATH. The launcher
execs, with an environment holding only what Ansible needs,
- bubblewrap: a new root showing /usr, /etc, the Python OpsGraph runs on and the
  private dir only (no data dir, source tree, /root, /home, /var, database
  sockets), its own /tmp, /proc and pid namespace; the network stays shared;
- as the `opsgraph-ansible` user (else `nobody`) when OpsGraph runs as root;
- `guard.py`: ansible-playbook refusing controller-side execution unless allowed.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import ansible
import ansible_runner

SANDBOX_USER = "opsgraph-ansible"
HERE = Path(__file__).parent
SYSTEM_DIRS = ("/usr", "/etc")
LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
FILES = ("guard.py", "policy.py", "launch.py")
SANDBOX_TMP = "/tmp"  # noqa: S108  a fresh tmpfs inside the sandbox


class SandboxUnavailableError(RuntimeError):
    """Raised when bubblewrap is missing and unsandboxed runs are not allowed."""


@dataclass(frozen=True)
class Isolation:
    """How one run is confined: the guard, the sandbox, paths to hide in it."""

    guard: bool = True
    sandboxed: bool = True
    hidden: tuple[str, ...] = ()


def isolation(
    *, allow_controller: bool, allow_unsandboxed: bool, hidden: tuple[str, ...] = ()
) -> Isolation:
    """The isolation the admin settings ask for; raise SandboxUnavailableError."""
    sandboxed = shutil.which("bwrap") is not None
    if not sandboxed and not allow_unsandboxed:
        raise SandboxUnavailableError(
            "Ansible needs bubblewrap (the 'bwrap' command, Debian package "
            "'bubblewrap') to run isolated; an admin may allow unsandboxed runs "
            "with the runtime setting ansible_allow_unsandboxed"
        )
    return Isolation(not allow_controller, sandboxed, hidden)


def prepare(root: Path, how: Isolation) -> str:
    """Write the launcher into `root`; return the command ansible-runner runs."""
    folder = root / "sandbox"
    folder.mkdir()
    for name in FILES:
        shutil.copy(HERE / name, folder / name)
    inner = [sys.executable, "-E", "-s", str(folder / "guard.py")]
    # The user changes inside the sandbox only: there bwrap shows OpsGraph's
    # Python to it wherever it is installed (even under /root).
    owner = _owner() if how.sandboxed else None
    if owner is not None:
        inner = [_which("setpriv"), *_drop(*owner), *inner]
    if how.sandboxed:
        inner = [*_bwrap(root, how.hidden, owner), "--", *inner]
    config = {
        "root": str(root),
        "owner": owner,
        "env": environment(root, how),
        "command": inner,
    }
    (folder / "launch.json").write_text(json.dumps(config))
    script = folder / "ansible-playbook"
    launcher = [sys.executable, "-I", str(folder / "launch.py")]
    quoted = " ".join(shlex.quote(w) for w in [*launcher, str(folder / "launch.json")])
    script.write_text(f'#!/bin/sh\nexec {quoted} "$@"\n')
    script.chmod(0o755)
    return str(script)


def environment(root: Path, how: Isolation) -> dict[str, str]:
    """The variables Ansible gets besides ANSIBLE_*: tools of OpsGraph's Python."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root / "home"),
        "TMPDIR": str(root / "tmp"),
        "LANG": "C.UTF-8",
        "OPSGRAPH_ANSIBLE_GUARD": "1" if how.guard else "0",
    }


def _owner() -> tuple[int, int] | None:
    """The unprivileged (uid, gid) to run as when OpsGraph is root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _drop(uid: int, gid: int) -> list[str]:
    return [f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all"]


def _which(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise SandboxUnavailableError(f"'{program}' is not installed")
    return found


def _python_dirs() -> list[str]:
    """Where OpsGraph's Python, Ansible and ansible-runner live, outermost first."""
    found = {
        os.path.realpath(p)
        for p in (
            sys.prefix,
            sys.base_prefix,
            Path(sys.executable).parent,
            Path(ansible.__file__).parent.parent,
            Path(ansible_runner.__file__).parent.parent,
        )
    }
    chosen: list[str] = []
    for path in sorted(found, key=len):
        if not any(_inside(path, outer) for outer in [*SYSTEM_DIRS, *chosen]):
            chosen.append(path)
    return chosen


def _inside(path: str, outer: str) -> bool:
    return path == outer or path.startswith(outer.rstrip("/") + "/")


def _parents(path: str, made: set[str]) -> list[str]:
    """`--dir` for each missing parent, world-traversable (bwrap copies modes)."""
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        name = str(parent)
        if name in ("/", SANDBOX_TMP) or name in made:
            continue
        made.add(name)
        args += ["--perms", "0755", "--dir", name]
    return args


def _bwrap(
    root: Path, hidden: tuple[str, ...], owner: tuple[int, int] | None
) -> list[str]:
    args = [_which("bwrap"), "--die-with-parent", "--new-session"]
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", SANDBOX_TMP]
    args += ["--perms", "1777", "--tmpfs", "/dev/shm"]  # noqa: S108  fresh, for locks
    for folder in SYSTEM_DIRS:
        args += ["--ro-bind", folder, folder]
    for link in LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    made: set[str] = set()
    bound = list(SYSTEM_DIRS)
    for folder in _python_dirs():
        args += [*_parents(folder, made), "--ro-bind", folder, folder]
        bound.append(folder)
    args += [*_parents(str(root), made), "--bind", str(root), str(root)]
    # Ansible expands `~user` from the password database: the run's home there.
    home = pwd.getpwuid(owner[0] if owner else os.getuid()).pw_dir
    if home != "/" and not any(_inside(home, outer) for outer in bound):
        args += [*_parents(home, made), "--bind", str(root / "home"), home]
    for path in (os.path.realpath(p) for p in hidden):
        if any(_inside(path, outer) for outer in bound) and os.path.exists(path):
            kind = ["--tmpfs", path] if os.path.isdir(path) else []
            args += kind or ["--ro-bind", "/dev/null", path]
    return args
