"""Worked cases on iron: iron deficiency under the default pack (with missing and censored
results), functional iron deficiency and iron overload under every bundled pack.

The table's rows and its conventions are described in tests/test_engine_cases.py; iron
deficiency under the WHO 2020 and ESC 2021 packs is in tests/test_engine_cases_iron_packs.py."""

from __future__ import annotations

import pytest
from _case_table import Case, check_case, in_every_pack, mm
from _engine_helpers import adult, finding

IRON_OVERLOAD: list[Case] = [
    # EASL 2022 iron overload pairs.
    Case(
        "overload_male",
        adult(sex="male", tsat="60 %", ferritin="500 ug/L"),
        "iron_overload_possible",
        "consistent",
    ),
    Case(
        "overload_male_tsat_48",
        adult(sex="male", tsat="48 %", ferritin="500 ug/L"),
        "iron_overload_possible",
        "not_consistent",
    ),
    Case(
        "overload_female_between_pairs",
        adult(sex="female", tsat="47 %", ferritin="250 ug/L"),
        "iron_overload_possible",
        "indeterminate",
        label_has=("menopause",),
    ),
    Case(
        "overload_female_above_both_pairs",
        adult(sex="female", tsat="60 %", ferritin="500 ug/L"),
        "iron_overload_possible",
        "consistent",
    ),
    Case(
        "overload_no_tsat",
        adult(sex="male", ferritin="500 ug/L"),
        "iron_overload_possible",
        "indeterminate",
        missing_analytes=("transferrin_saturation",),
    ),
]


FUNCTIONAL_IRON_DEFICIENCY: list[Case] = [
    # Functional iron deficiency: KDIGO 2012 with CKD, ESC 2021 with heart failure.
    Case(
        "functional_ckd",
        adult(
            conditions=["chronic_kidney_disease"], tsat="25 %", ferritin="400 ug/L", hb="10 g/dL"
        ),
        "functional_iron_deficiency",
        "consistent",
    ),
    Case(
        "functional_ckd_edges_inclusive",
        adult(
            conditions=["chronic_kidney_disease"], tsat="30 %", ferritin="500 ug/L", hb="10 g/dL"
        ),
        "functional_iron_deficiency",
        "consistent",
    ),
    Case(
        "functional_ckd_ferritin_600",
        adult(
            conditions=["chronic_kidney_disease"], tsat="25 %", ferritin="600 ug/L", hb="10 g/dL"
        ),
        "functional_iron_deficiency",
        "not_consistent",
    ),
    Case(
        "functional_hf",
        adult(conditions=["heart_failure"], tsat="15 %", ferritin="150 ug/L"),
        "functional_iron_deficiency",
        "consistent",
    ),
    Case(
        "functional_no_condition",
        adult(tsat="15 %", ferritin="150 ug/L"),
        "functional_iron_deficiency",
        "not_consistent",
    ),
    # KDIGO 2012's limits are for chronic kidney disease with anemia.
    Case(
        "functional_ckd_no_hemoglobin",
        adult(conditions=["chronic_kidney_disease"], tsat="25 %", ferritin="400 ug/L"),
        "functional_iron_deficiency",
        "indeterminate",
        missing_analytes=("hemoglobin",),
    ),
    Case(
        "functional_ckd_without_anemia",
        adult(
            conditions=["chronic_kidney_disease"], tsat="25 %", ferritin="400 ug/L", hb="14 g/dL"
        ),
        "functional_iron_deficiency",
        "not_consistent",
    ),
    Case(
        "functional_ckd_no_tsat",
        adult(conditions=["chronic_kidney_disease"], ferritin="400 ug/L", hb="10 g/dL"),
        "functional_iron_deficiency",
        "indeterminate",
        missing_analytes=("transferrin_saturation",),
    ),
]


