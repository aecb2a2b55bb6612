"""The console at /, GraphiQL at GET /graphql, and their assets: all same-origin."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import web
from tests.conftest import RunningApp

PAGES = {"/": "index.html", "/graphql": "graphiql.html"}
HTML = {"Accept": "text/html,application/xhtml+xml"}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}
# Hosts a page would load code, styles or fonts from if a CDN crept into the build.
CDN = re.compile(
    r"https?://(unpkg\.com|cdn\.jsdelivr\.net|fonts\.googleapis\.com|"
    r"fonts\.gstatic\.com|cdnjs\.cloudflare\.com|esm\.sh|esm\.run|cdn\.skypack\.dev)"
)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)")


class _References(HTMLParser):
    """Every URL a page loads: script src and link href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        found = dict(attrs).get(wanted or "")
        if found:
            self.urls.append(found)


def references(html: str) -> list[str]:
    """The URLs `html` makes the browser fetch (data: URLs need no request)."""
    parser = _References()
    parser.feed(html)
    return [url for url in parser.urls if not url.startswith("data:")]


def shipped_assets() -> list[Path]:
    """Every file of the committed build's assets directory."""
    return sorted(p for p in web.ASSETS.iterdir() if p.is_file())


async def raw_get(app: RunningApp, target: str) -> tuple[int, bytes]:
    """GET `target` byte for byte (httpx would normalize dot segments away)."""
    host, port = urlsplit(app.base_url).netloc.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


class TestPages:
    async def test_root_is_the_console(self, app: RunningApp) -> None:
        response = await app.http.get("/", headers=HTML)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert response.text == (web.STATIC / "index.html").read_text()

    async def test_browsers_get_the_shipped_graphiql(self, app: RunningApp) -> None:
        response = await app.http.get("/graphql", headers=HTML)
        assert response.status_code == 200
        assert response.text == (web.STATIC / "graphiql.html").read_text()
        assert "unpkg" not in response.text
        assert "jsdelivr" not in response.text

    async def test_get_with_a_query_still_answers_json(self, app: RunningApp) -> None:
        response = await app.http.get(
            "/graphql",
            params={"query": "{ __typename }"},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200
        assert response.json() == {"data": {"__typename": "Query"}}

    @pytest.mark.parametrize("path", sorted(PAGES))
    async def test_pages_allow_only_this_origin(
        self, app: RunningApp, path: str
    ) -> None:
        response = await app.http.get(path, headers=HTML)
        policy = response.headers["content-security-policy"]
        host = urlsplit(app.base_url).netloc
        assert "default-src 'self'" in policy
        assert "script-src 'self';" in policy
        assert f"connect-src 'self' ws://{host} wss://{host}" in policy
        assert "unsafe-eval" not in policy

    async def test_a_forged_host_stays_out_of_the_policy(self, app: RunningApp) -> None:
        response = await app.http.get("/", headers={"Host": "a; script-src *"})
        policy = response.headers["content-security-policy"]
        assert "connect-src 'self';" in policy
        assert "*" not in policy

    async def test_missing_build_is_explained(
        self, app: RunningApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(web, "STATIC", tmp_path)
        response = await app.http.get("/", headers=HTML)
        assert response.status_code == 503
        assert "npm run build --prefix web" in response.text


class TestAssets:
    @pytest.mark.parametrize("path", sorted(PAGES))
    async def test_every_reference_is_served_from_this_origin(
        self, app: RunningApp, path: str
    ) -> None:
        page = await app.http.get(path, headers=HTML)
        urls = references(page.text)
        assert urls, "the built page references no assets"
        for url in urls:
            assert url.startswith("/ui/assets/"), url
            response = await app.http.get(url)
            assert response.status_code == 200, url
            expected = CONTENT_TYPES[Path(url).suffix]
            assert response.headers["content-type"].startswith(expected), url
            assert response.headers["cache-control"] == (
                "public, max-age=31536000, immutable"
            )

    def test_no_asset_loads_from_another_host(self) -> None:
        assets = shipped_assets()
        assert assets
        for path in assets:
            text = path.read_text(errors="replace")
            assert not CDN.search(text), path.name
            if path.suffix == ".css":
                for url in CSS_URL.findall(text):
                    assert url.startswith(("data:", "/ui/", "#")), (path.name, url)
                assert "@import" not in text, path.name

    async def test_unknown_asset_is_a_json_404(self, app: RunningApp) -> None:
        response = await app.http.get("/ui/assets/x.js")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found"}

    @pytest.mark.parametrize(
        "target",
        [
            "/ui/assets/../../settings.py",
            "/ui/assets/..%2f..%2fsettings.py",
            "/ui/assets/..%2f__init__.py",
            "/ui/assets/%2e%2e%2f__init__.py",
            "/ui/assets/..",
        ],
    )
    async def test_paths_outside_the_assets_are_404(
        self, app: RunningApp, target: str
    ) -> None:
        status, body = await raw_get(app, target)
        assert status == 404
        assert b"import" not in body
