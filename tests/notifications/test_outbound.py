"""The outbound URL policy, checked at connect time on every resolved address."""

from __future__ import annotations

import pytest

from app.outbound import BlockedAddressError, Policy, http_request
from tests.notifications.peers import http_peer
from tests.outbound_hosts import ALWAYS, LOOPBACK


class TestPolicy:
    @pytest.mark.parametrize(
        "url",
        [
            "http://169.254.169.254/latest",
            "http://[::ffff:169.254.169.254]/",
            "http://[fe80::1]/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "ftp://example.com/",
            "http:///nohost",
        ],
    )
    def test_always_refused(self, url: str) -> None:
        with pytest.raises(BlockedAddressError):
            Policy(allow_loopback=True).check_url(url)

    @pytest.mark.parametrize("host", ALWAYS)
    def test_metadata_and_embedded_forms_refused(self, host: str) -> None:
        with pytest.raises(BlockedAddressError):
            Policy(allow_loopback=True).check_url(f"http://{host}/x")

    @pytest.mark.parametrize("host", LOOPBACK)
    def test_every_loopback_spelling_refused(self, host: str) -> None:
        with pytest.raises(BlockedAddressError):
            Policy().check_url(f"http://{host}:8080/x")

    @pytest.mark.parametrize(
        "url", ["http://0177.0.0.1/", "http://[::1/", "http://[zz]/", "http://a:99999/"]
    )
    def test_an_unparsable_url_is_refused_not_raised(self, url: str) -> None:
        with pytest.raises(BlockedAddressError, match="Invalid URL"):
            Policy(allow_loopback=True).check_url(url)

    def test_loopback_only_with_the_setting(self) -> None:
        with pytest.raises(BlockedAddressError, match="Loopback"):
            Policy().check_url("http://127.0.0.2:8080/x")
        Policy(allow_loopback=True).check_url("http://127.0.0.2:8080/x")

    async def test_names_are_checked_when_connecting(self) -> None:
        async with http_peer() as peer:
            url = f"http://localhost:{peer.port}/hook"
            Policy().check_url(url)
            with pytest.raises(BlockedAddressError, match="Loopback"):
                await http_request(Policy(), "POST", url, {}, b"{}")
            allowed = await http_request(Policy(True), "POST", url, {}, b"{}")
        assert allowed == 200
        assert len(peer.received) == 1
