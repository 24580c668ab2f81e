"""Open an HTML file in a real browser (Debian's headless Chromium) and report how it lays out.

Used by the tests of the documentation site and of HTML output. Playwright's Python package
drives the system Chromium (``/usr/bin/chromium``, or ``LABINTERP_CHROMIUM``); Playwright's own
browser downloads are never used.

When Chromium or Playwright is missing, :func:`require_browser` skips the test with the reason,
or fails it when ``LABINTERP_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets), so that CI cannot pass
with the browser tests quietly skipped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from labinterp.playground._chromium import CHROMIUM_FLAGS

REQUIRE_ENV = "LABINTERP_REQUIRE_BROWSER"
CHROMIUM_ENV = "LABINTERP_CHROMIUM"
PHONE_WIDTH = 375  # CSS pixels: a small phone, the narrowest screen a learner is likely to use

# The flags this machine's closed network and a root user need (one list for the tests, the
# playground benchmark and the docs' screenshots), with --headless as the tests always gave it.
CHROMIUM_ARGS = ("--headless", *CHROMIUM_FLAGS)


@dataclass(frozen=True)
class PageReport:
    """What a page did when it was opened at one viewport width."""

    viewport_width: int
    scroll_width: int  # the document's full width; wider than the viewport means overflow
    console_errors: tuple[str, ...]  # console.error messages and uncaught page errors
    found: dict[str, int] = field(default_factory=dict)  # CSS selector -> elements matched
    screenshot: Path | None = None

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.viewport_width


def chromium_path() -> str | None:
    """The Chromium executable, or None when none is installed."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing_reason() -> str | None:
    # The browser first: it is the part a reader is most likely to lack.
    if chromium_path() is None:
        configured = os.environ.get(CHROMIUM_ENV)
        if configured:
            return f"{CHROMIUM_ENV}={configured} is not a file"
        return "Chromium is not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def require_browser() -> str:
    """The Chromium path; skips the calling test with the reason when there is none.

    With ``LABINTERP_REQUIRE_BROWSER=1`` a missing browser fails the test instead.
    """
    reason = _missing_reason()
    if reason is None:
        path = chromium_path()
        assert path is not None
        return path
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but the browser test cannot run: {reason}")
    pytest.skip(f"browser test skipped: {reason}")


def open_page(
    html_file: Path,
    *,
    width: int = PHONE_WIDTH,
    height: int = 800,
    selectors: tuple[str, ...] = (),
    screenshot: Path | None = None,
    full_page: bool = True,
) -> PageReport:
    """Open ``html_file`` in headless Chromium at ``width`` CSS pixels and report on it.

    ``selectors`` are counted in the loaded page (``("svg",)`` counts the SVG elements);
    ``screenshot``, when given, receives a PNG of the page.
    """
    executable = require_browser()  # first: skips with the reason when playwright is absent
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="labinterp-chromium-") as profile,
        sync_playwright() as driver,
    ):
        # A persistent context is the way to give Chromium a fresh --user-data-dir.
        context = driver.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": width, "height": height},
            device_scale_factor=1,
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
            page.goto(html_file.resolve().as_uri(), wait_until="load")
            scroll_width = int(
                page.evaluate(
                    "Math.max(document.documentElement.scrollWidth,"
                    " document.body ? document.body.scrollWidth : 0)"
                )
            )
            found = {selector: page.locator(selector).count() for selector in selectors}
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=full_page)
        finally:
            context.close()
    return PageReport(
        viewport_width=width,
        scroll_width=scroll_width,
        console_errors=tuple(errors),
        found=found,
        screenshot=screenshot,
    )
