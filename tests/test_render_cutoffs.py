"""Converted cut-offs beside a result: shown on the same side of it as the exact numbers.

Regressions of review 4, item 5: a cut-off converted into the result's unit was rounded to
two figures, so "hemoglobin < 7.4 mmol/L: 7.44 mmol/L" was printed as the reason for a
consistent status, and a margin of 0.2 pmol/L was printed as "0 pmol/L above".
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labinterp
from labinterp._analytes import ANALYTES
from labinterp._numbers import format_number, significant_figures
from labinterp._units import is_close
from labinterp.render import Format, render, render_text
from labinterp.render._view_numbers import cutoff_figures, display_unit, shown_cutoff


def _brief(**panel: object) -> str:
    return render_text(labinterp.interpret(panel), brief=True)


def _full(**panel: object) -> str:
    return " ".join(render_text(labinterp.interpret(panel)).split())


def test_hemoglobin_below_its_converted_cut_off_is_shown_below_it() -> None:
    text = _brief(hemoglobin="7.44 mmol/L", sex="female", age=30, pregnant=False)
    assert "why: hemoglobin < 7.45 mmol/L [120 g/L]: 7.44 mmol/L" in text
    assert "< 7.4 mmol/L" not in text


def test_ferritin_below_its_converted_cut_off_is_shown_below_it() -> None:
    text = _brief(ferritin="67.2 pmol/L", tsat="9 %", age=30, sex="female")
    assert "ferritin < 67.4 pmol/L [30 ug/L]: 67.2 pmol/L" in " ".join(text.split())


def test_a_margin_is_never_shown_as_zero_off_the_cut_off() -> None:
    text = _full(b12="133 pmol/L", age=30)
    assert "< 132.8 pmol/L [180 ng/L]" in text
    assert "133 pmol/L (0.2 pmol/L above the cut-off)" in text
    assert "(0 pmol/L" not in text


def test_the_same_cut_off_reads_the_same_in_the_reasoning_and_the_results_table() -> None:
    text = _full(hemoglobin="8.08 mmol/L", sex="male")
    assert "hemoglobin < 8.07 mmol/L [130 g/L]" in text
    assert "reference >= 8.07 mmol/L" in text
    assert "8.1 mmol/L" not in text


def test_a_reference_interval_kept_in_the_canonical_unit_is_not_shown_with_float_digits() -> None:
    # The B12 interval is written in ng/L and kept in pmol/L: no "132.8050643-674.354604278".
    text = _full(b12="133 pmol/L", age=30)
    assert "reference 132.8-674 pmol/L" in text


def test_a_converted_reference_position_gets_a_reasonable_number_of_figures() -> None:
    text = _brief(
        tibc="38 umol/L", iron="6.1 umol/L", ferritin="340 ug/L", hemoglobin="10.8 g/dL",
        mcv="86 fL", crp="46 mg/L", sex="female", age=58, pregnant=False,
    )  # fmt: skip
    flat = " ".join(text.split())
    assert "below its reference interval 45-81 umol/L [250-450 ug/dL]: 38 umol/L" in flat
    assert "80.5802" not in flat


def test_a_number_as_written_is_not_rounded_away() -> None:
    # 11.5 % beside a result of 17 % stays 11.5 (it is exact); 12 g/dL is 120 g/L exactly.
    assert shown_cutoff(11.5, 17.0) == "11.5"
    assert shown_cutoff(120.00000000000001, 102.0) == "120"


def test_a_value_at_the_cut_off_reads_the_same_as_the_cut_off() -> None:
    assert shown_cutoff(132.80500000000001, 132.805) == "132.805"
    assert shown_cutoff(8.066999999999, 8.067) == "8.067"
    text = _full(hemoglobin="130 g/L", sex="male", age=40)
    assert "at the cut-off" in text


# --- the rule, for any value, cut-off and pair of units --------------------------------------

_UNIT_PAIRS = [
    (analyte, pack_unit, shown_unit)
    for analyte, entry in sorted(ANALYTES.items())
    if entry.derived is None
    for pack_unit in entry.common_units
    for shown_unit in entry.common_units
    if pack_unit != shown_unit
]


def _reported(figures: int, exponent: int, digits: int) -> float:
    """A number as a lab reports it: ``figures`` significant figures."""
    text = str(digits)[:figures]
    return float(Decimal(text).scaleb(exponent - len(text) + 1))


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_UNIT_PAIRS),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=10**3, max_value=10**4 - 1),
    st.integers(min_value=-2, max_value=3),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=10**5, max_value=10**6 - 1),
    st.integers(min_value=-1, max_value=1),
)
def test_the_shown_comparison_agrees_with_the_exact_one(
    pair: tuple[str, str, str],
    cut_figures: int,
    cut_digits: int,
    cut_exponent: int,
    value_figures: int,
    value_digits: int,
    value_shift: int,
) -> None:
    analyte, pack_unit, shown_unit = pair
    entry = ANALYTES[analyte]
    cut_pack = _reported(cut_figures, cut_exponent, cut_digits)
    to_canonical = entry.resolve_unit(pack_unit).to_canonical
    factor = to_canonical / entry.resolve_unit(shown_unit).to_canonical
    cut_shown = cut_pack * factor
    # A value near the converted cut-off, reported with its own number of figures.
    magnitude = Decimal(repr(cut_shown)).adjusted() + value_shift
    value = _reported(value_figures, magnitude, value_digits)
    shown_value = float(format_number(value, significant_figures(value)))
    shown_cut = float(shown_cutoff(cut_shown, value))
    if is_close(value, cut_shown):
        assert shown_cut == shown_value
    elif value < cut_shown:
        assert shown_value < shown_cut
    else:
        assert shown_value > shown_cut


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=1e-3, max_value=1e5, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e5, allow_nan=False),
)
def test_the_comparison_holds_for_any_converted_number(cut: float, value: float) -> None:
    value = float(format_number(value, 3))  # a reported value: three figures
    shown = float(shown_cutoff(cut, value))
    if is_close(cut, value):
        assert shown == value
    else:
        assert (shown < value) == (cut < value)
        assert shown != value


def test_a_converted_cut_off_gets_few_figures_when_few_are_enough() -> None:
    assert cutoff_figures(7.4479, 7.44) == 3  # the value's own last digit
    assert cutoff_figures(44.766, 38.0) == 2
    assert cutoff_figures(132.805, 133.0) == 4  # one more than 133 to stay below it
    assert cutoff_figures(80.5802, 38.0) == 2


_RULE = re.compile(r"hemoglobin ([<>]=?) ([\d.]+) (g/dL|g/L|mmol/L) \[[^\]]*\]: ([\d.]+) \3")


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["g/dL", "g/L", "mmol/L"]),
    st.integers(min_value=400, max_value=1800),
    st.sampled_from(["female", "male"]),
)
def test_every_rendered_reason_agrees_with_its_status(unit: str, tenths: int, sex: str) -> None:
    # Hemoglobin given in g/dL to two decimals, converted exactly by Decimal to the unit.
    grams_per_dl = Decimal(tenths) / 100
    per_unit = {"g/dL": Decimal(1), "g/L": Decimal(10), "mmol/L": Decimal("0.6206")}[unit]
    value = grams_per_dl * per_unit
    text = _brief(hemoglobin=f"{value} {unit}", sex=sex, age=40, pregnant=False)
    flat = " ".join(text.split())
    for comparator, cut, _unit, shown_value in _RULE.findall(flat):
        a, b = float(shown_value), float(cut)
        holds = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[comparator]
        assert holds, f"the reason {comparator} {cut} does not hold for {shown_value}"


# --- one spelling per unit (review 4, item 16) -----------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_unit_is_shown_in_one_spelling_across_the_report(fmt: Format) -> None:
    result = labinterp.interpret(
        {
            "iron": "35 µg/dL", "tibc": "430 ug/dl", "hcy": "21 µmol/l", "esr": "14 mm/hr",
            "ferritin": "12 ng/mL", "tsat": "9 %", "sex": "female", "age": 34,
        }
    )  # fmt: skip
    report = render(result, format=fmt, audience="learner", reasoning=True)
    for spelling in ("µg/dL", "ug/dl", "µmol/l", "mm/hr"):
        assert spelling not in report
    for shown in ("35 ug/dL", "430 ug/dL", "21 umol/L", "14 mm/h"):
        assert shown in report
    if fmt == "text":
        flat = " ".join(report.split())
        assert "total iron-binding capacity: 430 ug/dL; reference 250-450 ug/dL" in flat
        assert "homocysteine (total): 21 umol/L; reference 5-15 umol/L" in flat


def test_the_unit_spelling_is_the_ucum_code() -> None:
    assert display_unit("µg/dL") == "ug/dL"
    assert display_unit("ug/dl") == "ug/dL"
    assert display_unit("mcg/L") == "ug/L"
    assert display_unit("µmol/l") == "umol/L"


def test_margins_read_back_from_json_show_no_float_noise() -> None:
    # The JSON rounds a margin to six figures; the margin shown is measured from the pack's
    # own cut-off, so the read-back report says the same as the original.
    result = labinterp.interpret({"folate": "9.1 ng/mL", "b12": "133 pmol/L", "age": 30})
    again = labinterp.Interpretation.from_json(result.to_json())
    assert render_text(again) == render_text(result)
    assert "(6.1 ng/mL above the cut-off)" in " ".join(render_text(again).split())


def test_one_percentage_point_is_singular_and_names_the_reference_limit() -> None:
    # Review 5, finding 20: "1 percentage points above the cut-off" beside "above its
    # reference interval 0.5-1.5 %", whose cut-off is the upper reference limit.
    text = _full(hb="10 g/dL", retic="2.5 %", sex="female", age=30)
    assert "value: 2.5 % (1 percentage point above the upper reference limit)" in text
    assert "percentage points above" not in text


def test_a_one_sided_reference_limit_is_not_called_an_interval() -> None:
    # Review 5, finding 21: "above its reference interval 1.111 mg/dL" for an upper limit.
    panel = {"bilirubin_indirect": "1.11 mg/dL", "hb": "10 g/dL", "retic": "5 %"}
    result = labinterp.interpret(panel | {"sex": "male", "age": 60})
    for fmt in ("text", "markdown", "html"):
        shown = " ".join(render(result, format=fmt, reasoning=True).split())
        assert "above its upper reference limit 1.111 mg/dL" in shown, fmt
        assert "its reference interval 1.111" not in shown, fmt
        assert "(0.001 mg/dL below the upper reference limit)" in shown, fmt
    drawing = render(result, format="html")
    assert "upper reference limit 1.111 mg/dL" in drawing  # the number line's words
    assert "reference interval up to" not in drawing
    # The JSON contract keeps its cut-off ids.
    assert "bilirubin_indirect above <= 19 umol/L" in result.to_json()
