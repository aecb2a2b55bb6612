"""The SSH hosts of the fan-out benchmark, in processes of their own.

- `asyncssh_fleet`: N lightweight asyncssh servers (one process, distinct ports on
  127.0.0.1). They answer `echo` in-process instead of forking a shell, so the
  servers do not dominate a 2-core box; the SSH handshake itself is real.
- `openssh_fleet`: real OpenSSH sshd processes, each with 16 listen addresses
  (sshd accepts at most 16 ListenAddress lines), key login for the current user.

Each yields a `Fleet`: `SSHServer` records (address, user, client key, host key
line) and the CPU its processes have used.
"""

from __future__ import annotations

import asyncio
import getpass
import multiprocessing
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import psutil

from tests.sshd import (
    SSHServer,
    asyncssh_server,
    new_private_key,
    private_text,
    public_text,
)

LISTEN_PER_SSHD = 16  # sshd's own limit on ListenAddress lines


@dataclass
class Fleet:
    """The hosts and the ids of the server processes that serve them."""

    servers: list[SSHServer]
    pids: list[int]

    def cpu(self) -> float:
        """CPU seconds the servers used so far (sshd's reaped session children too)."""
        total = 0.0
        for pid in self.pids:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        return total


async def _echo(process: asyncssh.SSHServerProcess[bytes]) -> None:
    """Answer `echo WORDS` without a shell; refuse anything else."""
    words = shlex.split(process.command or "")
    if words[:1] == ["echo"]:
        process.stdout.write((" ".join(words[1:]) + "\n").encode())
        process.exit(0)
        return
    process.stderr.write(b"bench server: only echo is supported\n")
    process.exit(127)


def _serve(count: int, out: multiprocessing.Queue[list[dict[str, object]]]) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            found = [
                await stack.enter_async_context(asyncssh_server(process_factory=_echo))
                for _ in range(count)
            ]
            out.put([s.__dict__ for s in found])
            await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def asyncssh_fleet(count: int) -> Iterator[Fleet]:
    """`count` lightweight asyncssh servers served by one child process."""
    queue: multiprocessing.Queue[list[dict[str, object]]] = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_serve, args=(count, queue), daemon=True)
    proc.start()
    try:
        found = [SSHServer(**s) for s in queue.get(timeout=120)]  # type: ignore[arg-type]
        assert proc.pid is not None
        yield Fleet(found, [proc.pid])
    finally:
        proc.terminate()
        proc.join(10)


def _free_ports(count: int) -> list[int]:
    """`count` distinct free ports on 127.0.0.1 (held together while chosen)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


def _sshd_config(workdir: Path, ports: list[int]) -> Path:
    lines = [f"ListenAddress 127.0.0.1:{port}" for port in ports]
    lines += [
        f"HostKey {workdir / 'host_key'}",
        f"AuthorizedKeysFile {workdir / 'authorized_keys'}",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin prohibit-password",
        f"PidFile {workdir / 'sshd.pid'}",
        "LogLevel ERROR",
        "MaxStartups 200",
        "MaxSessions 200",
        # bash sources ~/.bashrc for commands sshd starts; root's here runs
        # `pyenv init` (0.3 s a command). An empty home keeps the hosts trivial.
        f"SetEnv HOME={workdir}",
        "",
    ]
    config = workdir / "sshd_config"
    config.write_text("\n".join(lines))
    return config


def _wait_listening(ports: list[int], procs: list[subprocess.Popen[bytes]]) -> None:
    pending = set(ports)
    deadline = time.monotonic() + 30
    while pending:
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError(f"sshd is not listening on {sorted(pending)[:5]}...")
        for port in list(pending):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    pending.discard(port)
        time.sleep(0.05)


@contextmanager
def openssh_fleet(count: int, workdir: Path) -> Iterator[Fleet]:
    """`count` OpenSSH hosts: ceil(count / 16) sshd processes on 127.0.0.1."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    Path("/run/sshd").mkdir(exist_ok=True)
    client_key = new_private_key()
    ports = _free_ports(count)
    servers, procs = [], []
    try:
        for start in range(0, count, LISTEN_PER_SSHD):
            mine = ports[start : start + LISTEN_PER_SSHD]
            home = workdir / f"sshd{start // LISTEN_PER_SSHD}"
            home.mkdir(parents=True)
            host_key = new_private_key()
            (home / "host_key").write_text(private_text(host_key))
            (home / "host_key").chmod(0o600)
            (home / "authorized_keys").write_text(public_text(client_key) + "\n")
            with (home / "sshd.log").open("wb") as log:
                procs.append(
                    subprocess.Popen(  # noqa: S603  OpenSSH's sshd, our own config
                        [sshd, "-D", "-e", "-f", str(_sshd_config(home, mine))],
                        stderr=log,
                    )
                )
            servers += [
                SSHServer(
                    "127.0.0.1",
                    port,
                    getpass.getuser(),
                    None,
                    private_text(client_key),
                    public_text(host_key),
                )
                for port in mine
            ]
        _wait_listening(ports, procs)
        yield Fleet(servers, [p.pid for p in procs])
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
