"""One host's part of a step: run a command or upload-and-run a script over SSH."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncssh

from app import ssh
from app.db import utcnow
from app.executions.models import PENDING, RUNNING

TAIL_LINES = 500
REDACTED = "********"
READ_CHUNK = 65536
# The script arrives on stdin, is stored in a private temp file and run directly,
# so the kernel honours its shebang; the file is removed whatever the outcome.
SCRIPT_RUNNER = (
    'f=$(mktemp) || exit 127; cat > "$f" && chmod 700 "$f" && "$f"; '
    'rc=$?; rm -f "$f"; exit $rc'
)

Emit = Callable[[list[str]], None]


@dataclass
class HostRun:
    """The live state of one host in a running execution."""

    row_id: int
    device_id: int | None
    name: str
    target: ssh.SSHTarget
    status: str = PENDING
    exit_code: int | None = None
    error: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    stdout: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    stderr: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    saved: bool = False
    presented_key: str | None = None  # recorded on first use when none is pinned
    announced: dict[str, Any] | None = None  # the last `host` event sent

    def begin(self) -> None:
        """Mark the host running."""
        self.status, self.error, self.exit_code = RUNNING, None, None
        self.started_at = self.started_at or utcnow()

    def end(self, status: str, exit_code: int | None, error: str | None) -> None:
        """Record how the host's step ended."""
        self.status, self.exit_code, self.error = status, exit_code, error
        self.completed_at = utcnow()

    def event(self) -> dict[str, Any]:
        """The `host` event payload."""
        return {
            "host": self.name,
            "device_id": self.device_id,
            "status": self.status,
            "exit_code": self.exit_code,
            "error": self.error,
        }

    def row(self) -> dict[str, Any]:
        """The values of this host's result row."""
        return {
            "id": self.row_id,
            "status": self.status,
            "exit_code": self.exit_code,
            "error": self.error,
            "stdout": "\n".join(self.stdout),
            "stderr": "\n".join(self.stderr),
            "started_at": self.started_at,
            "completed_at": self.completed_at or utcnow(),
        }

    def redact(self, lines: list[str]) -> list[str]:
        """Lines with the host's known secrets blanked out."""
        secrets = [s for s in (self.target.password, self.target.passphrase) if s]
        if not secrets:
            return lines
        out = []
        for line in lines:
            for secret in secrets:
                line = line.replace(secret, REDACTED)
            out.append(line)
        return out


def plan(step: dict[str, Any]) -> tuple[str, str | None]:
    """The remote command of a step and what to feed its stdin."""
    if step["type"] == "script":
        return SCRIPT_RUNNER, str(step["action"])
    return str(step["action"]), None


async def execute(
    host: HostRun,
    step: dict[str, Any],
    limits: ssh.SSHLimits,
    emit: Callable[[str, list[str]], Awaitable[None]],
) -> int | None:
    """Run `step` on `host`, streaming lines to `emit`; the exit status."""
    command, stdin = plan(step)
    async with ssh.session(host.target, limits) as connected:
        if host.target.host_key is None:
            host.presented_key = connected.host_key
        proc = await connected.conn.create_process(
            command, encoding="utf-8", errors="replace"
        )
        try:
            if stdin is not None:
                proc.stdin.write(stdin)
            proc.stdin.write_eof()
            await asyncio.gather(
                _pump(proc.stdout, "stdout", emit), _pump(proc.stderr, "stderr", emit)
            )
            result = await proc.wait()
        finally:
            proc.close()
    return result.exit_status


async def _pump(
    reader: asyncssh.SSHReader[str],
    stream: str,
    emit: Callable[[str, list[str]], Awaitable[None]],
) -> None:
    partial = ""
    while chunk := await reader.read(READ_CHUNK):
        lines = (partial + chunk).split("\n")
        partial = lines.pop()
        if lines:
            await emit(stream, lines)
    if partial:
        await emit(stream, [partial])
