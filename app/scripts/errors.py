"""Expected failures of the scripts domain."""

from __future__ import annotations

from app.errors import InvalidError, NotFoundError


class ScriptNotFoundError(NotFoundError):
    """Raised when no script has the given id."""

    code = "SCRIPT_NOT_FOUND"


class InvalidScriptError(InvalidError):
    """Raised when a script or a script run breaks a rule."""

    code = "INVALID_SCRIPT"
