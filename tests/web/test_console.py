"""The console in a real browser against a real `opsgraph serve` (issue #17).

Every test saves a screenshot of its view(s) under SCREENS, and the `page`
fixture checks that no request left the server's origin.
"""

from __future__ import annotations

import re
import time

import pyotp
from playwright.async_api import Locator, Page, expect

from tests.web.browser import (
    download_output,
    execution_number,
    fill_login,
    log_in,
    output,
    run_status,
    screenshot,
    start_run,
)
from tests.web.seed import (
    ALERT_TITLE,
    DARK_DEVICE,
    GROUP_ALL,
    GROUP_SSH,
    SSH_DEVICE,
    TOTP_USER,
    Api,
    Seeded,
)
from tests.web.server import ADMIN, Login

RUN_MS = 20_000  # the longest run here takes about 3 s
# data-lines while a 30-line run is part-way: at least 2, fewer than 30.
PART_OF_30 = re.compile(r"^([2-9]|[12]\d)$")
# data-lines past half of a 60-line run, before its end.
# A third of the way or more, not yet all: wide enough for a busy machine to
# land in (the page renders lines in batches).
PAST_A_THIRD_OF_60 = re.compile(r"^[2-5]\d$")


def lines(host: str, count: int) -> list[str]:
    """The downloaded output of `echo line-$i` for i in 1..count on `host`."""
    return [f"{host} | line-{i}" for i in range(1, count + 1)]


def counting(count: int, pause: float) -> str:
    """A command printing line-1..line-<count>, one each `pause` seconds."""
    return f"for i in $(seq 1 {count}); do echo line-$i; sleep {pause}; done"


def next_code(totp: pyotp.TOTP) -> str:
    """A code of the next time step: the enrolment used the current one, and
    codes are single-use; the verifier's window accepts the next step."""
    return totp.at(time.time() + totp.interval)


def device_row(page: Page, name: str) -> Locator:
    """The fleet table's link to device `name`."""
    return page.get_by_role("table").get_by_role("link", name=name, exact=True)


async def progress_value(bar: Locator) -> str:
    """A progress bar's value: aria-valuenow, or a native <progress>'s value."""
    value = await bar.evaluate(
        "e => e.getAttribute('aria-valuenow') ?? String(e.value)"
    )
    return str(value)


