"""Browser harness for the end-to-end tests: the system's headless Chromium (Debian's
`chromium` package, which .ci/run installs when missing) driven by Playwright, against the
running site of tests/e2e/stack.py (the real `python -m gymsite.core.server`).

Playwright never downloads a browser here (no `playwright install`): it launches
/usr/bin/chromium. Without it the browser tests fail under CI and skip locally.

Fixtures (tests/e2e/conftest.py imports them, so every test of the package has them):
- `browser`: one Chromium per test module, on a fresh temporary profile of its own
  (Playwright's launch makes one and removes it).
- `page`: a new page in a fresh context (no cookies) whose base URL is the site, so
  `page.goto("/admin/")` works. Every request to another host is aborted and recorded in
  `browser_log.offsite`; errors the page's scripts throw are in `browser_log.errors`, the
  console's errors (a load the page's Content-Security-Policy refused...) in `.console`.
  When the test fails, a screenshot of the page goes to var/screenshots/<test>.png.
- `page_es`: the same page in a browser that speaks Spanish (Accept-Language: es-ES).
- `browser_log`: what the page tried and broke (above).

Helpers: `screenshot(page, name)`, `sign_in_to_admin(page, identifier, password)`.

A new check is a test taking `page` (and `site`, `admin`... from conftest.py), e.g.:

    def test_the_members_list_in_spanish(page, browser_log):
        sign_in_to_admin(page, "admin@gym.com", "admin123")
        page.goto("/admin/members/member/")
        ...
        assert browser_log.offsite == []
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "var" / "screenshots"  # var/ is not committed (.gitignore)
# Milliseconds Playwright waits for a page, a selector, a navigation.
TIMEOUT_MS = 30_000
UNDER_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class BrowserLog:
    offsite: list[str] = field(default_factory=list)  # requests to other hosts, aborted
    errors: list[str] = field(default_factory=list)  # uncaught errors of the page's scripts
    console: list[str] = field(default_factory=list)  # the console's errors (a refused load...)


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Saves a screenshot of the page (what the window shows, or all of it) as
    var/screenshots/<name>.png; returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in_to_admin(page: Page, identifier: str, password: str) -> None:
    """Fills the admin's login form (the email or the username) and submits it; the page is
    then wherever the admin sent it (the index on success, the form again on failure)."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", identifier)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test (item.rep_setup, rep_call...), so the `page`
    fixture can tell at teardown whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# One Chromium per test module, not per session: Playwright's sync API keeps an asyncio
# event loop running on the main thread while it is open, and later tests that call
# asyncio.run() (the WebSocket ones) would find it there.
@pytest.fixture(scope="module")
def browser() -> Browser:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium chromium-driver (.ci/run does)"
        if UNDER_CI:
            pytest.fail(message)
        pytest.skip(message)
    # Imported here: the rest of the e2e tests run without Playwright installed.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@contextmanager
def _page_on_the_site(request, browser, site, browser_log: BrowserLog, locale: str) -> Iterator[Page]:
    """A page in a fresh context whose browser speaks `locale` (its Accept-Language)."""
    app_host = urlsplit(site.base_url).netloc
    context = browser.new_context(base_url=site.base_url, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)

    def only_the_site(route):
        url = route.request.url
        if urlsplit(url).netloc == app_host or not url.startswith(("http:", "https:")):
            route.continue_()
        else:
            browser_log.offsite.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", only_the_site)
    tab = context.new_page()
    tab.on("pageerror", lambda error: browser_log.errors.append(str(error)))
    tab.on(
        "console",
        lambda message: message.type == "error" and browser_log.console.append(message.text),
    )
    try:
        yield tab
    finally:
        failed = any(
            getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        if failed:
            try:
                print(f"screenshot: {screenshot(tab, request.node.nodeid)}")
            except Exception as exc:  # the page may be gone: the failure is what matters
                print(f"no screenshot: {exc!r}")
        context.close()


@pytest.fixture
def page(request, browser, site, browser_log) -> Iterator[Page]:
    with _page_on_the_site(request, browser, site, browser_log, "en-US") as tab:
        yield tab


@pytest.fixture
def page_es(request, browser, site, browser_log) -> Iterator[Page]:
    """The same, in a browser that speaks Spanish (Accept-Language: es-ES)."""
    with _page_on_the_site(request, browser, site, browser_log, "es-ES") as tab:
        yield tab
