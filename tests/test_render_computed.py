"""Computed values beside their cut-offs: shown on the same side as the exact numbers.

Regressions of review 5: a computed value (a transferrin saturation from iron and TIBC, the
Mentzer index, the reticulocyte production index) was shown with three figures whatever its
cut-off, so "transferrin saturation < 15 %: 15 %" was the reason given for a saturation of
14.99 %, and "Mentzer index < 13: 13 (at the cut-off)" for an index of 12.98 (finding 1). A
range was shown as "0.016 to 1.7" where only its upper end settles "< 2" (finding 8).
"""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

import labinterp
from labinterp._units import is_close
from labinterp.render import Format, render
from labinterp.render._view_numbers import computed_figures

# "Mentzer index < 13 because ...: holds value: 12.98" (reasoning) or "< 13: 12.98" (why).
_SHOWN = re.compile(
    r"(?P<name>Mentzer index|transferrin saturation) (?P<op><=|>=|<|>) (?P<cut>[\d.]+)(?: %)?"
    r"(?: because [^:]*)?: (?:(?:holds|does not hold|undecided) value: )?(?P<value>[\d.]+)"
    r"(?: %)? \([^()]*\)(?: \((?P<margin>[^()]*)\))?"
)


def _plain(text: str, fmt: Format) -> str:
    """The words of a rendering, without markup, on one line."""
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    if fmt == "markdown":
        text = text.replace("**", "").replace("`", "").replace("\\", "")
        text = re.sub(r"^\s*- ", " ", text, flags=re.MULTILINE)
    return " ".join(text.split())


def _order(a: float, b: float) -> int:
    return 0 if is_close(a, b) else (1 if a > b else -1)


def _exact(result: labinterp.Interpretation, analyte: str) -> float:
    for finding in result.patterns:
        for leaf in finding.criteria.leaves():
            obs = leaf.observed
            if leaf.analyte == analyte and obs is not None and obs.derived_from is not None:
                return obs.canonical_value
    raise AssertionError(f"{analyte} was not computed")


def _check_every_format(panel: dict[str, object], analyte: str) -> int:
    """Each shown comparison of the computed ``analyte`` keeps the exact order; the count."""
    result = labinterp.interpret(panel)
    exact = _exact(result, analyte)
    seen = 0
    for fmt in ("text", "markdown", "html"):
        text = _plain(render(result, format=fmt, reasoning=True), fmt)
        for match in _SHOWN.finditer(text):
            cut, shown = float(match["cut"]), float(match["value"])
            assert _order(shown, cut) == _order(exact, cut), (fmt, match[0], exact)
            margin = match["margin"] or ""
            assert ("at the cut-off" in margin) == is_close(exact, cut), (fmt, match[0], exact)
            if "below" in margin or "above" in margin:
                assert ("below" in margin) == (exact < cut), (fmt, match[0], exact)
            seen += 1
    return seen


def test_a_saturation_just_below_15_percent_is_not_shown_as_15() -> None:
    result = labinterp.interpret(
        {"iron": "64.45 ug/dL", "tibc": "430 ug/dL", "ferritin": "12 ng/mL", "sex": "female"}
        | {"age": 30}
    )
    text = " ".join(render(result, brief=True).split())
    assert "transferrin saturation < 15 %: 14.99 %" in text
    full = " ".join(render(result, reasoning=True).split())
    assert "value: 14.99 % (serum iron" in full
    assert "(0.01 percentage points below the cut-off)" in full
    assert "value: 15 %" not in full  # the same value reads the same everywhere


def test_a_mentzer_index_of_12_98_is_not_at_the_cut_off() -> None:
    panel = {"mcv": "64.9 fL", "rbc": "5.00 10*12/L", "ferritin": "80 ng/mL", "hb": "11 g/dL"}
    result = labinterp.interpret(panel | {"sex": "female", "age": 30})
    text = " ".join(render(result, reasoning=True).split())
    assert "value: 12.98 (MCV 64.9 fL / RBC 5 10*12/L) (0.02 below the cut-off)" in text
    assert "at the cut-off" not in text
    above = {**panel, "mcv": "65.1 fL", "sex": "female", "age": 30}
    text = " ".join(render(labinterp.interpret(above), reasoning=True).split())
    assert "value: 13.02 (MCV 65.1 fL / RBC 5 10*12/L) (0.02 above the cut-off)" in text


