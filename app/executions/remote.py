"""One host's part of a step: run a command or upload-and-run a script over SSH."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncssh

from app import redaction, ssh
from app.db import utcnow
from app.executions.models import PENDING, RUNNING

TAIL_LINES = 500
REDACTED = "********"
log = logging.getLogger(__name__)
# The script arrives on stdin, is stored in a private temp file and run directly,
# so the kernel honours its shebang; the file is removed whatever the outcome,
# a stop's TERM included.
SCRIPT_RUNNER = (
    "f=$(mktemp) || exit 127; trap 'rm -f \"$f\"; exit 143' TERM; "
    'cat > "$f" && chmod 700 "$f" && "$f"; '
    'rc=$?; rm -f "$f"; exit $rc'
)
# sshd starts each session's command as a session and process-group leader, so
# `$$` names the group of every process the command starts. The command first
# reports it on stderr, so a stop or a timeout can end the whole group: closing
# the channel alone leaves a command that never writes (`sleep 30`) running.
GROUP_MARK = "opsgraph-process-group "
REPORT_GROUP = f"printf '{GROUP_MARK}%s\\n' $$ >&2; "
# TERM the group now; a detached watcher KILLs what is left after KILL_GRACE
# seconds, so the worker waits for neither.
KILL_GRACE = 5
END_GROUP = (
    "kill -TERM -{pgid} 2>/dev/null || exit 0; "
    "(i=0; while kill -0 -{pgid} 2>/dev/null; do "
    f"if [ $i -ge {KILL_GRACE * 4} ]; then kill -KILL -{{pgid}}; exit; fi; "
    "sleep 0.25; i=$((i+1)); done) </dev/null >/dev/null 2>&1 &"
)


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
        """Lines with the host's known secrets (and their encodings) blanked out."""
        found = redaction.pattern((self.target.password, self.target.passphrase))
        return [found.sub(REDACTED, line) for line in lines] if found else lines


def plan(step: dict[str, Any]) -> tuple[str, str | None]:
    """The remote command of a step and what to feed its stdin."""
    if step["type"] == "script":
        return SCRIPT_RUNNER, str(step["action"])
    return str(step["action"]), None


Emit = Callable[[str, list[str]], None]
Room = Callable[[], Awaitable[object] | None]
STDERR = asyncssh.EXTENDED_DATA_STDERR
STREAMS = {None: "stdout", STDERR: "stderr"}


async def execute(
    host: HostRun, step: dict[str, Any], limits: ssh.SSHLimits, emit: Emit, room: Room
) -> int | None:
    """Run `step` on `host`, handing complete lines to `emit`; the exit status.

    `room()` returns something to await while the caller's buffer is full (or
    None): reading from the host pauses meanwhile.
    """
    command, stdin = plan(step)
    async with ssh.session(host.target, limits) as connected:
        if host.target.host_key is None:
            host.presented_key = connected.host_key
        chan, lines = await connected.conn.create_session(
            lambda: _Lines(emit, room, stdin),
            REPORT_GROUP + command,
            encoding="utf-8",
            errors="replace",
        )
        try:
            await lines.done
        except asyncio.CancelledError:
            await _end_group(connected.conn, lines.pgid)
            raise
        finally:
            chan.close()
    return chan.get_exit_status()


async def _end_group(conn: asyncssh.SSHClientConnection, pgid: int | None) -> None:
    """End a stopped or timed-out command's process group on its host."""
    if pgid is None:
        return
    try:
        async with asyncio.timeout(KILL_GRACE):
            await conn.run(END_GROUP.format(pgid=pgid), check=False)
    except (asyncssh.Error, OSError, TimeoutError) as exc:
        log.warning("could not end process group %s: %s", pgid, type(exc).__name__)


class _Lines(asyncssh.SSHClientSession[str]):
    """A command's output split into lines as it arrives, with no reader tasks.

    One callback per packet instead of two reader tasks per host: in a fan-out
    over hundreds of hosts the tasks and stream buffers cost more than the
    lines themselves.
    """

    def __init__(self, emit: Emit, room: Room, stdin: str | None) -> None:
        self._emit, self._room, self._stdin = emit, room, stdin
        self._partial = dict.fromkeys(STREAMS, "")
        self._chan: asyncssh.SSHClientChannel[str] | None = None
        self._group_read = False
        self.pgid: int | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, chan: asyncssh.SSHClientChannel[str]) -> None:
        self._chan = chan

    def session_started(self) -> None:
        assert self._chan is not None  # noqa: S101  set just before
        if self._stdin is not None:
            self._chan.write(self._stdin)
        self._chan.write_eof()

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        lines = (self._partial[datatype] + data).split("\n")
        self._partial[datatype] = lines.pop()
        if lines and datatype == STDERR and not self._group_read:
            lines = self._read_group(lines)
        if lines:
            self._emit(STREAMS[datatype], lines)
            self._pause_while_full()

    def _read_group(self, lines: list[str]) -> list[str]:
        """Take the process group the command reported on its first stderr line."""
        self._group_read = True
        first = lines[0]
        if first.startswith(GROUP_MARK) and first[len(GROUP_MARK) :].isdigit():
            self.pgid = int(first[len(GROUP_MARK) :])
            return lines[1:]
        return lines

    def _pause_while_full(self) -> None:
        wait = self._room()
        if wait is None or self._chan is None:
            return
        self._chan.pause_reading()
        chan = self._chan

        async def resume() -> None:
            await wait
            chan.resume_reading()

        task = asyncio.ensure_future(resume())
        self.done.add_done_callback(lambda _: task.cancel())

    def connection_lost(self, exc: Exception | None) -> None:
        for datatype, partial in self._partial.items():
            if partial:
                self._emit(STREAMS[datatype], [partial])
        self._partial = dict.fromkeys(STREAMS, "")
        if self.done.done():
            return
        if exc is None:
            self.done.set_result(None)
        else:
            self.done.set_exception(exc)
