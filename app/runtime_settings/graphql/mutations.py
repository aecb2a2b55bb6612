"""Mutations of the runtime settings store."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.mutations import expected, mapped
from app.graphql.permissions import HasPermission
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

_failure = mapped((InvalidSettingError, InvalidSetting))


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
        async with expected(InvalidSetting, via=_failure, db=info.context.db) as out:
            await service.update(out.session, input.changes(), user_id)
        if out.error:
            return out.error
        current = await service.effective(info.context.db)
        return UpdateRuntimeSettingsSuccess(
            settings=RuntimeSettings.from_effective(current)
        )
