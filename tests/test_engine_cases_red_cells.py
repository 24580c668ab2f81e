"""Worked cases on hemoglobin and the red cells: anemia (WHO 2024 cut-offs by sex and
pregnancy), severe anemia, the WHO 2011 severity bands, red cell size, hemolysis, the
Mentzer index and the reticulocyte production index, under every bundled pack.

The table's rows and its conventions are described in tests/test_engine_cases.py."""

from __future__ import annotations

import pytest
from _case_table import Case, check_case, in_every_pack, mm
from _engine_helpers import adult

ANEMIA: list[Case] = [
    # anemia: WHO 2024 cut-offs by sex and pregnancy
    Case("hb_male_12.9", adult(sex="male", hb="12.9 g/dL"), "anemia", "consistent"),
    Case("hb_male_edge_13_g_dL", adult(sex="male", hb="13 g/dL"), "anemia", "not_consistent"),
    Case("hb_male_edge_130_g_L", adult(sex="male", hb="130 g/L"), "anemia", "not_consistent"),
    Case(
        "hb_male_edge_mmol",
        adult(sex="male", hb=mm(130, "g/L", "mmol/L", "hemoglobin")),
        "anemia",
        "not_consistent",
    ),
    Case(
        "hb_female_edge_120_g_L",
        adult(sex="female", pregnant=False, hb="120 g/L"),
        "anemia",
        "not_consistent",
    ),
    Case(
        "hb_female_edge_12_g_dL",
        adult(sex="female", pregnant=False, hb="12 g/dL"),
        "anemia",
        "not_consistent",
    ),
    Case(
        "hb_female_edge_mmol",
        adult(sex="female", pregnant=False, hb=mm(120, "g/L", "mmol/L", "hemoglobin")),
        "anemia",
        "not_consistent",
    ),
    Case(
        "hb_female_119.9_g_L",
        adult(sex="female", pregnant=False, hb="119.9 g/L"),
        "anemia",
        "consistent",
    ),
    Case(
        "hb_female_11.99_g_dL",
        adult(sex="female", pregnant=False, hb="11.99 g/dL"),
        "anemia",
        "consistent",
    ),
    Case(
        "hb_female_below_edge_mmol",
        adult(sex="female", pregnant=False, hb=mm(119.9, "g/L", "mmol/L", "hemoglobin")),
        "anemia",
        "consistent",
    ),
    Case(
        "hb_no_sex_12.5",
        adult(hb="12.5 g/dL"),
        "anemia",
        "indeterminate",
        missing_analytes=(),
        missing_context=("sex",),
        label_has=("cannot be decided without", "sex"),
    ),
    # Below every cut-off (male 130, female 120, pregnant 110 and 105 g/L): all contexts agree.
    Case("hb_no_context_10", adult(hb="10 g/dL"), "anemia", "consistent"),
    Case("hb_no_sex_not_pregnant_11", adult(hb="11 g/dL", pregnant=False), "anemia", "consistent"),
    # 11 g/dL is not below the 110 g/L cut-off of trimesters 1 and 3: pregnancy would matter.
    Case(
        "hb_no_context_11",
        adult(hb="11 g/dL"),
        "anemia",
        "indeterminate",
        missing_context=("pregnant",),
    ),
    Case("hb_no_context_14", adult(hb="14 g/dL"), "anemia", "not_consistent"),
    Case(
        "hb_female_pregnant_unknown_11.5",
        adult(sex="female", hb="11.5 g/dL"),
        "anemia",
        "indeterminate",
        missing_analytes=(),
        missing_context=("pregnant",),
        label_has=("the pregnancy status",),
    ),
    Case(
        "hb_t2_10.7",
        adult(sex="female", pregnant=True, trimester=2, hb="10.7 g/dL"),
        "anemia",
        "not_consistent",
    ),
    Case(
        "hb_t1_10.7",
        adult(sex="female", pregnant=True, trimester=1, hb="10.7 g/dL"),
        "anemia",
        "consistent",
    ),
    Case(
        "hb_t3_10.7",
        adult(sex="female", pregnant=True, trimester=3, hb="10.7 g/dL"),
        "anemia",
        "consistent",
    ),
    Case(
        "hb_t2_edge_105_g_L",
        adult(sex="female", pregnant=True, trimester=2, hb="105 g/L"),
        "anemia",
        "not_consistent",
    ),
    Case(
        "hb_t2_10.49_g_dL",
        adult(sex="female", pregnant=True, trimester=2, hb="10.49 g/dL"),
        "anemia",
        "consistent",
    ),
    Case(
        "hb_pregnant_no_trimester_10.7",
        adult(sex="female", pregnant=True, hb="10.7 g/dL"),
        "anemia",
        "indeterminate",
        missing_analytes=(),
        missing_context=("trimester",),
        label_has=("the trimester",),
    ),
    Case(
        "hb_missing",
        adult(sex="male"),
        "anemia",
        "indeterminate",
        missing_analytes=("hemoglobin",),
    ),
]


