"""Errors of the alerts domain."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class AlertNotFoundError(NotFoundError):
    """Raised when no alert has the given id."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(f"Alert {alert_id} not found", details={"id": alert_id})
        self.alert_id = alert_id


class AlertResolvedError(ConflictError):
    """Raised when acknowledging an alert that is already resolved."""

    code = "ALERT_RESOLVED"

    def __init__(self, alert_id: int) -> None:
        super().__init__(f"Alert {alert_id} is already resolved")
        self.alert_id = alert_id


class InvalidAlertError(InvalidError):
    """Raised when a severity, status or filter value is not a documented one."""

    def __init__(self, field: str, allowed: tuple[str, ...]) -> None:
        super().__init__(
            f"{field}: must be one of {', '.join(allowed)}", details={"field": field}
        )
