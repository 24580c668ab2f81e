"""The browser helper itself: it sees overflow, console errors and elements, and takes
screenshots, so that a layout test built on it cannot pass by seeing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from _browser import CHROMIUM_ENV, PHONE_WIDTH, REQUIRE_ENV, open_page, require_browser

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title></head>
<body style="margin:0">{body}</body></html>
"""


def _write(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.html"
    page.write_text(_PAGE.format(body=body), encoding="utf-8")
    return page


def test_a_page_that_fits_and_one_that_overflows(tmp_path: Path) -> None:
    # Both are checked in one browser session each; one page in a fresh profile per call.
    fits = open_page(_write(tmp_path, "<p>ferritin 12 ug/L</p>"))
    assert fits.viewport_width == PHONE_WIDTH
    assert not fits.overflows
    wide = open_page(_write(tmp_path, '<div style="width:600px">a wide table</div>'))
    assert wide.overflows
    assert wide.scroll_width >= 600


def test_console_errors_elements_and_a_screenshot(tmp_path: Path) -> None:
    body = (
        '<svg width="100" height="10" role="img" aria-label="number line"></svg>'
        "<script>console.error('broken figure'); undefinedFunction();</script>"
    )
    shot = tmp_path / "shot.png"
    report = open_page(_write(tmp_path, body), selectors=("svg", "table"), screenshot=shot)
    assert report.found == {"svg": 1, "table": 0}
    assert "broken figure" in report.console_errors
    assert any("undefinedFunction" in error for error in report.console_errors)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_browser_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, "/nonexistent/chromium")
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium is not a file"):
        require_browser()


def test_a_missing_browser_fails_where_it_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, "/nonexistent/chromium")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="LABINTERP_REQUIRE_BROWSER=1"):
        require_browser()
