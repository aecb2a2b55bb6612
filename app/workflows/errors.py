"""Errors of the workflows domain."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class WorkflowNotFoundError(NotFoundError):
    """Raised when no workflow has the given id."""

    def __init__(self, workflow_id: str) -> None:
        super().__init__(
            f"Workflow '{workflow_id}' not found", details={"workflow_id": workflow_id}
        )


class WorkflowExecutionNotFoundError(NotFoundError):
    """Raised when no execution of the workflow has the given id."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(
            f"Workflow execution '{execution_id}' not found",
            details={"execution_id": execution_id},
        )


class FolderNotFoundError(NotFoundError):
    """Raised when no workflow folder has the given id."""

    def __init__(self, folder_id: str) -> None:
        super().__init__(
            f"Folder '{folder_id}' not found", details={"folder_id": folder_id}
        )


class TagNotFoundError(NotFoundError):
    """Raised when no workflow tag has the given id."""

    def __init__(self, tag_id: str) -> None:
        super().__init__(f"Tag '{tag_id}' not found", details={"tag_id": tag_id})


class NameTakenError(ConflictError):
    """Raised when a folder or tag name is already in use."""

    code = "NAME_TAKEN"

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"A {kind} named '{name}' already exists")
        self.name = name


class InvalidWorkflowError(InvalidError):
    """Raised when a workflow graph breaks a rule; names the node at fault."""

    def __init__(self, message: str, *, node_id: str | None = None) -> None:
        details: dict[str, object] = {}
        if node_id is not None:
            details["node_id"] = node_id
        super().__init__(message, details=details)
        self.node_id = node_id


class WorkflowNotRunnableError(ConflictError):
    """Raised when a disabled workflow or a template is run outside test mode."""

    code = "WORKFLOW_NOT_RUNNABLE"
