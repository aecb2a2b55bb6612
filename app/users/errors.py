"""Errors of the users domain."""

from __future__ import annotations

from app.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UnauthenticatedError,
)


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


class InvalidCurrentPasswordError(InvalidError):
    """Raised when a password change names the wrong current password."""

    code = "INVALID_PASSWORD"

    def __init__(self) -> None:
        super().__init__("Current password is wrong")


class RefreshTokenReusedError(UnauthenticatedError):
    """Raised when a spent refresh token comes back: its whole session is revoked."""

    code = "TOKEN_REUSED"

    def __init__(self) -> None:
        super().__init__("Refresh token was already used; the session is revoked")


class RoleNotFoundError(NotFoundError):
    """Raised when no role has the given id."""

    def __init__(self) -> None:
        super().__init__("Role not found")


class RoleNameTakenError(ConflictError):
    """Raised when a new role's name is already in use."""

    code = "ROLE_NAME_TAKEN"

    def __init__(self, name: str) -> None:
        super().__init__(f"Role '{name}' already exists")


class BuiltinRoleError(ConflictError):
    """Raised when a built-in role would be deleted or renamed."""

    code = "BUILTIN_ROLE"

    def __init__(self, name: str) -> None:
        super().__init__(f"Built-in role '{name}' cannot be changed that way")


class UnknownPermissionError(InvalidError):
    """Raised when a permission string matches nothing OpsGraph checks."""

    def __init__(self, permission: str) -> None:
        super().__init__(
            f"Unknown permission '{permission}': no route or field checks it",
            details={"permission": permission},
        )


class InvalidPermissionError(InvalidError):
    """Raised when a permission string is not `domain.object.action` or `*`."""

    def __init__(self, permission: str) -> None:
        super().__init__(
            f"Invalid permission '{permission}': expected domain.object.action",
            details={"permission": permission},
        )


class SelfLockoutError(ConflictError):
    """Raised when a user would delete or deactivate their own account."""

    code = "SELF_LOCKOUT"

    def __init__(self) -> None:
        super().__init__("You cannot delete or deactivate your own account")


class RegistrationClosedError(ForbiddenError):
    """Raised when self-registration is asked for while the setting is off."""

    code = "REGISTRATION_DISABLED"

    def __init__(self) -> None:
        super().__init__("Registration is disabled")


class InvalidTwoFactorCodeError(UnauthenticatedError):
    """Raised when a 2FA code or its temporary token is wrong, used or expired."""

    code = "INVALID_2FA_CODE"

    def __init__(self) -> None:
        super().__init__("Invalid two-factor code")


class InvalidEmailCodeError(InvalidError):
    """Raised when an email verification code is wrong, used or expired."""

    code = "INVALID_EMAIL_CODE"

    def __init__(self) -> None:
        super().__init__("Invalid email code")


class EmailUnavailableError(ConflictError):
    """Raised when a code cannot be mailed: no address, no SMTP, a refused send."""

    code = "EMAIL_UNAVAILABLE"


class TwoFactorStateError(ConflictError):
    """Raised when 2FA is enrolled or confirmed in the wrong state."""

    code = "TWO_FACTOR_STATE"


class LastAdminError(ConflictError):
    """Raised when a change would leave no active user with the admin role."""

    code = "LAST_ADMIN"

    def __init__(self) -> None:
        super().__init__("The last active admin cannot be removed or deactivated")
