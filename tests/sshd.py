"""Real SSH peers on loopback: an in-process asyncssh server and OpenSSH's sshd.

The asyncssh server runs each command with /bin/sh, so output, exit codes,
streaming and signals behave as on a real host.
"""

from __future__ import annotations

import asyncio
import getpass
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

USERNAME = "ops"
PASSWORD = "ops-test-password"


@dataclass
class SSHServer:
    """A listening SSH server and what a client needs to log in to it."""

    host: str
    port: int
    username: str
    password: str | None
    client_key: str  # OpenSSH private key accepted by the server
    host_key: str  # the server's public host key line


def new_private_key() -> asyncssh.SSHKey:
    """A fresh ed25519 key."""
    return asyncssh.generate_private_key("ssh-ed25519")


def private_text(key: asyncssh.SSHKey) -> str:
    """A private key as OpenSSH text."""
    return key.export_private_key().decode()


def public_text(key: asyncssh.SSHKey) -> str:
    """A public key as an OpenSSH line."""
    return key.export_public_key().decode().strip()


class _Server(asyncssh.SSHServer):
    def __init__(self, client_public: asyncssh.SSHKey) -> None:
        self._client_public = client_public

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == PASSWORD

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return (
            username == USERNAME and key.public_data == self._client_public.public_data
        )


async def _run_command(process: asyncssh.SSHServerProcess[bytes]) -> None:
    proc = await asyncio.create_subprocess_shell(
        process.command or "exec /bin/sh",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    feeder = asyncio.create_task(_feed(process.stdin, proc.stdin))
    try:
        await asyncio.gather(
            _pump(proc.stdout, process.stdout), _pump(proc.stderr, process.stderr)
        )
        process.exit(await proc.wait())
    finally:
        feeder.cancel()
        if proc.returncode is None:
            with suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


async def _pump(source: asyncio.StreamReader, sink: asyncssh.SSHWriter[bytes]) -> None:
    while chunk := await source.read(65536):
        sink.write(chunk)
        await sink.drain()


async def _feed(source: asyncssh.SSHReader[bytes], sink: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError, asyncssh.Error):
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    sink.close()


ProcessFactory = Callable[[asyncssh.SSHServerProcess[bytes]], Awaitable[None]]


@asynccontextmanager
async def asyncssh_server(
    host: str = "127.0.0.1",
    host_key: asyncssh.SSHKey | None = None,
    process_factory: ProcessFactory | None = None,
    **options: Any,
) -> AsyncIterator[SSHServer]:
    """An asyncssh server on `host`, any free port; password and key login.

    Commands run with /bin/sh unless `process_factory` handles them instead;
    `options` go to `asyncssh.listen` (e.g. `encryption_algs`).
    """
    server_key = host_key or new_private_key()
    client_key = new_private_key()
    listener = await asyncssh.listen(
        host,
        0,
        server_factory=lambda: _Server(client_key),
        server_host_keys=[server_key],
        process_factory=process_factory or _run_command,
        encoding=None,
        **options,
    )
    port = listener.sockets[0].getsockname()[1]
    try:
        yield SSHServer(
            host,
            port,
            USERNAME,
            PASSWORD,
            private_text(client_key),
            public_text(server_key),
        )
    finally:
        listener.close()
        await listener.wait_closed()


class _PasswordRecorder(asyncssh.SSHServer):
    def __init__(self, offered: list[str]) -> None:
        self._offered = offered

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def kbdint_auth_supported(self) -> bool:
        return False

    def validate_password(self, username: str, password: str) -> bool:
        self._offered.append(password)
        return False


@asynccontextmanager
async def password_recorder(
    host: str = "127.0.0.1",
) -> AsyncIterator[tuple[int, list[str]]]:
    """An SSH server on `host` that records every password offered, accepting none."""
    offered: list[str] = []
    listener = await asyncssh.listen(
        host,
        0,
        server_factory=lambda: _PasswordRecorder(offered),
        server_host_keys=[new_private_key()],
    )
    try:
        yield listener.sockets[0].getsockname()[1], offered
    finally:
        listener.close()
        await listener.wait_closed()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def openssh_server(
    workdir: Path, other_host_keys: Sequence[asyncssh.SSHKey] = ()
) -> AsyncIterator[SSHServer]:
    """OpenSSH's sshd on 127.0.0.1 for the current user, key login only.

    `host_key` is an ed25519 key; `other_host_keys` are served beside it.
    """
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    workdir.mkdir(parents=True, exist_ok=True)
    host_key, client_key = new_private_key(), new_private_key()
    key_lines = []
    for i, key in enumerate([host_key, *other_host_keys]):
        path = workdir / f"host_key{i}"
        path.write_text(private_text(key))
        path.chmod(0o600)
        key_lines.append(f"HostKey {path}")
    (workdir / "authorized_keys").write_text(public_text(client_key) + "\n")
    port = _free_port()
    config = workdir / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                *key_lines,
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
                "Subsystem sftp internal-sftp",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    with (workdir / "sshd.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sshd, "-D", "-e", "-f", str(config), stderr=log
        )
    try:
        await _wait_listening(port, proc)
        user = getpass.getuser()
        yield SSHServer(
            "127.0.0.1",
            port,
            user,
            None,
            private_text(client_key),
            public_text(host_key),
        )
    finally:
        proc.terminate()
        await proc.wait()


async def _wait_listening(port: int, proc: asyncio.subprocess.Process) -> None:
    for _ in range(100):
        if proc.returncode is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}")
        with suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("sshd did not start listening")
