"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests)."""

from app.db import Base
from app.events.models import EventStream, StoredEvent
from app.schedules.models import Schedule, ScheduleFire
from app.users.models import AuthSession, Role, User
from app.workflows.models import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowNodeResult,
    WorkflowTag,
)

__all__ = [
    "AuthSession",
    "Base",
    "EventStream",
    "Role",
    "Schedule",
    "ScheduleFire",
    "StoredEvent",
    "User",
    "Workflow",
    "WorkflowExecution",
    "WorkflowFolder",
    "WorkflowNodeResult",
    "WorkflowTag",
]
