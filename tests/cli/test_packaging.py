"""A wheel installed outside the source tree migrates a database by itself."""

from __future__ import annotations

import os
import shutil
import site
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603  the test's own venv and wheel
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def copy_source(dest: Path) -> Path:
    """What a source distribution holds, so the build leaves the tree alone."""
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for package in ("app", "worker"):
        shutil.copytree(ROOT / package, dest / package, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    return dest


def install_wheel(tmp_path: Path, env: dict[str, str]) -> Path:
    """A venv holding this tree's wheel (not editable); its directory."""
    wheels, venv = tmp_path / "wheels", tmp_path / "venv"
    source = copy_source(tmp_path / "src")
    pip = (sys.executable, "-m", "pip")
    run(*pip, "wheel", source, "--no-deps", "-q", "-w", wheels, cwd=tmp_path)
    # The venv sees the installed dependencies as a plain path entry, so the
    # system's editable `opsgraph` (a .pth import hook) stays out of it.
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    site_dir = next(venv.glob("lib/python*/site-packages"))
    (site_dir / "system.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    wheel = next(wheels.glob("opsgraph-*.whl"))
    # --ignore-installed: never touch the system's own opsgraph
    venv_pip = (venv / "bin/python", "-m", "pip", "install", "-q", "--no-deps")
    run(*venv_pip, "--ignore-installed", wheel, cwd=tmp_path, env=env)
    return venv


def test_installed_wheel_runs_db_upgrade(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    env.pop("PYTHONPATH", None)
    venv = install_wheel(tmp_path, env)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    env["OPSGRAPH_DATA_DIR"] = str(tmp_path / "data")
    where = run(
        venv / "bin/python",
        "-c",
        "import app; print(app.__file__)",
        cwd=elsewhere,
        env=env,
    )
    assert where.startswith(str(venv))
    output = run(venv / "bin/opsgraph", "db", "upgrade", cwd=elsewhere, env=env)
    assert "Running upgrade" not in output  # alembic's INFO lines stay out
    with sqlite3.connect(tmp_path / "data/opsgraph.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "user", "device"} <= tables
