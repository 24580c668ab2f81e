"""Results labinterp computes when a panel lacks them: transferrin saturation from iron and
TIBC, and a derived index bounded over an input that was not measured."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labinterp import ANALYTES, CriterionResult, Interpretation, Measurement, Panel, interpret
from labinterp._derived import bounded_derived, compute_derived
from labinterp._formulas import BOUND_WIDENING, FORMULAS, bound_points
from labinterp._units import is_close

ADULT: dict[str, Any] = {"age": 34, "sex": "female", "pregnant": False}


def _leaf(result: Interpretation, pattern: str, analyte: str) -> CriterionResult:
    """The comparison of ``analyte`` in ``pattern``'s criteria (the first found)."""
    for leaf in result.pattern(pattern).criteria.leaves():
        if leaf.analyte == analyte:
            return leaf
    raise AssertionError(f"{pattern} compares no {analyte}")


def _values(panel: dict[str, Any]) -> dict[str, Measurement]:
    return Panel.from_mapping(panel).measurements


# --- transferrin saturation from iron and TIBC -------------------------------------------------


def test_iron_and_tibc_give_the_saturation_and_the_same_answer_as_a_reported_one() -> None:
    computed = interpret({**ADULT, "ferritin": "12 ng/mL", "iron": "35 ug/dL", "tibc": "430 ug/dL"})
    reported = interpret({**ADULT, "ferritin": "12 ng/mL", "tsat": "8.14 %"})
    assert computed.status("iron_deficiency") == "consistent"
    assert computed.statuses() == reported.statuses()
    tsat = _leaf(computed, "iron_deficiency", "transferrin_saturation").observed
    assert tsat is not None
    assert tsat.canonical_value == pytest.approx(35 / 430 * 100, rel=1e-9)
    assert tsat.derived_from == "serum iron 6.267 umol/L / TIBC 77 umol/L x 100"
    assert tsat.as_given.startswith("8.14 % (serum iron")


def test_a_reported_saturation_wins_over_iron_and_tibc() -> None:
    # iron / TIBC would give 8 % (low); the laboratory's 35 % is what is compared.
    result = interpret(
        {**ADULT, "ferritin": "12 ng/mL", "tsat": "35 %", "iron": "35 ug/dL", "tibc": "430 ug/dL"}
    )
    tsat = _leaf(result, "iron_deficiency", "transferrin_saturation").observed
    assert tsat is not None
    assert tsat.derived_from is None
    assert tsat.value == 35.0


def test_a_computed_saturation_is_not_flagged_as_a_laboratory_result() -> None:
    result = interpret({**ADULT, "iron": "35 ug/dL", "tibc": "430 ug/dL"})
    assert {f.analyte for f in result.flags} == {"iron", "tibc"}


@pytest.mark.parametrize(
    ("iron", "tibc", "why"),
    [
        ("35 ug/dL", "0 ug/dL", "no saturation of a zero binding capacity"),
        ("400 umol/L", "1 umol/L", "40000 % is past the saturation's plausibility guard"),
    ],
)
def test_no_saturation_is_computed_from_inputs_that_cannot_give_one(
    iron: str, tibc: str, why: str
) -> None:
    values = _values({"iron": iron, "tibc": tibc})
    assert "transferrin_saturation" not in compute_derived(values), why
    assert "transferrin_saturation" not in bounded_derived(values), why
    result = interpret({**ADULT, "ferritin": "12 ng/mL", "iron": iron, "tibc": tibc})
    leaf = _leaf(result, "iron_deficiency", "transferrin_saturation")
    assert leaf.observed is None
    # The reason is the arithmetic's, not "not measured"; measuring it directly decides.
    assert "not measured" not in (leaf.reason or "")
    assert leaf.missing_analytes == ("transferrin_saturation",)


def test_an_impossible_computed_saturation_says_why() -> None:
    result = interpret({**ADULT, "ferritin": "12 ng/mL", "iron": "400 umol/L", "tibc": "1 umol/L"})
    leaf = _leaf(result, "iron_deficiency", "transferrin_saturation")
    assert leaf.reason is not None
    assert "would be 4e+04 %, outside what labinterp accepts (0-200 %)" in leaf.reason


def test_a_censored_iron_still_settles_a_low_saturation() -> None:
    # Iron below 10 ug/dL over a TIBC of 430 ug/dL: the saturation is below 2.4 % however low.
    result = interpret({**ADULT, "ferritin": "12 ng/mL", "iron": "<10 ug/dL", "tibc": "430 ug/dL"})
    assert result.status("iron_deficiency") == "consistent"
    tsat = _leaf(result, "iron_deficiency", "transferrin_saturation").observed
    assert tsat is not None
    low, _, high, _ = tsat.canonical_interval
    assert low == 0.0
    assert high == pytest.approx(10 / 430 * 100, rel=2 * BOUND_WIDENING)
    assert "serum iron <10 ug/dL" in tsat.as_given


def test_a_missing_tibc_gives_no_range_since_it_could_be_near_zero() -> None:
    assert bounded_derived(_values({"iron": "35 ug/dL"})) == {}


