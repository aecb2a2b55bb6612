"""DataLoaders of the users domain: one query per batch, each on its own session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from app.db import Sessionmaker
from app.users import service
from app.users.models import Role

_ROLES_BY_USER = "users:roles_by_user"


def roles_by_user(
    loaders: dict[str, Any], db: Sessionmaker
) -> DataLoader[int, list[Role]]:
    """This request's loader of each user's roles, by name."""
    if _ROLES_BY_USER not in loaders:

        async def load(user_ids: Sequence[int]) -> list[list[Role]]:
            async with db() as session:
                found = await service.roles_by_user(session, list(user_ids))
            return [found.get(i, []) for i in user_ids]

        loaders[_ROLES_BY_USER] = DataLoader(load_fn=load)
    loader: DataLoader[int, list[Role]] = loaders[_ROLES_BY_USER]
    return loader
