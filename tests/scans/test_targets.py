"""Target expansion: exact address lists, edges skipped, size limits, bad input."""

from __future__ import annotations

import pytest

from app.scans import targets
from app.scans.errors import ScanTargetsError


class TestResolve:
    async def test_cidr_skips_network_and_broadcast(self) -> None:
        found = await targets.resolve(["127.0.3.0/29"], 1024)
        assert found == [f"127.0.3.{i}" for i in range(1, 7)]

    async def test_slash_31_and_32_keep_every_address(self) -> None:
        assert await targets.resolve(["127.0.3.8/31"], 16) == ["127.0.3.8", "127.0.3.9"]
        assert await targets.resolve(["127.0.3.9/32"], 16) == ["127.0.3.9"]

    async def test_ranges_full_and_short_form(self) -> None:
        assert await targets.resolve(["127.0.0.1-127.0.0.3"], 16) == [
            "127.0.0.1",
            "127.0.0.2",
            "127.0.0.3",
        ]
        assert await targets.resolve(["127.0.0.18-20"], 16) == [
            "127.0.0.18",
            "127.0.0.19",
            "127.0.0.20",
        ]

    async def test_duplicates_collapse_in_first_seen_order(self) -> None:
        found = await targets.resolve(["127.0.0.5", "127.0.0.4-6", "localhost"], 16)
        assert found == ["127.0.0.5", "127.0.0.4", "127.0.0.6", "127.0.0.1"]

    async def test_default_limit_is_a_slash_22(self) -> None:
        found = await targets.resolve(["127.4.0.0/22"], 1024)
        assert len(found) == 1022
        assert found[0] == "127.4.0.1"
        assert found[-1] == "127.4.3.254"

    async def test_more_than_the_limit_is_refused(self) -> None:
        with pytest.raises(ScanTargetsError) as caught:
            await targets.resolve(["127.0.0.0/8"], 1024)
        assert caught.value.code == "VALIDATION_ERROR"
        assert caught.value.details == {"max_targets": 1024}

    async def test_limit_counts_across_targets(self) -> None:
        with pytest.raises(ScanTargetsError):
            await targets.resolve(["127.0.0.0/24", "127.0.1.0/24"], 300)

    @pytest.mark.parametrize(
        "bad",
        ["", "127.0.0.300", "127.0.0.9-127.0.0.2", "not a host!", "127.0.0.1/33", "-x"],
    )
    async def test_malformed_targets_are_refused(self, bad: str) -> None:
        with pytest.raises(ScanTargetsError):
            await targets.resolve([bad], 1024)

    async def test_empty_target_list_is_refused(self) -> None:
        with pytest.raises(ScanTargetsError, match="at least one"):
            await targets.resolve([], 1024)
