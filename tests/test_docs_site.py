"""The documentation site: it builds in strict mode, its generated pages hold what the packs
and the program say, and its index page lays out on a phone in a real browser.

The site is built once per run (about half a minute), or taken from ``LABINTERP_DOCS_SITE``
when ``.ci/run`` has just built it. Without the docs tools the tests skip with the reason;
``LABINTERP_REQUIRE_DOCS=1`` (set by ``.ci/run``) turns that skip into a failure.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _browser import open_page

import labinterp

ROOT = Path(__file__).resolve().parents[1]
SITE_ENV = "LABINTERP_DOCS_SITE"
REQUIRE_ENV = "LABINTERP_REQUIRE_DOCS"


def _require_docs_tools() -> None:
    missing = [
        name
        for name in ("mkdocs", "material", "mkdocstrings")
        if importlib.util.find_spec(name) is None
    ]
    if not missing:
        return
    reason = f"docs tools not installed ({', '.join(missing)}; pip install -e '.[docs]')"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get(SITE_ENV)
    if built:
        assert (Path(built) / "index.html").is_file(), f"{SITE_ENV}={built} holds no site"
        return Path(built)
    _require_docs_tools()
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    return target


def _page_text(site: Path, page: str) -> str:
    """The page's HTML with tags removed and entities decoded, for looking up phrases."""
    raw = (site / page / "index.html").read_text("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def test_every_bundled_threshold_and_its_source_is_on_the_site(site: Path) -> None:
    text = _page_text(site, "clinical-review")
    for name in labinterp.bundled_pack_names():
        pack = labinterp.load_pack(name)
        for threshold_id, threshold in pack.thresholds.items():
            assert threshold_id in text, f"{name}: threshold {threshold_id} missing"
            for cutoff in threshold.cutoffs:
                source_id = cutoff.source or threshold.source
                assert source_id is not None
                assert pack.sources[source_id].title in text, f"{name}: {source_id} missing"


def test_the_tutorial_shows_real_output(site: Path) -> None:
    text = _page_text(site, "tutorial")
    panel = json.loads((ROOT / "examples" / "iron_deficiency_panel.json").read_text("utf-8"))
    result = labinterp.interpret(panel)
    # The output block after the first python example holds what it printed, label first.
    assert result.pattern("iron_deficiency").label in text
    assert "$ labinterp interpret examples/b12_grey_zone_panel.json --brief" in text
    assert "```output" not in text


def test_the_api_reference_is_built_from_the_docstrings(site: Path) -> None:
    text = _page_text(site, "api")
    assert labinterp.interpret.__doc__ is not None
    first_line = labinterp.interpret.__doc__.strip().split("\n")[0]
    assert " ".join(first_line.split()[:6]) in " ".join(text.split())


@pytest.mark.parametrize("module", ["fhir", "frame", "testing"])
def test_the_api_reference_documents_the_optional_modules(site: Path, module: str) -> None:
    # Review 6 #19: only names importable from labinterp itself had a reference entry.
    text = " ".join(_page_text(site, "api").split())
    found = importlib.import_module(f"labinterp.{module}")
    for name in found.__all__:
        if name.isupper() or name == "TableWarning":  # constants; labinterp.TableWarning
            continue
        doc = getattr(found, name).__doc__
        assert doc, f"labinterp.{module}.{name} has no docstring"
        plain = re.sub(r":[a-z]+:|`", "", doc)  # as shown: roles dropped, code unquoted
        first_words = " ".join(plain.split()[:5])
        assert first_words in text, f"labinterp.{module}.{name}: {first_words!r}"


def test_the_index_page_fits_a_phone_without_errors(site: Path, tmp_path: Path) -> None:
    report = open_page(
        site / "index.html", selectors=("h1", "pre"), screenshot=tmp_path / "index.png"
    )
    assert not report.overflows, (
        f"the index page is {report.scroll_width} px wide in a {report.viewport_width} px viewport"
    )
    assert report.console_errors == ()
    assert report.found["h1"] == 1
    assert report.found["pre"] >= 1  # the example and its output
    assert report.screenshot is not None
    assert report.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
