"""Queries of the runtime settings store."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.runtime_settings import service
from app.runtime_settings.graphql.types import RuntimeSettingChange, RuntimeSettings
from app.runtime_settings.models import RuntimeSettingChange as ChangeModel


@strawberry.input(description="Which settings changes to list.")
class RuntimeSettingChangeFilter:
    key: str | None = strawberry.field(
        default=None, description="Only changes of this setting."
    )


@strawberry.type
class RuntimeSettingsQuery:
    @strawberry.field(
        description="The runtime settings in force now.",
        permission_classes=[HasPermission("settings.settings.view")],
    )
    async def runtime_settings(self, info: Info) -> RuntimeSettings:
        return RuntimeSettings.from_effective(await service.effective(info.context.db))

    @strawberry.field(
        description="Who changed which setting when (newest first unless "
        "`direction: ASC`), one page at a time.",
        permission_classes=[HasPermission("settings.settings.view")],
    )
    async def runtime_setting_changes(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: RuntimeSettingChangeFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[RuntimeSettingChange]:
        query = service.change_query((filter or RuntimeSettingChangeFilter()).key)
        window = Window(first, after, last, before)
        return await paginate(
            info,
            query,
            [ChangeModel.id],
            direction,
            window,
            RuntimeSettingChange.from_model,
        )
