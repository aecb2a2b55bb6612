"""Next-run computation: cron in an explicit zone, intervals, misfire plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.schedules.timing import Timing, next_after, plan, valid_cron, valid_zone

DAILY_2AM_PARIS = Timing("cron", "0 2 * * *", None, "Europe/Paris")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class TestNextAfter:
    def test_cron_in_utc_by_default(self) -> None:
        daily = Timing("cron", "0 2 * * *", None)
        assert next_after(daily, utc(2024, 1, 1, 12)) == utc(2024, 1, 2, 2)

    def test_cron_read_in_the_schedules_zone(self) -> None:
        # Paris is UTC+1 in winter: 02:00 there is 01:00 UTC.
        assert next_after(DAILY_2AM_PARIS, utc(2024, 1, 1, 12)) == utc(2024, 1, 2, 1)

    def test_cron_across_daylight_saving(self) -> None:
        # Summer time (UTC+2) from 31 March 2024: 02:00 Paris is 00:00 UTC.
        assert next_after(DAILY_2AM_PARIS, utc(2024, 4, 1, 12)) == utc(2024, 4, 2, 0)

    def test_cron_with_seconds_field(self) -> None:
        every_ten = Timing("cron", "* * * * * */10", None)
        assert next_after(every_ten, utc(2024, 1, 1, 0, 0, 3)) == utc(
            2024, 1, 1, 0, 0, 10
        )

    def test_interval(self) -> None:
        hourly = Timing("interval", None, 3600)
        assert next_after(hourly, utc(2024, 1, 1, 0, 30)) == utc(2024, 1, 1, 1, 30)

    def test_validators(self) -> None:
        assert valid_cron("0 2 * * *")
        assert not valid_cron("0 25 * * *")
        assert not valid_cron("every day")
        assert valid_zone("America/New_York")
        assert not valid_zone("Mars/Olympus")


class TestPlan:
    def test_on_time_fires_once(self) -> None:
        now = utc(2024, 1, 2, 1, 0, 5)
        result = plan(DAILY_2AM_PARIS, utc(2024, 1, 2, 1), now, timedelta(seconds=60))
        assert (result.fire, result.skipped_count, result.next_run) == (
            utc(2024, 1, 2, 1),
            0,
            utc(2024, 1, 3, 1),
        )

    def test_beyond_tolerance_is_skipped(self) -> None:
        now = utc(2024, 1, 2, 3)
        result = plan(DAILY_2AM_PARIS, utc(2024, 1, 2, 1), now, timedelta(seconds=60))
        assert (result.fire, result.skipped_first, result.skipped_count) == (
            None,
            utc(2024, 1, 2, 1),
            1,
        )
        assert result.next_run == utc(2024, 1, 3, 1)

    def test_interval_outage_fires_latest_and_skips_the_rest(self) -> None:
        every_minute = Timing("interval", None, 60)
        due = utc(2024, 1, 1, 0, 0)
        now = utc(2024, 1, 1, 1, 0, 30)  # 60 due times passed; latest 30 s ago
        result = plan(every_minute, due, now, timedelta(seconds=60))
        assert result.fire == utc(2024, 1, 1, 1, 0)
        assert (result.skipped_first, result.skipped_count) == (due, 60)
        assert result.next_run == utc(2024, 1, 1, 1, 1)
