"""Ansible Hub fixtures: the vault keyed like the test app (fleet's fixture), and
the API with its in-process worker."""

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker
from tests.conftest import RunningApp, pg_settings, serve
from tests.devices.conftest import keyed_vault
from worker.broker import embedded

__all__ = ["keyed_vault", "worker_app"]


@pytest.fixture
async def worker_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with the in-process worker consuming every queue."""
    async with serve(pg_settings(pg_url), background=embedded) as running:
        yield running
