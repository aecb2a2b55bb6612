"""Expected failures of the playbooks domain (messages are OPMAS's `detail`)."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class PlaybookNotFoundError(NotFoundError):
    """Raised when no playbook has the given id."""

    code = "PLAYBOOK_NOT_FOUND"


class PlaybookNameTakenError(ConflictError):
    """Raised when another playbook already has the name."""

    code = "PLAYBOOK_NAME_TAKEN"


class InvalidPlaybookError(InvalidError):
    """Raised when a playbook breaks a validation rule."""

    code = "INVALID_PLAYBOOK"


class PlaybookInactiveError(InvalidPlaybookError):
    """Raised when executing a playbook that is switched off."""