class TestLogin:
    async def test_password_login_lands_on_the_fleet(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await expect(page.get_by_role("heading", name="Fleet", level=1)).to_be_visible()
        for name in (SSH_DEVICE, DARK_DEVICE):
            await expect(device_row(page, name)).to_be_visible()
        nav = page.get_by_role("navigation")
        for view in ("Fleet", "Run", "Executions", "Scans", "Alerts", "GraphiQL"):
            await expect(nav.get_by_role("link", name=view, exact=True)).to_be_visible()
        await expect(page.get_by_text(ADMIN.username, exact=True)).to_be_visible()
        await screenshot(page, "fleet")

    async def test_wrong_password_is_an_alert(self, page: Page) -> None:
        await fill_login(page, Login(ADMIN.username, "not-the-password"))
        await expect(page.get_by_role("alert")).to_be_visible()
        await expect(page.get_by_role("button", name="Log out")).to_have_count(0)
        await screenshot(page, "login-refused")

    async def test_totp_step(self, page: Page, console: Seeded) -> None:
        await fill_login(page, TOTP_USER)
        code = page.get_by_label("Authentication code", exact=True)
        await expect(code).to_be_visible()
        await screenshot(page, "login-totp")
        await code.fill(next_code(console.totp))
        await page.get_by_role("button", name="Verify").click()
        await expect(page.get_by_role("button", name="Log out")).to_be_visible()
        await expect(page.get_by_text(TOTP_USER.username, exact=True)).to_be_visible()


class TestFleet:
    async def test_both_devices_search_and_group_filter(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await page.goto("/#/fleet")
        for name in (SSH_DEVICE, DARK_DEVICE):
            await expect(device_row(page, name)).to_be_visible()
        await expect(page.get_by_text("2 devices")).to_be_visible()
        await expect(page.get_by_role("button", name="Next page")).to_be_disabled()
        await page.get_by_label("Search devices").fill("dark")
        await expect(device_row(page, DARK_DEVICE)).to_be_visible()
        await expect(device_row(page, SSH_DEVICE)).to_have_count(0)
        await screenshot(page, "fleet-search")
        await page.get_by_label("Search devices").fill("")
        group = page.get_by_role("combobox", name="Group")
        await group.select_option(label=GROUP_SSH)
        await expect(device_row(page, SSH_DEVICE)).to_be_visible()
        await expect(device_row(page, DARK_DEVICE)).to_have_count(0)
        await group.select_option(label=GROUP_ALL)
        await expect(device_row(page, DARK_DEVICE)).to_be_visible()
        await expect(device_row(page, SSH_DEVICE)).to_be_visible()
        await screenshot(page, "fleet-group")

    async def test_device_page(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await page.goto("/#/fleet")
        await device_row(page, SSH_DEVICE).click()
        await expect(page).to_have_url(re.compile(r"#/devices/[^/]+$"))
        await expect(page.get_by_role("heading", name=SSH_DEVICE)).to_be_visible()
        for section in ("Health", "Recent runs"):
            await expect(page.get_by_role("heading", name=section)).to_be_visible()
        await screenshot(page, "device")


class TestRun:
    async def test_lines_stream_while_running_then_download(self, page: Page) -> None:
        await log_in(page, ADMIN)
        number = await start_run(page, SSH_DEVICE, counting(30, 0.1))
        await expect(output(page)).to_have_attribute("data-lines", PART_OF_30)
        await expect(run_status(page)).to_have_text("running")
        await expect(output(page)).to_contain_text("line-1")
        hosts = page.get_by_role("table", name="Hosts")
        await expect(
            hosts.get_by_role("row").filter(has_text=SSH_DEVICE)
        ).to_be_visible()
        await expect(page.get_by_role("progressbar", name="Progress")).to_be_visible()
        await expect(page.get_by_text(re.compile(r"^ETA\b"))).to_be_visible()
        await screenshot(page, "run-live")
        await expect(run_status(page)).to_have_text("completed", timeout=RUN_MS)
        await expect(output(page)).to_contain_text("line-30")
        await screenshot(page, "run-done")
        name, got = await download_output(page)
        assert name == f"execution-{number}.log"
        assert got == lines(SSH_DEVICE, 30)

    async def test_cancel(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await start_run(page, SSH_DEVICE, "sleep 30")
        await expect(run_status(page)).to_have_text("running")
        cancel = page.get_by_role("button", name="Cancel run")
        await expect(cancel).to_be_enabled()
        await cancel.click()
        await expect(run_status(page)).to_have_text("cancelled")
        await expect(cancel).to_be_disabled()
        await screenshot(page, "run-cancelled")

    async def test_reload_mid_run_resumes_without_gaps(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await start_run(page, SSH_DEVICE, counting(60, 0.1))
        await expect(output(page)).to_have_attribute("data-lines", PAST_A_THIRD_OF_60)
        await page.reload()
        await expect(run_status(page)).to_have_text("completed", timeout=RUN_MS)
        await expect(output(page)).to_contain_text("line-60")
        await screenshot(page, "run-reloaded")
        _, got = await download_output(page)
        assert got == lines(SSH_DEVICE, 60)


class TestExecutions:
    async def test_list_filter_and_replay(
        self, page: Page, console: Seeded, admin_api: Api
    ) -> None:
        device = console.devices[SSH_DEVICE]
        ok_id, ok = await admin_api.run_command(device, "echo listed-ok")
        bad_id, bad = await admin_api.run_command(device, "echo listed-bad; exit 3")
        assert await admin_api.wait_ended(ok_id) == "completed"
        assert await admin_api.wait_ended(bad_id) == "failed"
        await log_in(page, ADMIN)
        await page.goto("/#/executions")
        ok_link = page.get_by_role("link", name=f"#{ok}", exact=True)
        bad_link = page.get_by_role("link", name=f"#{bad}", exact=True)
        await expect(ok_link).to_be_visible()
        await expect(bad_link).to_be_visible()
        await screenshot(page, "executions")
        status = page.get_by_role("combobox", name="Status")
        await status.select_option(label="failed")
        await expect(bad_link).to_be_visible()
        await expect(ok_link).to_have_count(0)
        await screenshot(page, "executions-failed")
        await status.select_option(label="completed")
        await expect(ok_link).to_be_visible()
        await expect(bad_link).to_have_count(0)
        await ok_link.click()
        await expect(
            page.get_by_role("heading", name=f"Execution #{ok}")
        ).to_be_visible()
        await expect(run_status(page)).to_have_text("completed")
        await expect(output(page)).to_contain_text("listed-ok")
        await screenshot(page, "execution-replayed")
        assert await execution_number(page) == ok


class TestScans:
    async def test_discovery_of_loopback_completes(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await page.goto("/#/scans")
        await page.get_by_role("textbox", name="Targets").fill("127.0.0.1")
        await page.get_by_role("button", name="Start scan").click()
        await expect(page).to_have_url(re.compile(r"#/scans/[^/]+$"))
        await expect(page.get_by_role("heading", name="Scan")).to_be_visible()
        status = page.get_by_role("status", name="Scan status")
        await expect(status).to_have_text("completed", timeout=RUN_MS)
        progress = page.get_by_role("progressbar", name="Scan progress")
        assert await progress_value(progress) == "100"
        await expect(page.get_by_role("list", name="Devices found")).to_be_attached()
        await screenshot(page, "scan")


class TestAlerts:
    async def test_acknowledge_then_resolve(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await page.goto("/#/alerts")
        row = page.get_by_role("row").filter(has_text=ALERT_TITLE)
        await expect(row).to_be_visible()
        await screenshot(page, "alerts")
        await page.get_by_role("button", name=f"Acknowledge {ALERT_TITLE}").click()
        await expect(row).to_contain_text("acknowledged")
        await screenshot(page, "alerts-acknowledged")
        await page.get_by_role("button", name=f"Resolve {ALERT_TITLE}").click()
        await expect(row).to_contain_text("resolved")


class TestGraphiQL:
    async def test_loads_offline(self, page: Page) -> None:
        await page.goto("/graphql")
        await expect(page.locator(".graphiql-container")).to_be_visible()
        await expect(page.locator(".graphiql-query-editor")).to_be_visible()
        await screenshot(page, "graphiql")

    async def test_query_after_console_login(self, page: Page) -> None:
        await log_in(page, ADMIN)
        await (
            page.get_by_role("navigation").get_by_role("link", name="GraphiQL").click()
        )
        await expect(page.locator(".graphiql-query-editor")).to_be_visible()
        editor = page.locator(".graphiql-query-editor .CodeMirror").first
        await editor.evaluate("e => e.CodeMirror.setValue('{ me { username } }')")
        await page.get_by_role("button", name=re.compile("^Execute query")).click()
        result = page.locator(".result-window")
        await expect(result).to_contain_text(f'"username": "{ADMIN.username}"')
        await screenshot(page, "graphiql-me")
