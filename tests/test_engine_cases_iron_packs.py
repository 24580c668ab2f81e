"""Worked cases on iron deficiency under the other bundled packs: WHO 2020 (ferritin cut-offs
by inflammation, age and pregnancy) and ESC 2021 for heart failure.

The table's rows and its conventions are described in tests/test_engine_cases.py."""

from __future__ import annotations

from typing import Any

import pytest
from _case_table import Case, check_case, mm
from _engine_helpers import adult


def not_pregnant(**values: Any) -> dict[str, Any]:
    """An adult known not to be pregnant: WHO 2020 gives no ferritin cut-off after the first
    trimester, so without the pregnancy status the WHO pack cannot decide (cases below)."""
    return adult(pregnant=False, **values)


WHO_IRON: list[Case] = [
    Case(
        "who_50_crp_40",
        not_pregnant(ferritin="50 ug/L", crp="40 mg/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_50_crp_2",
        not_pregnant(ferritin="50 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_50_no_crp",
        not_pregnant(ferritin="50 ug/L"),
        "iron_deficiency",
        "indeterminate",
        pack="who_2020_ferritin",
        missing_analytes=("crp",),
        label_has=("cannot be decided without C-reactive protein",),
    ),
    Case(
        "who_10_no_crp",
        not_pregnant(ferritin="10 ug/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_80_no_crp",
        not_pregnant(ferritin="80 ug/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_edge_15_crp_2",
        not_pregnant(ferritin="15 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_edge_15_ng_mL_crp_2",
        not_pregnant(ferritin="15 ng/mL", crp="2 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_14.9_crp_2",
        not_pregnant(ferritin="14.9 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_edge_70_crp_40",
        not_pregnant(ferritin="70 ug/L", crp="40 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_edge_70_pmol_crp_40",
        not_pregnant(ferritin=mm(70, "ug/L", "pmol/L", "ferritin"), crp="40 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_69.9_crp_40",
        not_pregnant(ferritin="69.9 ug/L", crp="40 mg/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
    # CRP exactly 5 mg/L is not inflammation (> 5), so the 15 ug/L cut-off applies.
    Case(
        "who_50_crp_edge_5",
        not_pregnant(ferritin="50 ug/L", crp="5 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    # The seed definition and WHO's label different people (see the pack's header).
    Case(
        "who_20_tsat_10_crp_2",
        not_pregnant(ferritin="20 ug/L", tsat="10 %", crp="2 mg/L"),
        "iron_deficiency",
        "not_consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_50_tsat_25_crp_40",
        not_pregnant(ferritin="50 ug/L", tsat="25 %", crp="40 mg/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
    # A censored CRP that does not settle inflammation leaves the context itself unknown.
    Case(
        "who_50_crp_censored",
        not_pregnant(ferritin="50 ug/L", crp="<10 mg/L"),
        "iron_deficiency",
        "indeterminate",
        pack="who_2020_ferritin",
        missing_analytes=(),
        missing_context=("inflammation",),
    ),
    Case(
        "who_nothing",
        not_pregnant(),
        "iron_deficiency",
        "indeterminate",
        pack="who_2020_ferritin",
        missing_analytes=("ferritin",),
    ),
    # Pregnancy after the first trimester is not covered by WHO 2020 (issue 7).
    Case(
        "who_pregnant_t3_20",
        adult(sex="female", pregnant=True, trimester=3, ferritin="20 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "indeterminate",
        pack="who_2020_ferritin",
        missing_analytes=(),
        label_has=(
            "cannot be decided from these results",
            "not covered for pregnant, trimester 2/3: WHO 2020 gives a ferritin cut-off in "
            "pregnancy for the first trimester only",
        ),
    ),
    Case(
        "who_pregnant_t1_10",
        adult(sex="female", pregnant=True, trimester=1, ferritin="10 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
    Case(
        "who_pregnant_no_trimester",
        adult(sex="female", pregnant=True, ferritin="10 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "indeterminate",
        pack="who_2020_ferritin",
        missing_analytes=(),
        missing_context=("trimester",),
    ),
    Case(
        "who_pregnancy_unknown",
        adult(sex="female", ferritin="10 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "indeterminate",
        pack="who_2020_ferritin",
        missing_analytes=(),
        missing_context=("pregnant", "trimester"),
    ),
    Case(
        "who_male_pregnancy_not_asked",
        adult(sex="male", ferritin="10 ug/L", crp="2 mg/L"),
        "iron_deficiency",
        "consistent",
        pack="who_2020_ferritin",
    ),
]


HF_IRON: list[Case] = [
    Case(
        "hf_150_tsat_12",
        adult(ferritin="150 ug/L", tsat="12 %"),
        "iron_deficiency",
        "consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_150_tsat_25",
        adult(ferritin="150 ug/L", tsat="25 %"),
        "iron_deficiency",
        "not_consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_edge_300_tsat_10",
        adult(ferritin="300 ug/L", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_edge_300_ng_mL_tsat_10",
        adult(ferritin="300 ng/mL", tsat="10 %"),
        "iron_deficiency",
        "not_consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_299.9_tsat_10",
        adult(ferritin="299.9 ug/L", tsat="10 %"),
        "iron_deficiency",
        "consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_99",
        adult(ferritin="99 ug/L"),
        "iron_deficiency",
        "consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_edge_100_tsat_19.9",
        adult(ferritin="100 ug/L", tsat="19.9 %"),
        "iron_deficiency",
        "consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_edge_100_tsat_edge_20",
        adult(ferritin="100 ug/L", tsat="20 %"),
        "iron_deficiency",
        "not_consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_150_tsat_edge_0.2_fraction",
        adult(ferritin="150 ug/L", tsat="0.2 1"),
        "iron_deficiency",
        "not_consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_150_no_tsat",
        adult(ferritin="150 ug/L"),
        "iron_deficiency",
        "indeterminate",
        pack="heart_failure_esc_2021",
        missing_analytes=("transferrin_saturation",),
    ),
    Case(
        "hf_500_no_tsat",
        adult(ferritin="500 ug/L"),
        "iron_deficiency",
        "not_consistent",
        pack="heart_failure_esc_2021",
    ),
    Case(
        "hf_no_ferritin_tsat_10",
        adult(tsat="10 %"),
        "iron_deficiency",
        "indeterminate",
        pack="heart_failure_esc_2021",
        missing_analytes=("ferritin",),
    ),
    # Default pack: the same panel is not iron deficiency (ferritin is not < 30).
    Case(
        "default_150_tsat_12",
        adult(ferritin="150 ug/L", tsat="12 %"),
        "iron_deficiency",
        "not_consistent",
    ),
]


CASES: list[Case] = [*WHO_IRON, *HF_IRON]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check_case(case)