SEVERE_ANEMIA: list[Case] = [
    # severe anemia: < 8 g/dL, or < 70 g/L in pregnancy
    Case("severe_male_7.5", adult(sex="male", hb="7.5 g/dL"), "severe_anemia", "consistent"),
    Case("severe_male_edge_8", adult(sex="male", hb="8 g/dL"), "severe_anemia", "not_consistent"),
    Case(
        "severe_male_edge_80_g_L", adult(sex="male", hb="80 g/L"), "severe_anemia", "not_consistent"
    ),
    Case(
        "severe_male_edge_mmol",
        adult(sex="male", hb=mm(8, "g/dL", "mmol/L", "hemoglobin")),
        "severe_anemia",
        "not_consistent",
    ),
    Case(
        "severe_female_not_pregnant_7.9",
        adult(sex="female", pregnant=False, hb="7.9 g/dL"),
        "severe_anemia",
        "consistent",
    ),
    Case(
        "severe_pregnant_7.5",
        adult(sex="female", pregnant=True, trimester=2, hb="7.5 g/dL"),
        "severe_anemia",
        "not_consistent",
    ),
    Case(
        "severe_pregnant_edge_70_g_L",
        adult(sex="female", pregnant=True, hb="70 g/L"),
        "severe_anemia",
        "not_consistent",
    ),
    Case(
        "severe_pregnant_6.9",
        adult(sex="female", pregnant=True, hb="6.9 g/dL"),
        "severe_anemia",
        "consistent",
    ),
    Case(
        "severe_female_pregnant_unknown_7.5",
        adult(sex="female", hb="7.5 g/dL"),
        "severe_anemia",
        "indeterminate",
        missing_analytes=(),
        missing_context=("pregnant",),
    ),
    Case("severe_no_context_6.5", adult(hb="6.5 g/dL"), "severe_anemia", "consistent"),
    Case("severe_no_context_9", adult(hb="9 g/dL"), "severe_anemia", "not_consistent"),
    Case(
        "severe_missing",
        adult(sex="male"),
        "severe_anemia",
        "indeterminate",
        missing_analytes=("hemoglobin",),
    ),
]


