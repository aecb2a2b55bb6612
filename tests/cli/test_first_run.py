"""A first run and a misconfiguration: one line naming the setting, no traceback."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    env["PYTHONPATH"] = str(ROOT)
    env["OPSGRAPH_DATA_DIR"] = str(tmp_path / "data")
    return env | extra


def opsgraph(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  this checkout's own command
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_refused(done: subprocess.CompletedProcess[str], variable: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    output = (done.stdout + done.stderr).strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert output.startswith(f"opsgraph: {variable}: "), output


def test_version_and_help_show_defaults(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    shown = opsgraph(env, "--version")
    assert shown.returncode == 0
    assert shown.stdout.strip()[0].isdigit()
    for command in (["serve"], ["users", "create"], ["schema", "export"]):
        helped = opsgraph(env, *command, "--help")
        assert "default" in helped.stdout, helped.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OPSGRAPH_DATABASE_URL", "postgres://ops:hunter2secret@127.0.0.1/db"),
        ("OPSGRAPH_DATABASE_URL", "postgresql://ops:hunter2secret@127.0.0.1/db"),
        ("OPSGRAPH_LOG_LEVEL", "LOUD"),
        ("OPSGRAPH_PORT", "70000"),
    ],
)
def test_bad_setting_is_one_line(tmp_path: Path, variable: str, value: str) -> None:
    done = opsgraph(clean_env(tmp_path, **{variable: value}), "serve")
    assert_refused(done, variable)
    assert "hunter2secret" not in done.stderr


def test_unreachable_database(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/opsgraph"
    done = opsgraph(clean_env(tmp_path, OPSGRAPH_DATABASE_URL=url), "serve")
    assert_refused(done, "OPSGRAPH_DATABASE_URL")


def test_unwritable_data_dir(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    env = clean_env(tmp_path, OPSGRAPH_DATA_DIR=str(tmp_path / "a-file" / "data"))
    assert_refused(opsgraph(env, "serve"), "OPSGRAPH_DATA_DIR")


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = opsgraph(clean_env(tmp_path), "serve", "--port", port)
    assert_refused(done, "OPSGRAPH_PORT")
    assert "already in use" in done.stderr


def test_serve_without_a_user_says_how_to_create_one(tmp_path: Path) -> None:
    port = str(free_port())
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603  this checkout's own command
            [sys.executable, "-m", "app.cli", "serve", "--port", port],
            env=clean_env(tmp_path),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "users create" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(20)
    text = log.read_text()
    assert "opsgraph users create --username admin --role admin" in text, text
    assert "alembic" not in text


def test_users_create_asks_on_a_terminal(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    piped = opsgraph(env, "users", "create", "--username", "ops")
    assert piped.returncode == 2
    assert "--password-stdin" in piped.stderr
    args = ["-m", "app.cli", "users", "create", "--username", "ops", "--role", "admin"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal is its stdin and controlling tty
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, *args], env)  # noqa: S606
    seen = b""
    for _ in range(2):
        while b"Password" not in seen.rsplit(b"\n", 1)[-1]:
            seen += os.read(fd, 1024)
        os.write(fd, b"a-long-password-1\n")
        seen += os.read(fd, 1024)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert b"a-long-password-1" not in seen  # not echoed
