"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.audit.models import AuditEntry
from app.credentials.models import Credential, CredentialAudit, CredentialHistory
from app.db import Base
from app.devices.models import Device, Group
from app.events.models import EventStream, StoredEvent
from app.executions.models import Execution, ExecutionHost
from app.inventories.models import Inventory, InventoryHost
from app.playbooks.models import Playbook
from app.scripts.models import Script
from app.users.models import AuthSession, RecoveryCode, RefreshToken, Role, User

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Credential",
    "CredentialAudit",
    "CredentialHistory",
    "Device",
    "EventStream",
    "Execution",
    "ExecutionHost",
    "Group",
    "Inventory",
    "InventoryHost",
    "Playbook",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "Script",
    "StoredEvent",
    "User",
]
