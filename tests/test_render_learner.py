"""The learner's glossary and legend (review 4, items 20 and 29).

Every glossary line explains its term in plain words, every legend line is for a symbol the
rendering shows, and no user-facing text calls a source "the seed document".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import labinterp
from labinterp.render import render
from labinterp.render._view import build_view
from labinterp.render._view_model import Audience

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["iron_deficiency_panel.json", "inflammation_panel.json", "b12_grey_zone_panel.json"]


def _example(name: str) -> labinterp.Interpretation:
    return labinterp.interpret(json.loads((ROOT / "examples" / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_glossary_line_explains_its_term(example: str) -> None:
    view = build_view(_example(example), audience="learner")
    assert view.glossary
    for term, meaning in view.glossary:
        assert meaning != "a term of the sources cited", term
        assert "seed document" not in meaning, term
    terms = dict(view.glossary)
    if example == "iron_deficiency_panel.json":
        assert "smaller than usual" in terms["small red cells (microcytosis)"]


def test_a_band_reads_the_same_in_the_summary_and_the_glossary() -> None:
    report = render(_example("iron_deficiency_panel.json"), audience="learner")
    flat = " ".join(report.split())
    assert "hemoglobin from 8 to under 11 g/dL [80-110 g/L]: 10.2 g/dL" in flat
    assert "80 to under 110 g/L from 5 years" in flat
    assert "80-109" not in flat


def _body_and_legend(report: str) -> tuple[str, list[str]]:
    body, _, rest = report.partition("\nLegend\n")
    legend_block = rest.split("\n\n")[0]
    symbols = [line.split()[0] for line in legend_block.splitlines() if line.strip()]
    return body, symbols


def _shown(symbol: str, body: str) -> bool:
    if symbol in ("L", "LL", "H", "HH", "N"):
        return f"({symbol})" in body
    if symbol == "[":  # "[ ]" splits into "[" and "]"
        return re.search(r" \[\d", body) is not None
    if symbol in ("<", "<=", ">", ">="):
        return re.search(rf"(^|\s){re.escape(symbol)}\s", body) is not None
    return symbol in body


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("audience", ["learner", "clinician"])
@pytest.mark.parametrize("brief", [False, True])
def test_the_legend_lists_only_symbols_the_rendering_shows(
    example: str, audience: Audience, brief: bool
) -> None:
    report = render(_example(example), audience=audience, brief=brief)
    body, symbols = _body_and_legend(report)
    assert symbols
    for symbol in symbols:
        assert _shown(symbol, body), f"the legend explains {symbol!r}, which is not shown"


def test_the_learner_legend_has_no_hl7_codes() -> None:
    view = build_view(_example("iron_deficiency_panel.json"), audience="learner")
    assert not [s for s, _ in view.legend if s in ("L", "LL", "H", "HH", "N")]
    clinician = build_view(_example("iron_deficiency_panel.json"), audience="clinician")
    assert {"L", "H", "N"} <= {s for s, _ in clinician.legend}


def _texts(node: Any, key: str = "") -> list[str]:
    if isinstance(node, dict):
        return [t for k, v in node.items() if k != "kind" for t in _texts(v, str(k))]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v, key)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize(
    "path",
    [*sorted((ROOT / "reference_ranges").glob("*.yaml")), ROOT / "labinterp/catalog/analytes.yaml"],
)
def test_no_user_facing_text_says_seed_document(path: Path) -> None:
    # "seed document" stays a kind of source (a field value), never wording a reader sees.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [t for t in _texts(data) if re.search(r"seed\s+(document|article)", t, re.I)]
    assert found == []


# --- what --brief prints (review 4, items 13 and 28) -----------------------------------------


@pytest.mark.parametrize("audience", ["learner", "clinician"])
def test_brief_is_the_summary_with_its_legend_and_no_glossary(audience: Audience) -> None:
    report = render(_example("iron_deficiency_panel.json"), audience=audience, brief=True)
    for part in ("Context used", "Summary", "Legend", "Disclaimer"):
        assert f"\n{part}\n" in report
    for part in ("Glossary", "Results against reference intervals", "Reasoning per pattern"):
        assert part not in report
    view = build_view(_example("iron_deficiency_panel.json"), audience=audience, brief=True)
    assert view.glossary == ()
    # This panel decides every pattern: the legend explains [+] and [-], and no [?].
    symbols = {s for s, _ in view.legend}
    assert {"[+]", "[-]"} <= symbols
    assert "[?]" not in symbols


def test_the_full_learner_report_keeps_its_glossary() -> None:
    report = render(_example("iron_deficiency_panel.json"), audience="learner")
    assert "\nGlossary\n" in report


def test_every_unit_of_the_catalog_has_a_plain_gloss() -> None:
    # Review 5, finding 18: "U/L: a unit of measurement: U/L" explained nothing.
    from labinterp._analytes import ANALYTES
    from labinterp._messages import ENGLISH
    from labinterp.render._glossary import glossary_for
    from labinterp.render._view_numbers import display_unit

    shown = {
        display_unit(u) for a in ANALYTES.values() for u in (a.canonical_unit, *a.common_units)
    }
    units = shown - {"1"}  # a dimensionless index is shown without a unit
    lines = dict(glossary_for(sorted(units), ENGLISH))
    assert set(lines) == units
    for unit, meaning in lines.items():
        assert unit not in meaning.split(" ", 1)[0], (unit, meaning)
        assert "a unit of measurement" not in meaning, unit


def test_no_glossary_entry_merely_repeats_its_term() -> None:
    panel: dict[str, object] = {
        "hb": "10 g/dL",
        "retic": "2.5 %",
        "rbc": "4 10*12/L",
        "ldh": "300 U/L",
    }
    panel |= {"b12": "200 ng/L", "sex": "female", "age": 30}
    view = build_view(labinterp.interpret(panel), audience="learner", reasoning=True)
    terms = dict(view.glossary)
    for unit in ("U/L", "ng/L", "10*12/L"):
        assert unit in terms, unit
    assert "million million" in terms["10*12/L"]
    assert "enzyme" in terms["U/L"]
    for term, meaning in view.glossary:
        assert meaning.strip().lower() != term.lower(), term
        assert not meaning.rstrip(".").lower().endswith(f": {term.lower()}"), (term, meaning)
        assert "a unit of measurement" not in meaning, term


def test_the_marrow_response_gloss_agrees_with_a_decision_made_without_a_hematocrit() -> None:
    # Review 5, finding 5: the glossary said the pattern "needs reticulocytes and
    # hematocrit" beside a report that decided it with no hematocrit.
    result = _example("iron_deficiency_panel.json")
    assert "hematocrit" not in result.panel.measurements
    assert result.status("hypoproliferative") == "consistent"
    terms = dict(build_view(result, audience="learner").glossary)
    meaning = terms["low marrow response (hypoproliferative anemia)"]
    assert "needs reticulocytes and hematocrit" not in meaning
    assert "a low reticulocyte count can decide it alone" in meaning
