"""Errors of the schedules domain."""

from __future__ import annotations

from app.errors import InvalidError, NotFoundError


class ScheduleNotFoundError(NotFoundError):
    """Raised when no schedule of the asked kind has the given id."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__(
            f"Schedule {schedule_id} not found", details={"schedule_id": schedule_id}
        )


class InvalidScheduleError(InvalidError):
    """Raised when a schedule's timing or target breaks a rule."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, details={"field": field})
