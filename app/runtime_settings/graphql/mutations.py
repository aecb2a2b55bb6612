"""Mutations of the runtime settings store."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.graphql.types import error_from
from app.runtime_settings import service
from app.runtime_settings.errors import InvalidSettingError
from app.runtime_settings.graphql.types import (
    InvalidSetting,
    RuntimeSettings,
    RuntimeSettingsInput,
    UpdateRuntimeSettingsSuccess,
)

UpdateRuntimeSettingsPayload = Annotated[
    UpdateRuntimeSettingsSuccess | InvalidSetting,
    strawberry.union("UpdateRuntimeSettingsPayload"),
]


@strawberry.type
class RuntimeSettingsMutation:
    @strawberry.mutation(
        description="Change runtime settings; they take effect without a restart.",
        permission_classes=[HasPermission("settings.settings.update")],
    )
    async def update_runtime_settings(
        self, info: Info, input: RuntimeSettingsInput
    ) -> UpdateRuntimeSettingsPayload:
        user_id = info.context.principal.user_id if info.context.principal else None
        try:
            async with unit_of_work(info.context.db) as session:
                await service.update(session, input.changes(), user_id)
        except InvalidSettingError as exc:
            return error_from(InvalidSetting, exc)
        current = await service.effective(info.context.db)
        return UpdateRuntimeSettingsSuccess(
            settings=RuntimeSettings.from_effective(current)
        )
