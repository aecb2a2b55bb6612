"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.alerts.models import Alert
from app.db import Base
from app.events.models import EventStream, StoredEvent
from app.logs.models import LogRecord
from app.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationCursor,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)
from app.runtime_settings.models import RuntimeSetting, RuntimeSettingChange
from app.users.models import AuthSession, Role, User

__all__ = [
    "Alert",
    "AuthSession",
    "Base",
    "EventStream",
    "LogRecord",
    "NotificationAttempt",
    "NotificationChannel",
    "NotificationCursor",
    "NotificationDelivery",
    "NotificationRule",
    "NotificationTemplate",
    "Role",
    "RuntimeSetting",
    "RuntimeSettingChange",
    "StoredEvent",
    "User",
]
