"""Errors of the users domain."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError, UnauthenticatedError


class InvalidCredentialsError(UnauthenticatedError):
    """Raised when a username and password do not match an active user."""

    code = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("Invalid username or password")


class UserNotFoundError(NotFoundError):
    """Raised when no user has the given id or name."""

    def __init__(self) -> None:
        super().__init__("User not found")


class UsernameTakenError(ConflictError):
    """Raised when a new user's name is already in use."""

    code = "USERNAME_TAKEN"

    def __init__(self, username: str) -> None:
        super().__init__(f"Username '{username}' is already taken")


class UnknownRoleError(InvalidError):
    """Raised when a user is given a role that does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown role '{name}'", details={"role": name})


class WeakPasswordError(InvalidError):
    """Raised when a password is too short to accept."""

    def __init__(self) -> None:
        super().__init__("Password must be at least 8 characters")
