"""Fixtures: the API with loopback URLs allowed and a pipelines workspace dir."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import Sessionmaker
from app.pipelines.models import PipelineExecution
from app.settings import Settings
from tests.conftest import RunningApp, pg_settings, serve
from worker.broker import embedded

ORG = "550e8400-e29b-41d4-a716-446655440001"
WORKSPACE = "550e8400-e29b-41d4-a716-446655440000"


def mock_settings(pg_url: str, workspace: Path, **extra: Any) -> Settings:
    """Loopback peers allowed; steps read and write below `workspace`."""
    return pg_settings(
        pg_url,
        allow_loopback_urls=True,
        pipelines_workspace_dir=workspace,
        **extra,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
async def api(
    db: Sessionmaker, pg_url: str, workspace: Path
) -> AsyncIterator[RunningApp]:
    """The API without a worker: executions stay `started`."""
    async with serve(mock_settings(pg_url, workspace)) as running:
        yield running


@pytest.fixture
async def worker_api(
    db: Sessionmaker, pg_url: str, workspace: Path
) -> AsyncIterator[RunningApp]:
    """The API with its in-process worker and both event dispatchers."""
    async with serve(mock_settings(pg_url, workspace), background=embedded) as running:
        yield running


def step(
    name: str, step_type: str, config: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"name": name, "step_type": step_type, "config": config, **extra}


def pipeline_body(
    steps: list[dict[str, Any]],
    triggers: list[dict[str, Any]] | None = None,
    name: str = "auto-sdk-regeneration",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "definition": {
            "name": name,
            "description": "test pipeline",
            "enabled": True,
            "triggers": triggers or [{"event": "schema.changed", "filters": {}}],
            "steps": steps,
        },
        "workspace_id": WORKSPACE,
        "org_id": ORG,
        **extra,
    }


async def finished(
    app: RunningApp, headers: dict[str, str], execution_id: str
) -> dict[str, Any]:
    """Poll an execution until it is completed or failed."""
    for _ in range(200):
        response = await app.http.get(
            f"/api/v1/pipelines/executions/{execution_id}", headers=headers
        )
        body: dict[str, Any] = response.json()
        if body["status"] in ("completed", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"execution {execution_id} did not finish: {body}")


async def executions_of(db: Sessionmaker) -> list[PipelineExecution]:
    """Every stored execution."""
    async with db() as session:
        return list((await session.scalars(select(PipelineExecution))).all())
