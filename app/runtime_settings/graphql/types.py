"""GraphQL types of the runtime settings store."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.graphql.nodes import Entity, global_id
from app.graphql.types import Error
from app.runtime_settings.keys import KEYS, EffectiveSettings
from app.runtime_settings.models import RuntimeSettingChange as ChangeModel
from app.users.graphql.types import User


@strawberry.type(description="The settings in force now; changes apply at once.")
class RuntimeSettings:
    max_concurrent_executions: int = strawberry.field(
        description="Most executions running at the same time."
    )
    long_running_delay_seconds: int = strawberry.field(
        description="After how long a running execution counts as long-running."
    )
    schedule_trigger_tolerance_seconds: int = strawberry.field(
        description="How late a schedule may still fire."
    )
    access_token_expire_minutes: int = strawberry.field(
        description="Lifetime of newly issued access tokens."
    )
    log_level: str = strawberry.field(description="Root log level.")
    session_timeout_hours: int = strawberry.field(
        description="Lifetime of a login session."
    )
    max_concurrent_jobs: int = strawberry.field(
        description="Most scheduled jobs running at the same time."
    )
    log_retention_days: int = strawberry.field(
        description="Stored log records older than this are deleted."
    )
    netbox_url: str = strawberry.field(
        description="Base URL of the NetBox instance; empty: not configured."
    )
    netbox_token: str = strawberry.field(
        description="NetBox API token, always masked: '********' when set."
    )
    netbox_verify_tls: bool = strawberry.field(
        description="Whether NetBox's TLS certificate is verified."
    )
    netbox_timeout_seconds: int = strawberry.field(
        description="Timeout of one request to NetBox."
    )
    netbox_default_site_id: int = strawberry.field(
        description="NetBox site of synced devices when none is given; 0: none."
    )
    netbox_default_role_id: int = strawberry.field(
        description="NetBox device role of synced devices when none is given; 0: none."
    )
    netbox_default_device_type_id: int = strawberry.field(
        description="NetBox device type of synced devices when none is given; 0: none."
    )
    netbox_sync_interval_minutes: int = strawberry.field(
        description="Minutes between scheduled imports from NetBox; 0: off."
    )
    ansible_allow_controller_execution: bool = strawberry.field(
        description="Ansible may run on the OpsGraph host itself (local "
        "connection, localhost plays, controller-side lookups). Admins only."
    )
    ansible_allow_unsandboxed: bool = strawberry.field(
        description="Ansible may run without the bubblewrap sandbox when bwrap "
        "is missing. Admins only."
    )

    @classmethod
    def from_effective(cls, current: EffectiveSettings) -> RuntimeSettings:
        return cls(**{k: KEYS[k].shown(v) for k, v in vars(current).items()})


@strawberry.input(description="Settings to change; omitted ones stay as they are.")
class RuntimeSettingsInput:
    max_concurrent_executions: int | None = strawberry.UNSET
    long_running_delay_seconds: int | None = strawberry.UNSET
    schedule_trigger_tolerance_seconds: int | None = strawberry.UNSET
    access_token_expire_minutes: int | None = strawberry.UNSET
    log_level: str | None = strawberry.UNSET
    session_timeout_hours: int | None = strawberry.UNSET
    max_concurrent_jobs: int | None = strawberry.UNSET
    log_retention_days: int | None = strawberry.UNSET
    netbox_url: str | None = strawberry.UNSET
    netbox_token: str | None = strawberry.UNSET
    netbox_verify_tls: bool | None = strawberry.UNSET
    netbox_timeout_seconds: int | None = strawberry.UNSET
    netbox_default_site_id: int | None = strawberry.UNSET
    netbox_default_role_id: int | None = strawberry.UNSET
    netbox_default_device_type_id: int | None = strawberry.UNSET
    netbox_sync_interval_minutes: int | None = strawberry.UNSET
    ansible_allow_controller_execution: bool | None = strawberry.UNSET
    ansible_allow_unsandboxed: bool | None = strawberry.UNSET

    def changes(self) -> dict[str, object]:
        """The fields the caller set."""
        return {k: v for k, v in vars(self).items() if v is not strawberry.UNSET}


@strawberry.type(description="The settings were changed.")
class UpdateRuntimeSettingsSuccess:
    settings: RuntimeSettings = strawberry.field(description="The settings now.")


@strawberry.type(
    description="A setting is unknown or its value is out of range; `field` names it."
)
class InvalidSetting(Error):
    pass


@strawberry.type(description="One audited change of one setting.")
class RuntimeSettingChange(Entity):
    table = ChangeModel
    permission = "settings.settings.view"

    number: int = strawberry.field(description="Row id.")
    key: str = strawberry.field(description="The setting.")
    old_value: JSON | None = strawberry.field(description="Stored value before.")
    new_value: JSON = strawberry.field(description="Stored value after.")
    changed_by: strawberry.ID | None = strawberry.field(
        description="Global id of the user who changed it; null: the system."
    )
    changed_at: datetime = strawberry.field(description="When it changed.")

    @classmethod
    def from_model(cls, row: ChangeModel) -> RuntimeSettingChange:
        return cls(
            number=row.id,
            key=row.key,
            old_value=row.old_value,
            new_value=row.new_value,
            changed_by=(
                global_id(User, row.changed_by) if row.changed_by is not None else None
            ),
            changed_at=row.changed_at,
        )
