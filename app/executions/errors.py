"""Expected failures of the executions domain."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class ExecutionNotFoundError(NotFoundError):
    """Raised when no execution has the given id."""

    code = "EXECUTION_NOT_FOUND"


class ExecutionFinishedError(ConflictError):
    """Raised when a finished execution is asked to change its outcome."""

    code = "EXECUTION_FINISHED"


class InvalidExecutionError(InvalidError):
    """Raised when an execution request breaks a rule (no command, bad timeout)."""

    code = "INVALID_EXECUTION"
