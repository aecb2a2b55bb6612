"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.audit.models import AuditEntry
from app.credentials.models import Credential, CredentialAudit, CredentialHistory
from app.db import Base
from app.devices.models import Device, Group
from app.events.models import EventStream, StoredEvent
from app.inventories.models import Inventory, InventoryHost
from app.schedules.models import Schedule, ScheduleFire
from app.users.models import AuthSession, RecoveryCode, RefreshToken, Role, User
from app.workflows.models import (
    Workflow,
    WorkflowEventCursor,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowNodeResult,
    WorkflowTag,
)

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Credential",
    "CredentialAudit",
    "CredentialHistory",
    "Device",
    "EventStream",
    "Group",
    "Inventory",
    "InventoryHost",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "Schedule",
    "ScheduleFire",
    "StoredEvent",
    "User",
    "Workflow",
    "WorkflowEventCursor",
    "WorkflowExecution",
    "WorkflowFolder",
    "WorkflowNodeResult",
    "WorkflowTag",
]
