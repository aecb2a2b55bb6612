"""Domain errors of the users domain as GraphQL union members."""

from __future__ import annotations

from app.errors import DomainError
from app.graphql.types import Error
from app.users import errors
from app.users.graphql import types

# Subclasses before their bases: the first match wins.
_MEMBERS: tuple[tuple[type[DomainError], type[Error]], ...] = (
    (errors.InvalidCredentialsError, types.InvalidCredentials),
    (errors.InvalidTwoFactorCodeError, types.InvalidTwoFactorCode),
    (errors.InvalidEmailCodeError, types.InvalidEmailCode),
    (errors.EmailUnavailableError, types.EmailUnavailable),
    (errors.InvalidCurrentPasswordError, types.WrongCurrentPassword),
    (errors.WeakPasswordError, types.WeakPassword),
    (errors.UsernameTakenError, types.UsernameTaken),
    (errors.UnknownRoleError, types.UnknownRole),
    (errors.UserNotFoundError, types.UserNotFound),
    (errors.SelfLockoutError, types.SelfLockout),
    (errors.LastAdminError, types.LastAdmin),
    (errors.RoleNotFoundError, types.RoleNotFound),
    (errors.RoleNameTakenError, types.RoleNameTaken),
    (errors.InvalidPermissionError, types.InvalidPermission),
    (errors.BuiltinRoleError, types.BuiltinRoleProtected),
    (errors.TwoFactorStateError, types.TwoFactorStateConflict),
)
EXPECTED: tuple[type[DomainError], ...] = tuple(kind for kind, _ in _MEMBERS)


def member(exc: DomainError) -> Error:
    """The union member for an expected failure."""
    for kind, error_type in _MEMBERS:
        if isinstance(exc, kind):
            return error_type(message=exc.message)
    raise exc