# --- an index bounded over an input not measured ------------------------------------------------


def test_the_readme_panel_decides_the_marrow_response_without_a_hematocrit() -> None:
    # Reticulocytes 0.9 %: at the highest hematocrit accepted (85 %, maturation 1 day) the
    # production index is 0.9 x 85 / 45 = 1.7, below the cut-off of 2 whatever the hematocrit.
    result = interpret({**ADULT, "hemoglobin": "10.2 g/dL", "retic": "0.9 %"})
    assert result.status("hypoproliferative") == "consistent"
    assert result.status("hyperproliferative") == "not_consistent"
    leaf = _leaf(result, "hypoproliferative", "reticulocyte_production_index")
    assert leaf.observed is not None
    low, _, high, _ = leaf.observed.canonical_interval
    assert high == pytest.approx(0.9 * 85 / 45, rel=2 * BOUND_WIDENING)
    assert low == pytest.approx(0.9 * 2 / 45 / 2.5, rel=2 * BOUND_WIDENING)
    assert "hematocrit not measured (any value from 2 to 85 % allowed)" in leaf.observed.as_given
    assert leaf.margin is None  # a range has no single distance to the cut-off
    assert "reticulocyte_production_index" not in result.panel.measurements


def test_a_range_that_straddles_the_cut_off_still_asks_for_the_hematocrit() -> None:
    # Reticulocytes 2.5 %: the index runs from 0.04 to 4.7 over the accepted hematocrits.
    result = interpret({**ADULT, "hemoglobin": "10.2 g/dL", "retic": "2.5 %"})
    assert result.status("hypoproliferative") == "indeterminate"
    leaf = _leaf(result, "hypoproliferative", "reticulocyte_production_index")
    assert leaf.observed is None
    assert leaf.missing_analytes == ("hematocrit",)
    assert "hematocrit" in result.pattern("hypoproliferative").decisive_tests[0]


def test_a_measured_hematocrit_replaces_the_range_with_the_value() -> None:
    result = interpret({**ADULT, "hemoglobin": "10.2 g/dL", "retic": "0.9 %", "hct": "31 %"})
    leaf = _leaf(result, "hypoproliferative", "reticulocyte_production_index")
    assert leaf.observed is not None
    assert leaf.observed.comparator is None
    assert is_close(leaf.observed.canonical_value, 0.9 * (31 / 45) / 1.5)


def test_a_censored_input_gives_a_range_too() -> None:
    # Reticulocytes below 1 % and no hematocrit: the index is below 1 x 85 / 45 at most.
    bound = bounded_derived(_values({"retic": "<1 %"}))["reticulocyte_production_index"]
    low, _, high, _ = bound.canonical_interval
    assert low == 0.0
    assert high == pytest.approx(85 / 45, rel=2 * BOUND_WIDENING)


def test_the_mentzer_index_is_never_ranged() -> None:
    # It means something only for a measured small cell size: no range over an unmeasured
    # MCV or red cell count.
    assert bounded_derived(_values({"mcv": "65 fL"})) == {}
    assert bounded_derived(_values({"rbc": "2 10*12/L"})) == {}


def test_the_missing_result_is_still_missing_for_a_missing_rule() -> None:
    # A bound settles comparisons only; the index itself was not computed.
    values = _values({"retic": "0.9 %"})
    assert "reticulocyte_production_index" in bounded_derived(values)
    assert "reticulocyte_production_index" not in compute_derived(values)


def test_the_json_document_reads_back_with_the_range() -> None:
    result = interpret({**ADULT, "hemoglobin": "10.2 g/dL", "retic": "0.9 %"})
    again = Interpretation.from_json(result.to_json())
    assert again.to_json() == result.to_json()
    read = _leaf(again, "hypoproliferative", "reticulocyte_production_index").observed
    written = _leaf(result, "hypoproliferative", "reticulocyte_production_index").observed
    assert read is not None
    assert written is not None
    assert read.canonical_interval == written.canonical_interval


# --- the law: a bound holds every value the missing input could give ---------------------------

_RETIC = ANALYTES["reticulocytes"].plausible
_HCT = ANALYTES["hematocrit"].plausible


@settings(max_examples=300, deadline=None)
@given(
    retic=st.floats(_RETIC.low, _RETIC.high),
    hct=st.floats(_HCT.low, _HCT.high),
)
def test_the_production_index_lies_within_its_bound_at_every_hematocrit(
    retic: float, hct: float
) -> None:
    formula = FORMULAS["reticulocyte_production_index"]
    points = bound_points(formula, "hematocrit", _HCT.low, _HCT.high)
    values = [formula.compute({"reticulocytes": retic, "hematocrit": p}) for p in points]
    numbers = [v for v in values if isinstance(v, float)]
    exact = formula.compute({"reticulocytes": retic, "hematocrit": hct})
    assert isinstance(exact, float)
    low = min(numbers) * (1 - BOUND_WIDENING)
    high = max(numbers) * (1 + BOUND_WIDENING)
    assert low <= exact <= high
