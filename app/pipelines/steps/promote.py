"""`auto_promote`: record an entity's promotion and announce `promotion.completed`.

OpsGraph has no environments of its own: the promotion is recorded here (table
`pipeline_promotion`) and published on the domain stream, where pipelines and
notification rules listening for `promotion.completed` pick it up.
"""

from __future__ import annotations

from typing import Any

from app import events
from app.db import unit_of_work
from app.pipelines.errors import StepFailedError
from app.pipelines.inputs import AutoPromoteConfig
from app.pipelines.models import Promotion
from app.pipelines.steps.base import Context


async def run(config: AutoPromoteConfig, context: Context) -> dict[str, Any]:
    """Store the promotion and emit its domain event in one transaction."""
    if not str(config.entity_id).strip():
        raise StepFailedError("entity_id is empty after rendering the event")
    if config.from_environment == config.to_environment:
        raise StepFailedError("from_environment and to_environment are the same")
    async with unit_of_work(context.db) as session:
        promotion = Promotion(
            execution_id=context.execution_id,
            entity_type=config.entity_type,
            entity_id=config.entity_id,
            from_environment=config.from_environment,
            to_environment=config.to_environment,
            comments=config.comments,
        )
        session.add(promotion)
        await session.flush()
        fact = {
            "promotion_id": str(promotion.id),
            "entity_type": promotion.entity_type,
            "entity_id": promotion.entity_id,
            "from_environment": promotion.from_environment,
            "to_environment": promotion.to_environment,
            "comments": promotion.comments,
            "workspace_id": (context.event or {}).get("workspace_id"),
            "execution_id": str(context.execution_id),
        }
        await events.emit_domain(session, "promotion.completed", fact)
    return {**fact, "status": "success"}
