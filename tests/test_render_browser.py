"""The HTML rendering in a real browser: it lays out on a phone, draws a number line per
result, and logs no errors. Needs Debian's Chromium (see tests/_browser.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _browser import PHONE_WIDTH, open_page

import labinterp
from labinterp.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: The smallest page a course site would embed the fragment in.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>labinterp report</title></head>
<body style="margin:0 auto;padding:0 8px;font-family:system-ui,sans-serif">{fragment}</body>
</html>
"""


def _page(tmp_path: Path, fragment: str) -> Path:
    path = tmp_path / "report.html"
    path.write_text(PAGE.format(fragment=fragment), encoding="utf-8")
    return path


@pytest.mark.parametrize("audience", ["learner", "clinician"])
@pytest.mark.parametrize("example", ["iron_deficiency_panel", "b12_grey_zone_panel"])
def test_the_html_report_fits_a_phone_and_draws_each_result(
    tmp_path: Path, audience: str, example: str
) -> None:
    panel = json.loads((EXAMPLES / f"{example}.json").read_text(encoding="utf-8"))
    result = labinterp.interpret(panel)
    fragment = render(result, format="html", audience=audience, reasoning=True)  # type: ignore[arg-type]
    report = open_page(_page(tmp_path, fragment), selectors=("svg", "section", "h2, h3"))
    assert not report.overflows, f"{report.scroll_width}px wide at {PHONE_WIDTH}px"
    assert report.console_errors == ()
    assert report.found["svg"] == len(result.flags)  # one number line per measured result
    assert report.found["section"] >= 1
    assert report.found["h2, h3"] >= 3
