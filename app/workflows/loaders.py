"""DataLoaders of workflows: one query per batch, each on its own session."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from app.db import Sessionmaker
from app.workflows import service
from app.workflows.models import WorkflowTag


def tags_by_workflow(
    loaders: dict[str, object], db: Sessionmaker
) -> DataLoader[str, list[WorkflowTag]]:
    """This request's loader of each workflow's tags, by name."""
    name = "workflows:tags_by_workflow"
    if name not in loaders:

        async def load(ids: Sequence[str]) -> list[list[WorkflowTag]]:
            async with db() as session:
                found = await service.tags_by_workflow(session, ids)
            return [found[i] for i in ids]

        loaders[name] = DataLoader(load_fn=load)
    loader: DataLoader[str, list[WorkflowTag]] = loaders[name]  # type: ignore[assignment]
    return loader