DEFAULT_IRON: list[Case] = [
    Case("id_typical", adult(ferritin="12 ng/mL", tsat="9 %"), "iron_deficiency", "consistent"),
    Case(
        "id_ferritin_edge_30_ug_L",
        adult(crp="2 mg/L", ferritin="30 ug/L", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_edge_30_ng_mL",
        adult(crp="2 mg/L", ferritin="30 ng/mL", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_edge_30000_ng_L",
        adult(crp="2 mg/L", ferritin="30000 ng/L", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_edge_0.03_mg_L",
        adult(crp="2 mg/L", ferritin="0.03 mg/L", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_edge_pmol",
        adult(crp="2 mg/L", ferritin=mm(30, "ug/L", "pmol/L", "ferritin"), tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_29.9_ug_L",
        adult(ferritin="29.9 ug/L", tsat="10 %"),
        "iron_deficiency",
        "consistent",
    ),
    Case(
        "id_ferritin_29.9_ng_mL",
        adult(ferritin="29.9 ng/mL", tsat="10 %"),
        "iron_deficiency",
        "consistent",
    ),
    Case(
        "id_tsat_edge_15_pct",
        adult(ferritin="20 ug/L", tsat="15 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_tsat_edge_0.15_fraction",
        adult(ferritin="20 ug/L", tsat="0.15 1"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_tsat_14.9_pct",
        adult(ferritin="10 ug/L", tsat="14.9 %"),
        "iron_deficiency",
        "consistent",
    ),
    Case(
        "id_tsat_0.149_fraction",
        adult(ferritin="10 ug/L", tsat="0.149 1"),
        "iron_deficiency",
        "consistent",
    ),
    # A missing value makes the pattern indeterminate only if it could change the outcome.
    Case(
        "id_ferritin_200_no_tsat", adult(ferritin="200 ug/L"), "iron_deficiency", "not_consistent"
    ),
    Case(
        "id_ferritin_50_no_tsat_no_inflammation",
        adult(ferritin="50 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "not_consistent",
    ),
    # Ferritin 30-100 ug/L without CRP or TSAT: inflammation could hide iron deficiency.
    Case(
        "id_ferritin_50_no_tsat",
        adult(ferritin="50 ug/L"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=("crp", "transferrin_saturation", "stfr"),
        label_has=("grey zone",),
    ),
    # TSAT 25 % without ferritin: a ferritin below 15 ug/L would count alone by WHO 2020.
    Case(
        "id_tsat_25_no_ferritin",
        adult(tsat="25 %"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=("ferritin",),
    ),
    Case(
        "id_ferritin_20_no_tsat",
        adult(ferritin="20 ug/L"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=("transferrin_saturation",),
        label_has=("cannot be decided without transferrin saturation",),
    ),
    # Ferritin below 15 ug/L with TSAT missing or normal: WHO 2020 counts ferritin alone, the
    # seed document asks for both; the label says so (issue 7).
    Case(
        "id_ferritin_10_no_tsat",
        adult(ferritin="10 ug/L"),
        "iron_deficiency",
        "indeterminate",
        label_has=("cannot be decided from these results", "WHO 2020"),
    ),
    Case(
        "id_ferritin_10_tsat_normal",
        adult(ferritin="10 ug/L", tsat="25 %"),
        "iron_deficiency",
        "indeterminate",
        label_has=("depleted iron stores",),
    ),
    Case(
        "id_tsat_10_no_ferritin",
        adult(tsat="10 %"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=("ferritin", "crp", "stfr"),
    ),
    Case(
        "id_nothing",
        adult(),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=("ferritin", "transferrin_saturation", "crp", "stfr"),
    ),
    # Censored results: "<5 ng/mL" is certainly < 30; "<50 ug/L" may or may not be.
    Case(
        "id_ferritin_censored_lt5",
        adult(ferritin="<5 ng/mL", tsat="10 %"),
        "iron_deficiency",
        "consistent",
    ),
    Case(
        "id_ferritin_censored_lt50",
        adult(crp="2 mg/L", ferritin="<50 ug/L", tsat="10 %"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=(),
        label_has=("cannot be decided", "<50 ug/L"),
    ),
    # "<50 ug/L" may be below 15 ug/L, where a normal TSAT leaves the pattern open.
    Case(
        "id_ferritin_censored_lt50_tsat_high",
        adult(crp="2 mg/L", ferritin="<50 ug/L", tsat="25 %"),
        "iron_deficiency",
        "indeterminate",
    ),
    Case(
        "id_ferritin_censored_le30",
        adult(crp="2 mg/L", ferritin="<=30 ug/L", tsat="10 %"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=(),
    ),
    Case(
        "id_ferritin_censored_lt30",
        adult(ferritin="<30 ug/L", tsat="10 %"),
        "iron_deficiency",
        "consistent",
    ),
    Case(
        "id_ferritin_censored_gt2000",
        adult(ferritin=">2000 ug/L", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_censored_gt10",
        adult(crp="2 mg/L", ferritin=">10 ug/L", tsat="10 %"),
        "iron_deficiency",
        "indeterminate",
        missing_analytes=(),
    ),
    # Ferritin 30-100 ug/L with inflammation and a low TSAT: a mixed picture the seed warns
    # about; indeterminate with the reason and what would decide it (issue 7).
    Case(
        "id_ferritin_50_crp_40",
        adult(ferritin="50 ug/L", tsat="10 %", crp="40 mg/L"),
        "iron_deficiency",
        "indeterminate",
        label_has=("cannot be decided from these results", "mixed picture"),
    ),
    Case(
        "id_ferritin_50_crp_40_tsat_normal",
        adult(ferritin="50 ug/L", tsat="25 %", crp="40 mg/L"),
        "iron_deficiency",
        "not_consistent",
    ),
    Case(
        "id_ferritin_150_crp_40",
        adult(ferritin="150 ug/L", tsat="10 %", crp="40 mg/L"),
        "iron_deficiency",
        "not_consistent",
    ),
]


CASES: list[Case] = [
    *in_every_pack([*IRON_OVERLOAD, *FUNCTIONAL_IRON_DEFICIENCY]),
    *DEFAULT_IRON,
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check_case(case)


# --- censored results: the reason is given ------------------------------------------------------


def test_censored_result_that_does_not_settle_says_why() -> None:
    found = finding(adult(ferritin="<50 ug/L", tsat="10 %"), "iron_deficiency")
    leaf = next(n for n in found.criteria.leaves() if n.analyte == "ferritin")
    assert leaf.outcome.value == "undecided"
    assert leaf.reason is not None
    assert "<50 ug/L" in leaf.reason
    assert "censored" in leaf.reason
    assert leaf.missing_analytes == ()


def test_censored_result_that_settles_has_no_reason() -> None:
    found = finding(adult(ferritin="<5 ng/mL", tsat="10 %"), "iron_deficiency")
    leaf = next(n for n in found.criteria.leaves() if n.analyte == "ferritin")
    assert leaf.outcome.value == "held"
    assert leaf.observed is not None
    assert leaf.observed.as_given == "<5 ng/mL"
    # A censored value has no point value to measure a margin from.
    assert leaf.margin is None


# --- supporting criteria and decisive tests ---------------------------------------------------


def test_supporting_criteria_are_reported_but_do_not_decide() -> None:
    found = finding(
        adult(ferritin="12 ng/mL", tsat="9 %", mcv="74 fL", crp="40 mg/L"), "iron_deficiency"
    )
    assert found.status == "consistent"
    # Inflammation is context for ferritin, not evidence for iron deficiency: not listed.
    assert [s.rule for s in found.supporting] == ["pattern microcytic"]
    assert all(s.outcome.value == "held" for s in found.supporting)
    without = finding(adult(ferritin="12 ng/mL", tsat="9 %"), "iron_deficiency")
    assert without.status == "consistent"


def test_decisive_tests_name_the_missing_analyte_first() -> None:
    found = finding(adult(sex="male", b12="250 ng/L"), "b12_deficiency")
    assert found.decisive_tests[0] == "methylmalonic acid"
    found = finding(adult(ferritin="20 ug/L"), "iron_deficiency")
    assert found.decisive_tests[0] == "transferrin saturation"
    # The pack says "CRP"; it is shown by the catalog's name, once.
    assert "C-reactive protein" in found.decisive_tests
    assert "CRP" not in found.decisive_tests
    assert len(set(found.decisive_tests)) == len(found.decisive_tests)
