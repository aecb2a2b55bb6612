"""What each host went through in a job, folded from its events as they pass."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from app.ansible.stream import HostOutcome
from app.db import utcnow

TAIL_LINES = 500
FAILURES = ("host.failed", "host.unreachable")


class HostTally:
    """Per-host results of one job across its playbooks."""

    def __init__(self) -> None:
        self._first: dict[str, datetime] = {}
        self._errors: dict[str, str] = {}
        self._lines: dict[str, deque[str]] = {}

    def add(self, kind: str, data: dict[str, Any]) -> None:
        """Fold one job event in; only per-host results count."""
        host = data.get("host")
        if not kind.startswith("host.") or not isinstance(host, str):
            return
        self._first.setdefault(host, utcnow())
        lines = self._lines.setdefault(host, deque(maxlen=TAIL_LINES))
        lines.extend(str(data.get("stdout") or "").strip("\n").splitlines())
        if kind in FAILURES and not data.get("ignore_errors"):
            self._errors.setdefault(host, str(data.get("msg") or kind))

    def outcomes(self, job_status: str) -> dict[str, HostOutcome]:
        """Each host seen: `failed` after a failure not ignored, else the job's end."""
        return {
            host: HostOutcome(
                "failed" if host in self._errors else job_status,
                self._errors.get(host),
                "\n".join(self._lines[host]),
                started,
            )
            for host, started in self._first.items()
        }
