"""Helpers for the browser tests: headless Chromium driven by Playwright, keyboard first.

The browser is Debian's Chromium (/usr/bin/chromium, installed by ``make test``
when missing); Playwright never downloads one of its own. Accessibility checks
use axe-core as bundled by the pinned ``axe-playwright-python`` package.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
# 200% zoom of a 1280 px wide window: 640 CSS px, each drawn with 2 device pixels.
ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
# Playwright's waits (locators, navigations) give up after this many milliseconds.
WAIT_MS = 10_000


@contextmanager
def chromium():
    """A launched headless Chromium for the duration of the block.

    Playwright's synchronous API keeps an asyncio loop on this thread while it is
    started, and Django refuses ORM calls from a thread with a running loop; the
    tests only touch the database between browser actions, never concurrently,
    so Django's check is lifted for exactly as long as the browser runs.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_context(browser, *, base_url: str, user=None, **options):
    """A fresh browser profile (cookies, storage), logged in as ``user`` if given."""
    options.setdefault("viewport", DESKTOP)
    context = browser.new_context(base_url=base_url, locale="en-GB", **options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    if user is not None:
        log_in_by_cookie(context, base_url=base_url, user=user)
    return context


def log_in_by_cookie(context, *, base_url: str, user) -> None:
    """Give the browser a session for ``user`` without going through the login form."""
    from django.conf import settings

    from tests.two_factor import TwoFactorClient

    client = TwoFactorClient()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )


def focused(page, selector: str) -> bool:
    return page.evaluate(
        "s => document.activeElement !== null && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, *, limit: int = 60) -> int:
    """Press Tab until the focused element matches ``selector``; the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return presses
    raise AssertionError(f"{selector!r} was not reached with {limit} presses of Tab")


def tab_sequence(page, *, limit: int = 80) -> list[str]:
    """What Tab visits from the top of the page, once round: "tag|id|name|value|data-key"."""
    page.evaluate("() => { window.__tabVisited = new WeakSet(); }")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e || e === document.body || window.__tabVisited.has(e)) return null;
                window.__tabVisited.add(e);
                return [e.tagName.toLowerCase(), e.id, e.getAttribute('name') || '',
                        e.getAttribute('value') || '', e.dataset.key || ''].join('|');
            }"""
        )
        if stop is None:
            break
        stops.append(stop)
    return stops


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def reload_until(page, selector: str, *, timeout: float = 30.0) -> None:
    """Reload the page until ``selector`` is on it (what a person waiting would do)."""

    def present():
        if page.locator(selector).count():
            return True
        page.reload()
        return False

    wait_for(present, timeout=timeout, interval=0.5, what=f"{selector} on {page.url}")


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $SAVE_SCREENSHOTS_TO when set, else the test's tmp_path."""
    target = Path(os.environ.get("SAVE_SCREENSHOTS_TO") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
