"""Node types that need no network: triggers, condition, delay, set variable."""

from __future__ import annotations

import asyncio
from typing import Any

from app.workflows import templating
from app.workflows.nodes.base import NodeFailedError, RunContext
from app.workflows.nodes.configs import ConditionConfig, DelayConfig, SetVariableConfig


async def run_trigger(config: Any, ctx: RunContext) -> dict[str, Any]:
    """A trigger passes the trigger data on; it has already fired."""
    return {"trigger": ctx.scope.get("trigger", {})}


async def run_condition(config: ConditionConfig, ctx: RunContext) -> dict[str, Any]:
    """Evaluate the expression; its truth picks the `true` or `false` edges."""
    try:
        value = templating.evaluate(config.expression, ctx.scope)
        return {"result": bool(value)}
    except templating.TemplateFailure as exc:
        raise NodeFailedError(str(exc)) from exc


async def run_delay(config: DelayConfig, ctx: RunContext) -> dict[str, Any]:
    """Wait `seconds` (not in test mode)."""
    if not ctx.test_mode:
        await asyncio.sleep(config.seconds)
    return {"seconds": config.seconds, "waited": not ctx.test_mode}


async def run_set_variable(
    config: SetVariableConfig, ctx: RunContext
) -> dict[str, Any]:
    """Set one workflow variable for the nodes after this one."""
    ctx.variables[config.name] = config.value
    return {"name": config.name, "value": config.value}
