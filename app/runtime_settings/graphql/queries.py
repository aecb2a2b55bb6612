"""Queries of the runtime settings store."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.runtime_settings import service
from app.runtime_settings.graphql.types import RuntimeSettingChange, RuntimeSettings


@strawberry.type
class RuntimeSettingsQuery:
    @strawberry.field(
        description="The runtime settings in force now.",
        permission_classes=[HasPermission("settings.settings.view")],
    )
    async def runtime_settings(self, info: Info) -> RuntimeSettings:
        return RuntimeSettings.from_effective(await service.effective(info.context.db))

    @strawberry.field(
        description="Who changed which setting when, newest first.",
        permission_classes=[HasPermission("settings.settings.view")],
    )
    async def runtime_setting_changes(
        self, info: Info, limit: int = 100
    ) -> list[RuntimeSettingChange]:
        async with info.context.db() as session:
            found = await service.recent_changes(session, limit)
        return [RuntimeSettingChange.from_model(c) for c in found]
