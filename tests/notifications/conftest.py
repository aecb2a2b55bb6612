"""Fixtures: the API with loopback URLs allowed, with and without its worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker
from app.settings import Settings
from tests.conftest import RunningApp, pg_settings, serve
from worker.broker import embedded


def ops_settings(pg_url: str) -> Settings:
    """Loopback peers allowed, retries fast."""
    return pg_settings(
        pg_url, allow_loopback_urls=True, notification_retry_base_seconds=0.1
    )


@pytest.fixture
async def ops_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API (no worker) on the test database, loopback URLs allowed."""
    async with serve(ops_settings(pg_url)) as running:
        yield running


@pytest.fixture
async def full_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with its in-process worker and notification dispatcher."""
    async with serve(ops_settings(pg_url), background=embedded) as running:
        yield running
