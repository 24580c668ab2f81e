"""Worked cases on vitamin B12 and folate: deficiency, the grey zones that MMA and homocysteine
decide, and the mixed deficiency picture, under every bundled pack.

The table's rows and its conventions are described in tests/test_engine_cases.py."""

from __future__ import annotations

import pytest
from _case_table import Case, check_case, in_every_pack, mm
from _engine_helpers import adult

B12: list[Case] = [
    # B12: < 180 ng/L; 180-350 ng/L is NICE's grey zone where MMA > 271 nmol/L decides.
    Case("b12_179.9_ng_L", adult(sex="male", b12="179.9 ng/L"), "b12_deficiency", "consistent"),
    Case(
        "b12_below_edge_pmol",
        adult(sex="male", b12=mm(179.9, "ng/L", "pmol/L", "vitamin_b12")),
        "b12_deficiency",
        "consistent",
    ),
    Case("b12_100_pg_mL", adult(sex="male", b12="100 pg/mL"), "b12_deficiency", "consistent"),
    Case(
        "b12_edge_180_ng_L",
        adult(sex="male", b12="180 ng/L"),
        "b12_deficiency",
        "indeterminate",
        missing_analytes=("methylmalonic_acid",),
        label_has=("cannot be decided without methylmalonic acid",),
    ),
    Case(
        "b12_edge_180_pmol",
        adult(sex="male", b12=mm(180, "ng/L", "pmol/L", "vitamin_b12")),
        "b12_deficiency",
        "indeterminate",
        missing_analytes=("methylmalonic_acid",),
    ),
    Case(
        "b12_edge_180_pg_mL",
        adult(sex="male", b12="180 pg/mL"),
        "b12_deficiency",
        "indeterminate",
        missing_analytes=("methylmalonic_acid",),
    ),
    Case(
        "b12_grey_no_mma",
        adult(sex="male", b12="250 ng/L"),
        "b12_deficiency",
        "indeterminate",
        missing_analytes=("methylmalonic_acid",),
    ),
    Case(
        "b12_grey_mma_high",
        adult(sex="male", b12="250 ng/L", mma="300 nmol/L"),
        "b12_deficiency",
        "consistent",
    ),
    Case(
        "b12_grey_mma_high_umol",
        adult(sex="male", b12="250 ng/L", mma="0.3 umol/L"),
        "b12_deficiency",
        "consistent",
    ),
    Case(
        "b12_grey_mma_edge_271",
        adult(sex="male", b12="250 ng/L", mma="271 nmol/L"),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_grey_mma_edge_umol",
        adult(sex="male", b12="250 ng/L", mma="0.271 umol/L"),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_grey_mma_edge_ug_L",
        adult(sex="male", b12="250 ng/L", mma=mm(271, "nmol/L", "ug/L", "methylmalonic_acid")),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_grey_mma_low",
        adult(sex="male", b12="250 ng/L", mma="150 nmol/L"),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_grey_edge_350_no_mma",
        adult(sex="male", b12="350 ng/L"),
        "b12_deficiency",
        "indeterminate",
        missing_analytes=("methylmalonic_acid",),
    ),
    Case("b12_350.1_ng_L", adult(sex="male", b12="350.1 ng/L"), "b12_deficiency", "not_consistent"),
    Case(
        "b12_above_400_pg_mL",
        adult(sex="male", b12="400 pg/mL"),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_above_edge_pmol",
        adult(sex="male", b12=mm(351, "ng/L", "pmol/L", "vitamin_b12")),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_above_350_mma_high",
        adult(sex="male", b12="500 ng/L", mma="400 nmol/L"),
        "b12_deficiency",
        "not_consistent",
    ),
    Case(
        "b12_missing_mma_high",
        adult(mma="400 nmol/L"),
        "b12_deficiency",
        "indeterminate",
        missing_analytes=("vitamin_b12",),
    ),
]


FOLATE: list[Case] = [
    # folate: < 3 ng/mL
    Case("folate_2.9_ng_mL", adult(folate="2.9 ng/mL"), "folate_deficiency", "consistent"),
    Case(
        "folate_edge_3_ng_mL",
        adult(folate="3 ng/mL", hcy="9 umol/L"),
        "folate_deficiency",
        "not_consistent",
    ),
    Case(
        "folate_edge_3_ug_L",
        adult(folate="3 ug/L", hcy="9 umol/L"),
        "folate_deficiency",
        "not_consistent",
    ),
    Case(
        "folate_edge_nmol",
        adult(folate=mm(3, "ng/mL", "nmol/L", "folate"), hcy="9 umol/L"),
        "folate_deficiency",
        "not_consistent",
    ),
    Case("folate_6_nmol", adult(folate="6 nmol/L"), "folate_deficiency", "consistent"),
    Case("folate_20_nmol", adult(folate="20 nmol/L"), "folate_deficiency", "not_consistent"),
    # 3 ng/mL (6.8 nmol/L) to 10 nmol/L: possible deficiency; homocysteine > 15 umol/L decides.
    Case(
        "folate_grey_zone_no_homocysteine",
        adult(folate="8 nmol/L"),
        "folate_deficiency",
        "indeterminate",
        missing_analytes=("homocysteine",),
    ),
    Case(
        "folate_grey_zone_high_homocysteine",
        adult(folate="8 nmol/L", hcy="22 umol/L"),
        "folate_deficiency",
        "consistent",
    ),
    Case(
        "folate_grey_zone_normal_homocysteine",
        adult(folate="8 nmol/L", hcy="9 umol/L"),
        "folate_deficiency",
        "not_consistent",
    ),
    Case(
        "folate_edge_10_nmol",
        adult(folate="10 nmol/L", hcy="22 umol/L"),
        "folate_deficiency",
        "not_consistent",
    ),
    Case(
        "folate_4_ng_mL_is_below_10_nmol",
        adult(folate="4 ng/mL", hcy="22 umol/L"),
        "folate_deficiency",
        "consistent",
    ),
    Case(
        "folate_missing",
        adult(),
        "folate_deficiency",
        "indeterminate",
        missing_analytes=("folate", "homocysteine"),
    ),
]


MIXED_DEFICIENCY: list[Case] = [
    # Mixed deficiency: normal MCV, raised RDW, a low marker (the seed's pitfall).
    Case(
        "mixed_typical",
        adult(sex="male", mcv="90 fL", rdw="17 %", ferritin="10 ug/L"),
        "mixed_deficiency_possible",
        "consistent",
    ),
    Case(
        "mixed_rdw_normal",
        adult(sex="male", mcv="90 fL", rdw="13 %", ferritin="10 ug/L"),
        "mixed_deficiency_possible",
        "not_consistent",
    ),
    Case(
        "mixed_no_rdw",
        adult(sex="male", mcv="90 fL", ferritin="10 ug/L"),
        "mixed_deficiency_possible",
        "indeterminate",
        missing_analytes=("rdw",),
    ),
]


CASES: list[Case] = in_every_pack([*B12, *FOLATE, *MIXED_DEFICIENCY])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check_case(case)