RED_CELL_SIZE: list[Case] = [
    # red cell size: < 80 fL, 80-100 fL (both ends inclusive), > 100 fL
    Case("micro_79.9", adult(mcv="79.9 fL"), "microcytic", "consistent"),
    Case("micro_edge_80_fL", adult(mcv="80 fL"), "microcytic", "not_consistent"),
    Case("micro_edge_80_um3", adult(mcv="80 um3"), "microcytic", "not_consistent"),
    Case("micro_75_um3", adult(mcv="75 um3"), "microcytic", "consistent"),
    Case("micro_censored_lt70", adult(mcv="<70 fL"), "microcytic", "consistent"),
    # ">120 fL" is above 80 whatever its true value: it cannot be microcytic.
    Case("micro_censored_gt120", adult(mcv=">120 fL"), "microcytic", "not_consistent"),
    Case("micro_missing", adult(), "microcytic", "indeterminate", missing_analytes=("mcv",)),
    Case("normo_edge_80_fL", adult(mcv="80 fL"), "normocytic", "consistent"),
    Case("normo_edge_100_fL", adult(mcv="100 fL"), "normocytic", "consistent"),
    Case("normo_edge_100_um3", adult(mcv="100 um3"), "normocytic", "consistent"),
    Case("normo_90", adult(mcv="90 fL"), "normocytic", "consistent"),
    Case("normo_79.9", adult(mcv="79.9 fL"), "normocytic", "not_consistent"),
    Case("normo_100.1", adult(mcv="100.1 fL"), "normocytic", "not_consistent"),
    Case("normo_censored_gt120", adult(mcv=">120 fL"), "normocytic", "not_consistent"),
    Case("normo_missing", adult(), "normocytic", "indeterminate", missing_analytes=("mcv",)),
    Case("macro_edge_100_fL", adult(mcv="100 fL"), "macrocytic", "not_consistent"),
    Case("macro_edge_100_um3", adult(mcv="100 um3"), "macrocytic", "not_consistent"),
    Case("macro_100.1", adult(mcv="100.1 fL"), "macrocytic", "consistent"),
    Case("macro_120", adult(mcv="120 fL"), "macrocytic", "consistent"),
    Case("macro_censored_gt120", adult(mcv=">120 fL"), "macrocytic", "consistent"),
    Case("macro_censored_lt70", adult(mcv="<70 fL"), "macrocytic", "not_consistent"),
    Case("macro_missing", adult(), "macrocytic", "indeterminate", missing_analytes=("mcv",)),
]


ANEMIA_SEVERITY: list[Case] = [
    # WHO 2011 severity bands, kept by WHO 2024 (issue 7).
    Case("mild_male_12", adult(sex="male", hb="12 g/dL"), "mild_anemia", "consistent"),
    Case("mild_male_edge_110", adult(sex="male", hb="110 g/L"), "mild_anemia", "consistent"),
    Case("mild_male_10.9", adult(sex="male", hb="10.9 g/dL"), "mild_anemia", "not_consistent"),
    Case("mild_male_edge_130", adult(sex="male", hb="13 g/dL"), "mild_anemia", "not_consistent"),
    Case(
        "mild_female_11.5",
        adult(sex="female", pregnant=False, hb="11.5 g/dL"),
        "mild_anemia",
        "consistent",
    ),
    Case(
        "mild_no_sex_12.5",
        adult(hb="12.5 g/dL"),
        "mild_anemia",
        "indeterminate",
        missing_context=("sex",),
    ),
    Case(
        "mild_t2_uncertain_split",
        adult(sex="female", pregnant=True, trimester=2, hb="97 g/L"),
        "mild_anemia",
        "indeterminate",
        label_has=("second trimester",),
    ),
    Case("moderate_male_10", adult(sex="male", hb="10 g/dL"), "moderate_anemia", "consistent"),
    Case("moderate_male_edge_80", adult(sex="male", hb="80 g/L"), "moderate_anemia", "consistent"),
    Case("moderate_male_11", adult(sex="male", hb="11 g/dL"), "moderate_anemia", "not_consistent"),
    Case(
        "moderate_pregnant_7.5",
        adult(sex="female", pregnant=True, trimester=1, hb="7.5 g/dL"),
        "moderate_anemia",
        "consistent",
    ),
    Case(
        "moderate_female_7.5_pregnancy_unknown",
        adult(sex="female", hb="7.5 g/dL"),
        "moderate_anemia",
        "indeterminate",
        missing_context=("pregnant",),
    ),
]


