"""Console browser tests: one `opsgraph serve` (embedded) per module, seeded over
GraphQL, and Debian's chromium driven by Playwright with a fresh context per test.

No browser is ever downloaded: a missing /usr/bin/chromium skips on a laptop
and fails under CI=true, like every other missing peer.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import unavailable
from tests.sshd import openssh_server
from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENS,
    OriginGuard,
    screenshot,
)
from tests.web.seed import Api, Seeded, seed
from tests.web.server import ADMIN, opsgraph_serve

# A missing control fails in seconds, not after Playwright's default 30 s; an
# assertion waits as long (its default 5 s is short on a busy CI machine).
ACTION_MS = 10_000
expect.set_options(timeout=ACTION_MS)
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_report_header() -> str:
    """Say where the screenshots go."""
    return f"console screenshots: {SCREENS}"


@pytest.fixture(scope="module")
async def console(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    """A seeded `opsgraph serve` next to the OpenSSH sshd fixture."""
    workdir = tmp_path_factory.mktemp("console")
    async with (
        openssh_server(workdir / "sshd") as sshd,
        opsgraph_serve(workdir) as base_url,
    ):
        yield await seed(base_url, sshd)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            "chromium", FileNotFoundError(f"{CHROMIUM}: apt-get install chromium")
        )
    SCREENS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test, for the `page` fixture to read."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture
async def page(
    browser: Browser, console: Seeded, request: pytest.FixtureRequest
) -> AsyncIterator[Page]:
    """A page in a fresh context; afterwards, no request may have left the origin.

    A failed test leaves a screenshot of where it stopped, failed-<test>.png.
    """
    context = await browser.new_context(
        base_url=console.base_url,
        accept_downloads=True,
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(ACTION_MS)
    guard = OriginGuard(context, console.base_url)
    opened = await context.new_page()
    yield opened
    called = request.node.stash.get(REPORTS, {}).get("call")
    if called is not None and called.failed:
        await screenshot(opened, f"failed-{request.node.name}")
    await context.close()
    assert guard.seen
    strays = guard.strays()
    assert not strays, f"requests left {console.base_url}: {strays}"


@pytest.fixture
async def admin_api(console: Seeded) -> AsyncIterator[Api]:
    """GraphQL over HTTP as the admin."""
    async with httpx.AsyncClient(base_url=console.base_url, timeout=30) as client:
        api = Api(client)
        await api.log_in(ADMIN)
        yield api
