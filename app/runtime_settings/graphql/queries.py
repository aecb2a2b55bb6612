"""Queries of the runtime settings store."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.runtime_settings import service
from app.runtime_settings.graphql.types import RuntimeSettings


@strawberry.type
class RuntimeSettingsQuery:
    @strawberry.field(
        description="The runtime settings in force now.",
        permission_classes=[HasPermission("settings.settings.view")],
    )
    async def runtime_settings(self, info: Info) -> RuntimeSettings:
        return RuntimeSettings.from_effective(await service.effective(info.context.db))
