"""Ansible Hub fixtures: the vault keyed like the test app (fleet's fixture), and
the API with its in-process worker."""

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker, unit_of_work
from app.runtime_settings import service as settings_service
from tests.conftest import RunningApp, pg_settings, serve
from tests.devices.conftest import keyed_vault
from worker.broker import embedded

__all__ = ["controller_allowed", "keyed_vault", "worker_app"]


@pytest.fixture
async def worker_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with the in-process worker consuming every queue."""
    async with serve(pg_settings(pg_url), background=embedded) as running:
        yield running


@pytest.fixture
async def controller_allowed(db: Sessionmaker) -> None:
    """As an admin would: let Ansible run on the controller (still sandboxed),
    for tests whose playbooks run on a local inventory or localhost."""
    async with unit_of_work(db) as session:
        await settings_service.update(
            session, {"ansible_allow_controller_execution": True}, None
        )
