"""When a schedule is due: cron in an explicit zone, or a fixed interval.

All instants are timezone-aware UTC; a cron expression is read in the
schedule's zone (UTC by default), so `0 2 * * *` in Europe/Paris is 02:00 there
on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

# Walking more cron due times than this after an outage is pointless: they are
# all skipped, and the count is recorded as "at least" this many.
MAX_WALK = 10_000


@dataclass(frozen=True)
class Timing:
    """The timing fields of a schedule."""

    schedule_type: str
    cron_expression: str | None
    interval_seconds: int | None
    timezone: str = "UTC"


@dataclass(frozen=True)
class Plan:
    """What one scheduler pass does with a due schedule."""

    fire: datetime | None
    skipped_first: datetime | None
    skipped_count: int
    next_run: datetime


def valid_cron(expression: str) -> bool:
    """True for a 5-field (or 6-field, with seconds) expression croniter accepts."""
    return len(expression.split()) in (5, 6) and croniter.is_valid(expression)


def valid_zone(zone: str) -> bool:
    """True when `zone` names an IANA time zone."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def next_after(timing: Timing, after: datetime) -> datetime:
    """The first due time strictly after `after`, in UTC."""
    if timing.schedule_type == "interval":
        return after + timedelta(seconds=timing.interval_seconds or 0)
    local = after.astimezone(ZoneInfo(timing.timezone))
    upcoming = croniter(timing.cron_expression, local).get_next(datetime)
    return upcoming.astimezone(UTC)


def plan(timing: Timing, due: datetime, now: datetime, tolerance: timedelta) -> Plan:
    """Fire the latest due time if within `tolerance` of now; skip every other."""
    latest, earlier, first = _latest_due(timing, due, now)
    if now - latest <= tolerance:
        fire: datetime | None = latest
        skipped = earlier
    else:
        fire, skipped = None, earlier + 1
    return Plan(
        fire=fire,
        skipped_first=first if skipped else None,
        skipped_count=skipped,
        next_run=_next_run(timing, latest, now),
    )


def _latest_due(
    timing: Timing, due: datetime, now: datetime
) -> tuple[datetime, int, datetime]:
    """(latest due time <= now, how many due times came before it, the first)."""
    if timing.schedule_type == "interval":
        step = timedelta(seconds=timing.interval_seconds or 1)
        count = int((now - due) / step)
        return due + count * step, count, due
    walker = croniter(timing.cron_expression, due.astimezone(ZoneInfo(timing.timezone)))
    latest, count = due, 0
    while count < MAX_WALK:
        following = walker.get_next(datetime).astimezone(UTC)
        if following > now:
            break
        latest, count = following, count + 1
    return latest, count, due


def _next_run(timing: Timing, latest: datetime, now: datetime) -> datetime:
    upcoming = next_after(timing, latest)
    return upcoming if upcoming > now else next_after(timing, now)
