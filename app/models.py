"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.db import Base
from app.events.models import EventStream, StoredEvent
from app.scans.models import Scan, ScanResult
from app.users.models import AuthSession, Role, User

__all__ = [
    "AuthSession",
    "Base",
    "EventStream",
    "Role",
    "Scan",
    "ScanResult",
    "StoredEvent",
    "User",
]
