"""The timestamp formats the compat surfaces print, pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.compat.timefmt import iso_z, iso_z_micro

AWARE = datetime(2024, 12, 16, 12, 0, 0, 123456, tzinfo=UTC)
NAIVE = datetime(2024, 12, 16, 12, 0, 0, 123456)  # noqa: DTZ001  naive on purpose
TOKYO = datetime(2024, 12, 16, 21, 0, 0, 123456, tzinfo=timezone(timedelta(hours=9)))
WHOLE = datetime(2024, 12, 16, 12, 0, 0, tzinfo=UTC)


class TestIsoZ:
    @pytest.mark.parametrize("value", [AWARE, NAIVE, TOKYO, WHOLE])
    def test_whole_seconds_in_utc(self, value: datetime) -> None:
        assert iso_z(value) == "2024-12-16T12:00:00Z"

    def test_none(self) -> None:
        assert iso_z(None) is None


class TestIsoZMicro:
    @pytest.mark.parametrize("value", [AWARE, NAIVE, TOKYO])
    def test_keeps_the_fraction(self, value: datetime) -> None:
        assert iso_z_micro(value) == "2024-12-16T12:00:00.123456Z"

    def test_whole_second_has_no_fraction(self) -> None:
        assert iso_z_micro(WHOLE) == "2024-12-16T12:00:00Z"

    def test_none(self) -> None:
        assert iso_z_micro(None) is None
