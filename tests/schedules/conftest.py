"""Fixtures of the schedule tests: settings with a stub broker, a workflow."""

from __future__ import annotations

import pytest

from app import jobs
from app.db import Sessionmaker, unit_of_work
from app.settings import Settings
from app.workflows import service as workflows_service
from tests.conftest import pg_settings


@pytest.fixture
def settings(pg_url: str) -> Settings:
    """PostgreSQL settings; queued runs go to an in-memory stub queue."""
    configured = pg_settings(pg_url, schedule_trigger_tolerance_seconds=60)
    jobs.make_broker(configured)
    return configured


@pytest.fixture
async def workflow_id(db: Sessionmaker) -> str:
    """A one-node workflow for schedules to start (a manual trigger: a cron
    trigger node would start runs of its own at minute boundaries)."""
    async with unit_of_work(db) as session:
        workflow = await workflows_service.create_workflow(
            session,
            {"name": "scheduled", "nodes": [{"id": "t", "type": "trigger:manual",
             "data": {}}], "edges": []},
            None,
        )  # fmt: skip
    return workflow.id
