"""Errors of the Ansible Hub domain; codes are those of ansible-hub.md."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class PlaybookNotFoundError(NotFoundError):
    """Raised when no Ansible playbook has the given id."""

    code = "PLAYBOOK_NOT_FOUND"

    def __init__(self, playbook_id: int) -> None:
        super().__init__(
            f"Playbook {playbook_id} not found", details={"id": playbook_id}
        )
        self.playbook_id = playbook_id


class PlaybookNameDuplicateError(ConflictError):
    """Raised when another Ansible playbook already has the name."""

    code = "PLAYBOOK_NAME_DUPLICATE"

    def __init__(self, name: str) -> None:
        super().__init__(f"Playbook name '{name}' is already in use")
        self.name = name


class PlaybookValidationError(InvalidError):
    """Raised when a play header or a task is not what Ansible accepts."""

    code = "PLAYBOOK_VALIDATION_ERROR"


class InvalidYamlFormatError(InvalidError):
    """Raised when a task's content does not parse as YAML."""

    code = "INVALID_YAML_FORMAT"

    def __init__(
        self, task: int, line: int | None, column: int | None, problem: str
    ) -> None:
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(
            f"Task {task}: invalid YAML{where}: {problem}",
            details={"task": task, "line": line, "column": column},
        )
        self.task = task
        self.line = line
        self.column = column


class JobNotFoundError(NotFoundError):
    """Raised when no Ansible job has the given id."""

    code = "JOB_NOT_FOUND"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"Job '{job_id}' not found")
        self.job_id = job_id


class JobNotCancellableError(ConflictError):
    """Raised when cancelling a job that has already finished."""

    code = "JOB_NOT_CANCELLABLE"

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"Job '{job_id}' is already {status}")
        self.job_id = job_id
        self.status = status
