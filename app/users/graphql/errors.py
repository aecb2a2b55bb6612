"""Domain errors of the users domain as GraphQL union members."""

from __future__ import annotations

from app.errors import DomainError, NotFoundError
from app.graphql.types import Error, error_from
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
    (errors.UserNotFoundError, types.UserNotFound),
    (errors.SelfLockoutError, types.SelfLockout),
    (errors.LastAdminError, types.LastAdmin),
    (errors.RoleNotFoundError, types.RoleNotFound),
    (errors.RoleNameTakenError, types.RoleNameTaken),
    (errors.InvalidPermissionError, types.InvalidPermission),
    (errors.BuiltinRoleError, types.BuiltinRoleProtected),
    (errors.TwoFactorStateError, types.TwoFactorStateConflict),
)


def member(exc: Exception, missing: type[Error] | None = None) -> Error | None:
    """The union member for an expected failure, None for an unexpected one.

    `missing` is the not-found member of the mutation's `id` argument: a
    global id naming nothing (or no such row) is that member with `field`;
    administration also names roles by id in user inputs.
    """
    if isinstance(exc, errors.UnknownRoleError):
        return types.RoleNotFound(message=exc.message, field="roleIds")
    for kind, error_type in _MEMBERS:
        if isinstance(exc, kind):
            found = error_from(error_type, exc)
            if isinstance(exc, NotFoundError) and missing and found.field is None:
                found.field = "id"
            return found
    if isinstance(exc, NotFoundError) and missing is not None:
        named = exc.details.get("field")
        return error_from(types.RoleNotFound if named == "roleIds" else missing, exc)
    return None
