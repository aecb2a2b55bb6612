"""Permission classes: every field that reads or changes data names one."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from app.auth import Principal, checked_permission
from app.errors import ForbiddenError, UnauthenticatedError
from app.graphql.context import Info


class IsAuthenticated(BasePermission):
    """Any logged-in caller."""

    message = "Authentication required"
    required: str | None = None

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.principal is None:
            self.message = info.context.auth_error or "Authentication required"
            self.error_extensions = {"code": "UNAUTHENTICATED"}
            return False
        return True


def HasPermission(permission: str) -> type[BasePermission]:
    """A permission class granting callers whose roles cover `permission`."""

    class _HasPermission(IsAuthenticated):
        required = checked_permission(permission)

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            if not super().has_permission(source, info, **kwargs):
                return False
            principal = info.context.principal
            if principal is None or not principal.can(permission):
                self.message = f"Permission '{permission}' required"
                self.error_extensions = {"code": "FORBIDDEN"}
                return False
            return True

    _HasPermission.__name__ = f"HasPermission[{permission}]"
    return _HasPermission


def require(info: Info, permission: str) -> Principal:
    """The caller, if it holds `permission`; raise otherwise (for subscriptions)."""
    principal = info.context.principal
    checked_permission(permission)
    if principal is None:
        raise UnauthenticatedError(info.context.auth_error or "Authentication required")
    if not principal.can(permission):
        raise ForbiddenError(f"Permission '{permission}' required")
    return principal


def holds(info: Info, permission: str) -> bool:
    """Whether the caller holds `permission` (for rules inside a field)."""
    principal = info.context.principal
    return principal is not None and principal.can(permission)
