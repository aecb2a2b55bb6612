"""Step runners: one per documented step type, each doing the real work."""

from __future__ import annotations

from typing import Any

from app.pipelines.inputs import parse_config
from app.pipelines.steps import notify, promote, pull_request, sdk
from app.pipelines.steps.base import Context, describe

__all__ = ["Context", "describe", "run"]

RUNNERS = {
    "notify": notify.run,
    "regenerate_sdk": sdk.run,
    "auto_promote": promote.run,
    "create_pr": pull_request.run,
}


async def run(step_type: str, config: dict[str, Any], context: Context) -> Any:
    """Run one step with its rendered `config`; returns the step's output."""
    checked = parse_config(step_type, config, "config")
    return await RUNNERS[step_type](checked, context)  # type: ignore[operator]
