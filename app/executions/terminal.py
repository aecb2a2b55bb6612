"""Interactive shells on devices, for the biRun web terminal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncssh

from app import ssh
from app.db import Sessionmaker
from app.executions import targets

READ_CHUNK = 8192
TERM = ("xterm", 120, 40)


class Shell:
    """One interactive SSH shell: write input, read output as it comes."""

    def __init__(self, process: asyncssh.SSHClientProcess[str]) -> None:
        self._process = process

    def send(self, text: str) -> None:
        """Type `text` into the shell."""
        self._process.stdin.write(text)

    async def output(self) -> AsyncIterator[str]:
        """Everything the shell prints (stdout and stderr), until it exits."""
        while chunk := await self._process.stdout.read(READ_CHUNK):
            yield chunk


@asynccontextmanager
async def shell(db: Sessionmaker, device_id: int) -> AsyncIterator[Shell]:
    """Open a shell on a device with a PTY; raises DeviceNotFoundError, SSHError."""
    async with db() as session:
        [found] = await targets.resolve(session, [device_id])
    async with ssh.session(found.target) as connected:
        process = await connected.conn.create_process(
            term_type=TERM[0],
            term_size=TERM[1:],
            stderr=asyncssh.STDOUT,
            encoding="utf-8",
            errors="replace",
        )
        try:
            yield Shell(process)
        finally:
            process.close()
