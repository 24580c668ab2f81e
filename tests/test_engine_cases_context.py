"""Worked cases on the patient's context: alerts and notes on reported symptoms, conditions
and diet, the ESA guideline note, and the pack's population and age.

The table's rows and its conventions are described in tests/test_engine_cases.py."""

from __future__ import annotations

from typing import Any

import pytest
from _case_table import Case, check_case, in_every_pack, mm
from _engine_helpers import PACK_NAMES, adult, finding, run


def ckd(**values: Any) -> dict[str, Any]:
    """An adult with chronic kidney disease reported (the ESA note's context)."""
    return adult(conditions=["chronic_kidney_disease"], **values)


ALERTS_AND_NOTES: list[Case] = [
    # Alerts and notes on reported context (issue 7). Reported context is two-valued, so
    # only a panel outside the population leaves them undecided.
    Case(
        "alert_back_pain_red_flag",
        adult(sex="male", symptoms=["back_pain", "night_pain"]),
        "back_pain_red_flags",
        "consistent",
    ),
    Case(
        "alert_back_pain_alone",
        adult(sex="male", symptoms=["back_pain"]),
        "back_pain_red_flags",
        "not_consistent",
    ),
    Case(
        "alert_outside_population",
        {"age": 0.25, "symptoms": ["back_pain", "night_pain"]},
        "back_pain_red_flags",
        "indeterminate",
    ),
    Case(
        "b12_neuro_note",
        adult(sex="male", b12="150 ng/L", symptoms=["tingling_or_numbness"]),
        "b12_neurological_symptoms",
        "consistent",
    ),
    Case(
        "b12_neuro_note_no_symptoms",
        adult(sex="male", b12="150 ng/L"),
        "b12_neurological_symptoms",
        "not_consistent",
    ),
    Case(
        "b12_neuro_note_b12_missing",
        adult(sex="male", symptoms=["tingling_or_numbness"]),
        "b12_neurological_symptoms",
        "indeterminate",
        missing_analytes=("vitamin_b12",),
    ),
    Case("b12_risk_vegan", adult(diet="vegan"), "b12_risk_factors", "consistent"),
    Case("b12_risk_none", adult(), "b12_risk_factors", "not_consistent"),
    Case(
        "b12_risk_outside_population",
        {"age": 0.25, "diet": "vegan"},
        "b12_risk_factors",
        "indeterminate",
    ),
    Case(
        "anemia_back_pain_note",
        adult(sex="male", hb="11 g/dL", symptoms=["back_pain"]),
        "anemia_with_back_pain",
        "consistent",
    ),
    Case(
        "anemia_back_pain_note_no_anemia",
        adult(sex="male", hb="15 g/dL", symptoms=["back_pain"]),
        "anemia_with_back_pain",
        "not_consistent",
    ),
    Case(
        "anemia_back_pain_note_hb_missing",
        adult(sex="male", symptoms=["back_pain"]),
        "anemia_with_back_pain",
        "indeterminate",
        missing_analytes=("hemoglobin",),
    ),
]


ESA_CONTEXT: list[Case] = [
    # ESA guideline context (a note): hemoglobin < 10 g/dL with chronic kidney disease or cancer
    # treatment reported (KDIGO 2012, ASCO/ASH 2019); never for plain anemia (issue 7).
    Case("esa_no_condition", adult(hb="9 g/dL"), "esa_guideline_context", "not_consistent"),
    Case(
        "esa_pregnancy_no_condition",
        adult(sex="female", pregnant=True, trimester=3, hb="9 g/dL"),
        "esa_guideline_context",
        "not_consistent",
    ),
    Case(
        "esa_cancer_treatment",
        adult(hb="9 g/dL", conditions=["cancer_treatment"]),
        "esa_guideline_context",
        "consistent",
    ),
    Case(
        "esa_other_condition",
        adult(hb="9 g/dL", conditions=["heart_failure"]),
        "esa_guideline_context",
        "not_consistent",
    ),
    Case("esa_9.9", ckd(hb="9.9 g/dL"), "esa_guideline_context", "consistent"),
    Case("esa_edge_10_g_dL", ckd(hb="10 g/dL"), "esa_guideline_context", "not_consistent"),
    Case("esa_edge_100_g_L", ckd(hb="100 g/L"), "esa_guideline_context", "not_consistent"),
    Case(
        "esa_edge_mmol",
        ckd(hb=mm(10, "g/dL", "mmol/L", "hemoglobin")),
        "esa_guideline_context",
        "not_consistent",
    ),
    Case("esa_99_g_L", ckd(hb="99 g/L"), "esa_guideline_context", "consistent"),
    Case(
        "esa_missing",
        ckd(),
        "esa_guideline_context",
        "indeterminate",
        missing_analytes=("hemoglobin",),
    ),
]


CASES: list[Case] = in_every_pack([*ALERTS_AND_NOTES, *ESA_CONTEXT])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check_case(case)


# --- population and age -----------------------------------------------------------------------


@pytest.mark.parametrize("name", PACK_NAMES)
@pytest.mark.parametrize("age", [0, 0.25, 0.49])
def test_age_below_population_makes_every_pattern_indeterminate(name: str, age: float) -> None:
    panel = {"age": age, "sex": "male", "hb": "7.5 g/dL", "ferritin": "8 ug/L", "tsat": "5 %"}
    result = run(panel, name)
    assert set(result.statuses().values()) == {"indeterminate"}
    for found in result.patterns:
        assert found.criteria.reason is not None
        assert "outside this pack's population" in found.criteria.reason
        assert "outside this pack's population" in found.label
        assert found.label.count("cannot be decided") == 1


def test_age_at_population_lower_bound_is_inside() -> None:
    result = run({"age": 15, "sex": "male", "hb": "7.5 g/dL"})
    assert result.pattern("severe_anemia").status == "consistent"
    assert result.assumptions == ()


def test_missing_age_is_recorded_as_an_assumption() -> None:
    result = run({"sex": "male", "hb": "7.5 g/dL"})
    assert result.pattern("severe_anemia").status == "consistent"
    assert len(result.assumptions) == 1
    assert result.assumptions[0] == (
        "age was not given; taken as 15 years or older (an adult), this pack's rule when age "
        "is unknown"
    )


def test_given_age_records_no_assumption() -> None:
    assert run(adult(hb="12 g/dL")).assumptions == ()


def test_male_implies_not_pregnant_for_context_dependent_cutoffs() -> None:
    # hb_severe has a pregnant and a not-pregnant cut-off; a male patient needs no answer.
    found = finding(adult(sex="male", hb="7.5 g/dL"), "severe_anemia")
    assert found.status == "consistent"
    assert found.missing_context == ()
    leaf = found.criteria
    assert len(leaf.cutoffs) == 1
    assert leaf.cutoffs[0].comparator == "<"
    assert leaf.cutoffs[0].value == 8
    assert leaf.cutoffs[0].unit == "g/dL"
