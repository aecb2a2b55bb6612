"""Pipeline errors."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class PipelineNotFoundError(NotFoundError):
    """Raised when no pipeline has the given id."""

    code = "PIPELINE_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("Pipeline not found")


class ExecutionNotFoundError(NotFoundError):
    """Raised when no pipeline execution has the given id."""

    code = "PIPELINE_EXECUTION_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("Pipeline execution not found")


class PipelineDisabledError(ConflictError):
    """Raised when a disabled pipeline is triggered."""

    code = "PIPELINE_DISABLED"

    def __init__(self) -> None:
        super().__init__("Pipeline is disabled")


class InvalidDefinitionError(InvalidError):
    """Raised when a pipeline definition or step configuration is invalid."""

    code = "INVALID_PIPELINE_DEFINITION"


class StepFailedError(Exception):
    """Raised by a step runner when its step did not do what it was asked."""

    def __init__(self, message: str, output: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.output = output or {}
