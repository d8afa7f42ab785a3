"""A real browser for the pages: Debian's Chromium driven by Playwright against the live server.

Every page a test opens is screenshotted at desktop and phone width into ``build/screenshots/``
(the README names it), and every request the browser makes is recorded: a test fails if one
leaves 127.0.0.1 — the province's network is closed, so nothing may come from a CDN.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "build" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# Flags for a closed network: no background calls home, no component updates, no sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Chromium for this package's tests only. Playwright's sync API keeps an event loop running
    in this thread, so Django must allow the tests' own ORM calls here — for the length of
    these tests, never beyond (a deployment check in a later test must not inherit it)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Không thấy Chromium ({CHROMIUM}): chạy scripts/install-browser / "
            f"Chromium not found ({CHROMIUM}): run scripts/install-browser"
        )
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# The innermost elements reaching past the viewport: what to fix when a page is too wide.
WIDEST_ELEMENTS = """(limit) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > limit && ![...el.children].some(
      c => c.getBoundingClientRect().right > limit))
  .filter(el => { for (let a = el.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return false; }
      return true; })
  .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + ' ' + Math.round(el.getBoundingClientRect().right) + 'px').join(', ')"""


class Visitor:
    """One person at the browser: signs in, opens pages, and leaves screenshots behind."""

    def __init__(self, browser: object, base_url: str, name: str, outside: list[str]) -> None:
        self.base_url = base_url
        self.name = name
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport=DESKTOP, locale="vi-VN", base_url=base_url
        )
        self.context.on("request", self._record)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self._outside = outside

    def _record(self, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:", "about:")):
            return
        if host not in LOCAL_HOSTS:
            self._outside.append(url)

    def goto(self, path: str) -> object:
        response = self.page.goto(path)
        return response

    def sign_in(self, username: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(password)
        self.page.get_by_role("button", name="Đăng nhập").click()
        self.page.wait_for_load_state()

    def shoot(self, label: str) -> None:
        """The current page at desktop and at phone width (360 px), full height."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9-]+", "-", f"{self.name}-{label}".lower()).strip("-")
        for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(viewport)
            self.page.screenshot(path=str(SCREENSHOTS / f"{slug}-{width_name}.png"), full_page=True)
            # Responsive means no sideways scrolling of the whole page (a wide table may scroll
            # inside its own .table-wrap, which does not widen the page).
            width = self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (
                f"{label} is {width}px wide at {viewport['width']}px; too wide: "
                + self.page.evaluate(WIDEST_ELEMENTS, viewport["width"])
            )
        self.page.set_viewport_size(DESKTOP)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def outside_requests() -> Iterator[list[str]]:
    """Every request that left 127.0.0.1 during the test; none may."""
    seen: list[str] = []
    yield seen
    assert seen == [], f"requests left 127.0.0.1: {seen}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can tell that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def visit(request, browser, live_server, outside_requests) -> Iterator[object]:
    """``visit("alice")`` → a Visitor with its own cookies; closed after the test. When the
    test fails, each open page is saved as ``failed-<person>.png`` to show where it stopped."""
    opened: list[Visitor] = []

    def open_as(name: str) -> Visitor:
        visitor = Visitor(browser, live_server.url, name, outside_requests)
        opened.append(visitor)
        return visitor

    yield open_as
    failed = getattr(request.node, "report_call", None)
    for visitor in opened:
        if failed is not None and failed.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            visitor.page.screenshot(
                path=str(SCREENSHOTS / f"failed-{visitor.name}.png"), full_page=True
            )
        visitor.close()


from tests.evaluation.conftest import month, standard_rules  # noqa: E402, F401


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run last, after pytest-django has put transactional tests at the end:
    their live server's flush recreates content types under new ids, which a later test that
    restores the serialized database (the replica router's) would collide with."""
    browser = [item for item in items if "tests/browser/" in item.nodeid]
    if browser:
        items[:] = [item for item in items if "tests/browser/" not in item.nodeid] + browser
