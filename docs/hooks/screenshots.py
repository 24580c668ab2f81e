"""Take the documentation's screenshots in a real browser (Debian's headless Chromium).

Run by hand when the renderers or the playground change:

    python docs/hooks/screenshots.py

It writes ``docs/images/report-html.png`` (the HTML rendering of the iron-deficiency example
for a learner, at a phone's width) and ``docs/images/playground.png`` (the playground page
after loading that example). Both go through Playwright with the system Chromium, as the
browser tests do; the playground is built into a temporary folder and served on 127.0.0.1.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from labinterp.playground._chromium import CHROMIUM_FLAGS, serving

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>report</title>
</head><body style="margin:0 auto;padding:0 8px;font-family:system-ui,sans-serif">{0}</body>
</html>"""


def report_screenshot(browser: Any) -> Path:
    import labinterp
    from labinterp.render import render

    panel = json.loads((ROOT / "examples" / "iron_deficiency_panel.json").read_text("utf-8"))
    fragment = render(labinterp.interpret(panel), format="html", audience="learner")
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "report.html"
        page_file.write_text(PAGE.format(fragment), encoding="utf-8")
        page = browser.new_page(viewport={"width": 375, "height": 900})
        page.goto(page_file.as_uri())
        out = IMAGES / "report-html.png"
        page.screenshot(path=str(out), full_page=False)
        page.close()
    return out


def playground_screenshot(browser: Any) -> Path:
    from labinterp.playground import build_site

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        build_site(site, log=lambda message: print(message, file=sys.stderr))
        with serving(site) as url:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]", timeout=300_000)
            page.select_option("#example", "iron deficiency")
            page.wait_for_function(
                "document.body.dataset.statuses && "
                "JSON.parse(document.body.dataset.statuses).iron_deficiency === 'consistent'",
                timeout=60_000,
            )
            page.locator("#result-heading").scroll_into_view_if_needed()
            out = IMAGES / "playground.png"
            page.screenshot(path=str(out), full_page=False)
            page.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(CHROMIUM_FLAGS)
        )
        for take in (report_screenshot, playground_screenshot):
            print(take(browser))
        browser.close()


if __name__ == "__main__":
    main()
