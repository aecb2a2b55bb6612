"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.db import Base
from app.events.models import EventStream, StoredEvent
from app.executions.models import Execution, ExecutionHost
from app.playbooks.models import Playbook
from app.scripts.models import Script
from app.users.models import AuthSession, Role, User

__all__ = [
    "AuthSession",
    "Base",
    "EventStream",
    "Execution",
    "ExecutionHost",
    "Playbook",
    "Role",
    "Script",
    "StoredEvent",
    "User",
]