def test_an_index_at_its_cut_off_is_shown_at_it() -> None:
    panel = {"mcv": "65 fL", "rbc": "5.00 10*12/L", "ferritin": "80 ng/mL", "hb": "11 g/dL"}
    result = labinterp.interpret(panel | {"sex": "female", "age": 30})
    text = " ".join(render(result, reasoning=True).split())
    assert "value: 13 (MCV 65 fL / RBC 5 10*12/L) (at the cut-off)" in text


def test_computed_figures_are_three_unless_more_keep_the_order() -> None:
    assert computed_figures(8.1395, [15.0]) == 3
    assert computed_figures(14.988, [15.0]) == 4
    assert computed_figures(14.9996, [15.0, 50.0]) == 6
    assert computed_figures(15.0000000000001, [15.0]) == 3  # equal within tolerance
    assert computed_figures(12.5, []) == 3


@settings(max_examples=40, deadline=None)
@given(
    tibc=st.sampled_from([250, 300, 360, 430]),
    saturation=st.one_of(st.floats(14.9, 15.1), st.floats(49.9, 50.1), st.floats(19.9, 20.1)),
    digits=st.integers(1, 3),
)
def test_a_computed_saturation_keeps_its_side_of_every_cut_off(
    tibc: int, saturation: float, digits: int
) -> None:
    iron = round(tibc * saturation / 100, digits)
    panel = {"iron": f"{iron} ug/dL", "tibc": f"{tibc} ug/dL", "ferritin": "40 ng/mL"}
    seen = _check_every_format(panel | {"sex": "female", "age": 40}, "transferrin_saturation")
    assert seen >= 3  # the saturation is shown beside a cut-off in every format


@settings(max_examples=40, deadline=None)
@given(
    rbc=st.integers(400, 600).map(lambda x: x / 100),
    offset=st.integers(-40, 40).map(lambda x: x / 100),
)
def test_a_computed_mentzer_index_keeps_its_side_of_its_cut_off(rbc: float, offset: float) -> None:
    mcv = round(13 * rbc + offset, 2)
    panel = {"mcv": f"{mcv} fL", "rbc": f"{rbc} 10*12/L", "ferritin": "80 ng/mL", "hb": "11 g/dL"}
    seen = _check_every_format(panel | {"sex": "female", "age": 30}, "mentzer_index")
    assert seen >= 3


def test_a_range_is_shown_by_the_end_that_settles_the_comparison() -> None:
    result = labinterp.interpret({"hb": "10 g/dL", "retic": "1.058 %", "sex": "female", "age": 30})
    text = " ".join(render(result, reasoning=True).split())
    # "< 2" holds because the whole range is below 2: its top is what matters, with the
    # figures that keep it below 2 (1.9985, not 2).
    assert "reticulocyte production index < 2: at most 1.998 (" in text
    # "> 3" fails for the same reason: again the top.
    assert "> 3 because the age is 15 years or more: does not hold value: at most 1.998" in text
    assert " to 2 (" not in text
    assert "0.0188 to" not in text
    for fmt in ("markdown", "html"):
        shown = _plain(render(result, format=fmt, reasoning=True), fmt)
        assert "reticulocyte production index < 2: at most 1.998 (" in shown


def test_a_learner_reads_the_range_in_plain_words() -> None:
    result = labinterp.interpret({"hb": "10 g/dL", "retic": "0.9 %", "sex": "female", "age": 30})
    text = " ".join(render(result, audience="learner").split())
    assert "reticulocyte production index below 2: at most 1.7 whatever the hematocrit (" in text


def test_a_range_keeps_its_neutral_form_as_given() -> None:
    result = labinterp.interpret({"hb": "10 g/dL", "retic": "0.9 %", "sex": "female", "age": 30})
    leaf = next(
        leaf
        for leaf in result.pattern("hypoproliferative").criteria.leaves()
        if leaf.analyte == "reticulocyte_production_index"
    )
    assert leaf.observed is not None
    assert " to " in leaf.observed.as_given
