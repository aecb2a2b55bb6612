"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.audit.models import AuditEntry
from app.credentials.models import Credential, CredentialAudit, CredentialHistory
from app.db import Base
from app.devices.models import Device, Group
from app.events.models import EventStream, StoredEvent
from app.inventories.models import Inventory, InventoryHost
from app.scans.models import Scan, ScanDefaults, ScanResult
from app.scans.polling.models import (
    DeviceInterface,
    DeviceNeighbor,
    PollRun,
    PowerReading,
)
from app.users.models import AuthSession, RecoveryCode, RefreshToken, Role, User

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Credential",
    "CredentialAudit",
    "CredentialHistory",
    "Device",
    "DeviceInterface",
    "DeviceNeighbor",
    "EventStream",
    "Group",
    "Inventory",
    "InventoryHost",
    "PollRun",
    "PowerReading",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "Scan",
    "ScanDefaults",
    "ScanResult",
    "StoredEvent",
    "User",
]
