"""Real `opsgraph worker` processes for tests, on the test database and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent


def worker_env(pg_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of an `opsgraph worker` on the test database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    return env | {
        "PYTHONPATH": str(ROOT),
        "OPSGRAPH_DATABASE_URL": pg_url,
        "OPSGRAPH_REDIS_URL": redis_url,
        "OPSGRAPH_SECRET_KEY": TEST_KEY,
        **extra,
    }


@contextmanager
def worker_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real `opsgraph worker` process, stopped with SIGTERM (or killed) after."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
