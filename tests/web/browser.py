"""Driving the console in Debian's chromium: launch flags, the origin guard and
the steps most tests share (log in, screenshot, download the output)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from playwright.async_api import (
    BrowserContext,
    Locator,
    Page,
    Request,
    WebSocket,
    expect,
)

from tests.web.server import Login

CHROMIUM = Path("/usr/bin/chromium")
# Root in a closed network: no sandbox (root), nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENS = Path(
    os.environ.get("OPSGRAPH_SCREENSHOT_DIR")
    or Path(tempfile.gettempdir()) / "opsgraph-screens"
)
EXECUTION_URL = re.compile(r"#/executions/[^/]+$")


class OriginGuard:
    """Every URL a browser context requests (HTTP and websockets), for the
    check that none leaves the server's origin."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        host = base_url.removeprefix("http://")
        self.allowed = (f"http://{host}/", f"ws://{host}/", f"blob:http://{host}/")
        self.seen: list[str] = []
        context.on("request", self._request)
        context.on("page", self._page)

    def _request(self, request: Request) -> None:
        self.seen.append(request.url)

    def _websocket(self, socket: WebSocket) -> None:
        self.seen.append(socket.url)

    def _page(self, page: Page) -> None:
        page.on("websocket", self._websocket)

    def strays(self) -> list[str]:
        """URLs requested outside the origin (data: URLs stay in the page)."""
        return [
            url
            for url in self.seen
            if not url.startswith(self.allowed) and not url.startswith("data:")
        ]


async def screenshot(page: Page, name: str) -> None:
    """Save the whole page as SCREENS/<name>.png."""
    await page.screenshot(path=SCREENS / f"{name}.png", full_page=True)


async def log_in(page: Page, login: Login) -> None:
    """Log in on the console's login page and wait for the shell."""
    await fill_login(page, login)
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


async def fill_login(page: Page, login: Login) -> None:
    """Open the console, fill in the login form and submit it."""
    await page.goto("/")
    await page.get_by_label("Username", exact=True).fill(login.username)
    await page.get_by_label("Password", exact=True).fill(login.password)
    await page.get_by_role("button", name="Log in").click()


def run_status(page: Page) -> Locator:
    """The execution page's status ("running", "completed", ...)."""
    return page.get_by_role("status", name="Run status")


def output(page: Page) -> Locator:
    """The execution page's (windowed) output region."""
    return page.get_by_role("log", name="Output")


async def execution_number(page: Page) -> int:
    """The number in the execution page's heading "Execution #<number>"."""
    heading = page.get_by_role("heading", name=re.compile(r"^Execution #\d+$"))
    text = await heading.inner_text()
    return int(text.rsplit("#", 1)[1])


async def download_output(page: Page) -> tuple[str, list[str]]:
    """Click "Download output"; the file's suggested name and its lines."""
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Download output").click()
    download = await info.value
    path = Path(await download.path())
    return download.suggested_filename, path.read_text().splitlines()


async def start_run(page: Page, device: str, command: str) -> int:
    """Start `command` on one device from the Run view; the execution's number."""
    await page.goto("/#/run")
    await page.get_by_role("radio", name="Devices").check()
    # The checkbox's label is the device's name (and its address).
    await page.get_by_role("checkbox", name=device).check()
    await page.get_by_role("radio", name="Command").check()
    await page.get_by_role("textbox", name="Command").fill(command)
    await page.get_by_role("button", name="Start run").click()
    await expect(page).to_have_url(EXECUTION_URL)
    return await execution_number(page)
