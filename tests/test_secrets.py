"""The secret field registry: sealing, masking, echoed masks, binding, key rotation."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from app import secrets
from app.cli import upgrade_database
from app.credentials import vault
from app.db import Sessionmaker, unit_of_work
from app.pipelines.models import Pipeline
from app.settings import Settings
from tests.conftest import TEST_KEY, pg_settings

DOC = "pipeline.definition"
SLACK = "https://hooks.slack.com/services/T0/B0/slack-secret-path"
HOOK = "https://ops:hook-pass@hooks.example.com/in?token=q-secret&team=7"


def definition() -> dict[str, Any]:
    config = {
        "type": "webhook",
        "webhook_url": HOOK,
        "headers": {"Authorization": "Bearer hdr-secret"},
        "smtp": {"host": "mail.example.com", "password": "smtp-secret"},
        "slack_webhook_url": SLACK,
        "message": "deploy done",
    }
    return {"steps": [{"name": "n", "step_type": "notify", "config": config}]}


PLAIN = ("slack-secret-path", "hook-pass", "q-secret", "hdr-secret", "smtp-secret")


@pytest.fixture(autouse=True)
def keyed() -> Iterator[None]:
    vault.configure(pg_settings("postgresql+asyncpg://unused/unused"))
    yield
    vault.configure(pg_settings("postgresql+asyncpg://unused/unused"))


class TestRegistry:
    def test_sealed_masked_and_revealed(self) -> None:
        sealed = secrets.seal(DOC, definition())
        assert not any(p in str(sealed) for p in PLAIN)
        assert str(sealed).count("$vault$") == 4
        assert secrets.reveal(DOC, sealed) == definition()
        shown = secrets.masked(DOC, sealed)["steps"][0]["config"]
        assert shown == {
            "type": "webhook",
            "webhook_url": "https://********@hooks.example.com/in?token=********&team=7",
            "headers": {"Authorization": "********"},
            "smtp": {"host": "mail.example.com", "password": "********"},
            "slack_webhook_url": "https://hooks.slack.com/********",
            "message": "deploy done",
        }

    def test_echoed_masks_keep_the_stored_secrets(self) -> None:
        sealed = secrets.seal(DOC, definition())
        echoed = copy.deepcopy(secrets.masked(DOC, sealed))
        config = echoed["steps"][0]["config"]
        config["headers"]["Authorization"] = "Bearer new-header"
        config["message"] = "changed"
        kept = secrets.keep_unchanged(DOC, echoed, sealed)
        expected = definition()
        expected["steps"][0]["config"]["headers"]["Authorization"] = "Bearer new-header"
        expected["steps"][0]["config"]["message"] = "changed"
        assert kept == expected

    def test_a_token_opens_only_in_its_own_document(self) -> None:
        token = secrets.seal(DOC, definition())["steps"][0]["config"]["smtp"][
            "password"
        ]
        nodes = [{"id": "a", "type": "snmp_get", "data": {"community": token}}]
        assert secrets.reveal("workflow.nodes", nodes) == nodes
        assert secrets.open_value(DOC, token) == "smtp-secret"

    def test_a_new_key_reseals_and_the_old_one_still_opens(self) -> None:
        old = secrets.seal(DOC, definition())
        vault.configure(
            Settings(
                _env_file=None,
                secret_key="a-brand-new-signing-key-0123456789abcdef",
                vault_previous_keys=[TEST_KEY],
            )
        )
        assert secrets.reveal(DOC, old) == definition()
        resealed = secrets.seal(DOC, old)
        current = vault.keyring().current_id
        assert str(resealed).count(f"$vault${current}$") == 4
        assert secrets.reveal(DOC, resealed) == definition()


async def stored_text(db: Sessionmaker, pipeline_id: uuid.UUID) -> str:
    async with db() as session:
        raw = await session.scalar(
            text("SELECT definition::text FROM pipeline WHERE id = :id"),
            {"id": pipeline_id},
        )
    assert raw is not None
    return str(raw)


class TestUpgrade:
    async def test_rows_stored_in_clear_are_sealed_by_db_upgrade(
        self, db: Sessionmaker, pg_url: str
    ) -> None:
        pipeline_id = uuid.uuid4()
        async with unit_of_work(db) as session:
            session.add(Pipeline(id=pipeline_id, name="old", definition=definition()))
        await asyncio.to_thread(upgrade_database, pg_settings(pg_url))
        assert "smtp-secret" in await stored_text(db, pipeline_id)  # nothing migrated
        await asyncio.to_thread(upgrade_database, pg_settings(pg_url), seal=True)
        raw = await stored_text(db, pipeline_id)
        assert "$vault$" in raw
        assert not any(p in raw for p in PLAIN)

    async def test_the_first_start_of_this_version_seals(
        self, db: Sessionmaker, pg_url: str
    ) -> None:
        pipeline_id = uuid.uuid4()
        async with unit_of_work(db) as session:
            session.add(Pipeline(id=pipeline_id, name="old", definition=definition()))
            await session.execute(
                text("DELETE FROM alembic_version WHERE version_num = 'secrets_0001'")
            )
        await asyncio.to_thread(upgrade_database, pg_settings(pg_url))
        raw = await stored_text(db, pipeline_id)
        assert "$vault$" in raw
        assert not any(p in raw for p in PLAIN)

    def test_a_url_that_does_not_parse_is_masked_whole(self) -> None:
        field = secrets.Field("url", "url")
        templated = "http://{{ vars.host }}:{{ vars.port }}/x"
        assert secrets.mask_value(DOC, field, templated) == secrets.MASK
