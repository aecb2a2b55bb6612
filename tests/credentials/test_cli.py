"""`opsgraph vault rotate-key` re-seals every secret under the current key."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from app.credentials import service, vault
from app.credentials.models import Credential
from app.db import Sessionmaker, unit_of_work
from app.settings import Settings
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
NEW_KEY = "the-next-signing-key-for-the-vault-42"


def rotate(database_url: str, previous: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPSGRAPH_DATABASE_URL": database_url,
        "OPSGRAPH_SECRET_KEY": NEW_KEY,
        "OPSGRAPH_VAULT_PREVIOUS_KEYS": json.dumps(previous),
    }
    env.pop("OPSGRAPH_REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "vault", "rotate-key"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestRotateKeyCommand:
    async def test_reseals_with_the_new_key(
        self, db: Sessionmaker, pg_url: str
    ) -> None:
        data = service.input_from(
            {"password": "cli-rotation-secret"},
            name="cli",
            credential_type="ssh",
            username="ops",
        )
        async with unit_of_work(db) as s:
            await service.create_credential(s, service.SYSTEM, data)
        refused = await asyncio.to_thread(rotate, pg_url, [])
        assert refused.returncode == 1
        assert "OPSGRAPH_VAULT_PREVIOUS_KEYS" in refused.stderr
        done = await asyncio.to_thread(rotate, pg_url, [TEST_KEY])
        assert done.returncode == 0, done.stderr
        assert "re-encrypted 1 secrets" in done.stderr
        assert "cli-rotation-secret" not in done.stdout + done.stderr
        vault.configure(Settings(_env_file=None, secret_key=SecretStr(NEW_KEY)))
        async with db() as s:
            row = await s.scalar(select(Credential))
        assert row is not None
        assert row.key_id == vault.derive(NEW_KEY)[0]
        assert service.secret_of(row) == {"password": "cli-rotation-secret"}