HEMOLYSIS: list[Case] = [
    # Hemolysis: anemia, raised reticulocytes, a marker of breakdown (issue 7).
    Case(
        "hemolysis_ldh",
        adult(sex="male", hb="9 g/dL", retic="5 %", ldh="400 U/L"),
        "hemolysis",
        "consistent",
    ),
    Case(
        "hemolysis_haptoglobin_edge_25",
        adult(sex="male", hb="9 g/dL", retic="5 %", haptoglobin="25 mg/dL"),
        "hemolysis",
        "consistent",
    ),
    Case(
        "hemolysis_low_retic_megaloblastic_picture",
        adult(
            sex="male",
            hb="9 g/dL",
            retic="0.8 %",
            retic_abs="20 10*9/L",
            ldh="900 U/L",
            hct="27 %",
        ),
        "hemolysis",
        "not_consistent",
    ),
    Case(
        "hemolysis_no_markers",
        adult(sex="male", hb="9 g/dL", retic="5 %"),
        "hemolysis",
        "indeterminate",
    ),
]


THALASSEMIA_TRAIT: list[Case] = [
    # Mentzer index (MCV / RBC) below 13 with small cells and ferritin not low.
    Case(
        "thal_mentzer_11.6",
        adult(sex="male", mcv="65 fL", rbc="5.6 10*12/L", ferritin="80 ug/L"),
        "thalassemia_trait_possible",
        "consistent",
    ),
    Case(
        "thal_mentzer_17.1",
        adult(sex="male", mcv="65 fL", rbc="3.8 10*12/L", ferritin="80 ug/L"),
        "thalassemia_trait_possible",
        "not_consistent",
    ),
    Case(
        "thal_low_ferritin",
        adult(sex="male", mcv="65 fL", rbc="5.6 10*12/L", ferritin="10 ug/L"),
        "thalassemia_trait_possible",
        "not_consistent",
    ),
    Case(
        "thal_no_rbc",
        adult(sex="male", mcv="65 fL", ferritin="80 ug/L"),
        "thalassemia_trait_possible",
        "indeterminate",
        missing_analytes=("rbc",),
    ),
]


RETICULOCYTE_PRODUCTION: list[Case] = [
    # Reticulocyte production index: retic 6 %, Hct 27 % -> 6 x 27/45 / 2.0 = 1.8.
    Case(
        "hypo_rpi_1.8",
        adult(sex="male", hb="9 g/dL", retic="6 %", hct="27 %"),
        "hypoproliferative",
        "consistent",
    ),
    Case(
        "hypo_rpi_3.6",
        adult(sex="male", hb="9 g/dL", retic="12 %", hct="27 %"),
        "hypoproliferative",
        "not_consistent",
    ),
    Case(
        "hypo_rpi_borderline_2.4",
        adult(sex="male", hb="9 g/dL", retic="8 %", hct="27 %"),
        "hypoproliferative",
        "indeterminate",
        label_has=("borderline",),
    ),
    Case(
        "hyper_rpi_3.6",
        adult(sex="male", hb="9 g/dL", retic="12 %", hct="27 %"),
        "hyperproliferative",
        "consistent",
    ),
    Case(
        "hyper_rpi_1.8",
        adult(sex="male", hb="9 g/dL", retic="6 %", hct="27 %"),
        "hyperproliferative",
        "not_consistent",
    ),
    Case(
        "hyper_no_hematocrit",
        adult(sex="male", hb="9 g/dL", retic="12 %"),
        "hyperproliferative",
        "indeterminate",
        missing_analytes=("hematocrit",),
    ),
]


CASES: list[Case] = in_every_pack(
    [
        *ANEMIA,
        *SEVERE_ANEMIA,
        *RED_CELL_SIZE,
        *ANEMIA_SEVERITY,
        *HEMOLYSIS,
        *THALASSEMIA_TRAIT,
        *RETICULOCYTE_PRODUCTION,
    ]
)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check_case(case)
