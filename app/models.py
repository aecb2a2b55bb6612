"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.ansible.models import (
    AnsibleJob,
    AnsibleJobPlaybook,
    AnsiblePlaybook,
    AnsibleTask,
)
from app.audit.models import AuditEntry
from app.credentials.models import Credential, CredentialAudit, CredentialHistory
from app.db import Base
from app.devices.models import Device, Group
from app.events.models import EventStream, StoredEvent
from app.inventories.models import Inventory, InventoryHost
from app.users.models import AuthSession, RecoveryCode, RefreshToken, Role, User

__all__ = [
    "AnsibleJob",
    "AnsibleJobPlaybook",
    "AnsiblePlaybook",
    "AnsibleTask",
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
    "StoredEvent",
    "User",
]
