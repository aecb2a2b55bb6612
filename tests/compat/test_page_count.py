"""The page count the paged compat lists report, pinned."""

from __future__ import annotations

import pytest

from app.compat.params import page_count


class TestPageCount:
    @pytest.mark.parametrize(
        ("total", "per_page", "pages"),
        [(0, 10, 0), (1, 10, 1), (10, 10, 1), (11, 10, 2), (100, 10, 10)],
    )
    def test_rounds_up(self, total: int, per_page: int, pages: int) -> None:
        assert page_count(total, per_page) == pages

    def test_minimum_for_an_empty_list(self) -> None:
        assert page_count(0, 10, minimum=1) == 1

    def test_minimum_does_not_cap(self) -> None:
        assert page_count(25, 10, minimum=1) == 3
