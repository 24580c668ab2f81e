"""The playground in a real browser: build the site, serve it on 127.0.0.1, drive headless
Chromium, and check what a learner sees.

Needs Chromium and playwright (found as the other browser tests find them, tests/_browser.py)
and npm or a cached Pyodide runtime. Where one is absent the tests skip with the reason;
``.ci/run`` sets LABINTERP_REQUIRE_BROWSER=1, which turns every such skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _browser import CHROMIUM_ARGS, REQUIRE_ENV, require_browser

import labinterp
from labinterp.playground import PYODIDE, PlaygroundBuildError, build_site, default_cache_dir
from labinterp.playground._chromium import serving
from labinterp.playground.bridge import EXAMPLE_PANELS

#: Loading Pyodide and the wheels takes seconds on a quiet machine; a busy CI machine gets room.
LOAD_TIMEOUT_MS = 240_000
STEP_TIMEOUT_MS = 60_000


def _unavailable(reason: str) -> None:
    """Skip for a missing part other than the browser (which require_browser handles)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_browser()  # Chromium and playwright, or a skip (a failure in CI) naming what lacks
    cached = default_cache_dir() / f"pyodide-{PYODIDE.version}.tgz"
    if shutil.which("npm") is None and not cached.is_file():
        _unavailable("npm is not installed and no Pyodide runtime is cached")
    out = tmp_path_factory.mktemp("playground")
    try:
        build_site(out)
    except PlaygroundBuildError as exc:
        _unavailable(f"the playground could not be built here: {exc}")
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    with serving(site) as url:
        yield url


@dataclass
class Browsing:
    """The page, with every request it made and every error it logged."""

    page: Any
    requests: list[str]
    errors: list[str]


@pytest.fixture(scope="module")
def browsing(server: str) -> Iterator[Browsing]:
    from playwright.sync_api import sync_playwright  # present: the site fixture checked it

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=require_browser(), args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server)
        page.wait_for_selector(
            "body[data-ready=true], body[data-failed=true]", timeout=LOAD_TIMEOUT_MS
        )
        assert page.get_attribute("body", "data-failed") is None, page.inner_text("#loading")
        yield Browsing(page, requests, errors)
        browser.close()


def _statuses(page: Any) -> dict[str, str]:
    return json.loads(page.evaluate("document.body.dataset.statuses || '{}'"))  # type: ignore[no-any-return]


def _wait_for_status(page: Any, pattern: str, wanted: str, negate: bool = False) -> None:
    test = "!==" if negate else "==="
    page.wait_for_function(
        "([p, s]) => document.body.dataset.statuses && "
        f"JSON.parse(document.body.dataset.statuses)[p] {test} s",
        arg=[pattern, wanted],
        timeout=STEP_TIMEOUT_MS,
    )


def _example(page: Any, name: str) -> None:
    page.select_option("#example", "")
    page.select_option("#example", name)


def test_the_iron_deficiency_example_reads_consistent(browsing: Browsing) -> None:
    browser_page = browsing.page
    _example(browser_page, "iron deficiency")
    _wait_for_status(browser_page, "iron_deficiency", "consistent")
    expected = labinterp.interpret(EXAMPLE_PANELS["iron deficiency"]).pattern("iron_deficiency")
    assert expected.status == "consistent"
    assert "consistent with iron deficiency" in browser_page.inner_text("#result")


def test_ferritin_above_its_cutoff_turns_the_label(browsing: Browsing) -> None:
    browser_page = browsing.page
    _example(browser_page, "iron deficiency")
    _wait_for_status(browser_page, "iron_deficiency", "consistent")
    browser_page.fill("#value-ferritin", "80")
    _wait_for_status(browser_page, "iron_deficiency", "not_consistent")
    panel = {**EXAMPLE_PANELS["iron deficiency"], "ferritin": "80 ng/mL"}
    label = labinterp.interpret(panel).pattern("iron_deficiency").label
    assert label == "iron deficiency: not supported by these results"
    # The learner's summary lists it among the patterns these results do not support.
    text = " ".join(browser_page.inner_text("#result").split())
    assert "not supported by these results" in text
    assert "iron deficiency" in text


def test_the_slider_moves_a_value_across_its_cutoff_from_the_keyboard(browsing: Browsing) -> None:
    browser_page = browsing.page
    _example(browser_page, "iron deficiency")
    _wait_for_status(browser_page, "iron_deficiency", "consistent")
    browser_page.focus("#slider-ferritin")
    browser_page.keyboard.press("End")  # the slider's top lies past every ferritin cut-off
    _wait_for_status(browser_page, "iron_deficiency", "consistent", negate=True)
    shown = float(browser_page.input_value("#value-ferritin"))
    assert shown > 30


def test_an_invalid_unit_shows_the_librarys_own_message(browsing: Browsing) -> None:
    browser_page = browsing.page
    _example(browser_page, "iron deficiency")
    browser_page.fill("#value-ferritin", "12 bananas")
    browser_page.wait_for_selector("#error:not([hidden])", timeout=STEP_TIMEOUT_MS)
    with pytest.raises(labinterp.LabinterpError) as raised:
        labinterp.Panel.from_mapping({"ferritin": "12 bananas ng/mL"})
    assert browser_page.inner_text("#error") == str(raised.value)


def test_the_javascript_api_gives_the_json_contract(browsing: Browsing) -> None:
    browser_page = browsing.page
    panel = {"ferritin": "8 ug/L", "transferrin_saturation": "9 %", "sex": "female"}
    text = browser_page.evaluate(
        "(panel) => window.labinterp.ready.then(() =>"
        " window.labinterp.interpret(panel, {format: 'json'}))",
        panel,
    )
    assert json.loads(text) == json.loads(labinterp.interpret(panel).to_json())


def test_the_page_fits_a_phone_screen(browsing: Browsing) -> None:
    browser_page = browsing.page
    _example(browser_page, "iron deficiency")
    _wait_for_status(browser_page, "iron_deficiency", "consistent")
    width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_nothing_leaves_the_machine(browsing: Browsing) -> None:
    hosts = {url.split("/")[2] for url in browsing.requests if "://" in url}
    assert hosts
    assert all(host.startswith("127.0.0.1:") for host in hosts), hosts
    assert not browsing.errors, browsing.errors
