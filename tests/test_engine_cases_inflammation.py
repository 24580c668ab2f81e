"""Worked cases on inflammation: CRP above 5 mg/L, and the anemia of inflammation (anemia with
low iron and TIBC and a ferritin above 100 ug/L), under every bundled pack.

The table's rows and its conventions are described in tests/test_engine_cases.py."""

from __future__ import annotations

import pytest
from _case_table import Case, check_case, in_every_pack, mm
from _engine_helpers import adult

INFLAMMATION: list[Case] = [
    # inflammation: CRP > 5 mg/L
    Case("crp_40", adult(crp="40 mg/L"), "inflammation", "consistent"),
    Case("crp_2", adult(crp="2 mg/L"), "inflammation", "not_consistent"),
    Case("crp_edge_5_mg_L", adult(crp="5 mg/L"), "inflammation", "not_consistent"),
    Case("crp_edge_0.5_mg_dL", adult(crp="0.5 mg/dL"), "inflammation", "not_consistent"),
    Case("crp_5.1_mg_L", adult(crp="5.1 mg/L"), "inflammation", "consistent"),
    Case("crp_0.51_mg_dL", adult(crp="0.51 mg/dL"), "inflammation", "consistent"),
    Case("crp_missing", adult(), "inflammation", "indeterminate", missing_analytes=("crp",)),
    Case(
        "crp_censored_lt10",
        adult(crp="<10 mg/L"),
        "inflammation",
        "indeterminate",
        missing_analytes=(),
    ),
    Case("crp_censored_lt5", adult(crp="<5 mg/L"), "inflammation", "not_consistent"),
    Case("crp_censored_le5", adult(crp="<=5 mg/L"), "inflammation", "not_consistent"),
    Case("crp_censored_gt10", adult(crp=">10 mg/L"), "inflammation", "consistent"),
    # ">3 mg/L" allows 4 (not inflamed) and 40 (inflamed): the comparison is not settled.
    Case(
        "crp_censored_gt3",
        adult(crp=">3 mg/L"),
        "inflammation",
        "indeterminate",
        missing_analytes=(),
    ),
    # ">=5 mg/L" allows exactly 5, which is not above 5.
    Case(
        "crp_censored_ge5",
        adult(crp=">=5 mg/L"),
        "inflammation",
        "indeterminate",
        missing_analytes=(),
    ),
]


ANEMIA_OF_INFLAMMATION: list[Case] = [
    # anemia of inflammation: anemia, MCV within, iron below, TIBC below its interval,
    # ferritin > 100
    # A pattern named for anemia requires anemia: Hb 14.8 g/dL in a man rules it out (issue 7).
    Case(
        "aoi_needs_anemia",
        adult(
            sex="male",
            hb="14.8 g/dL",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin="350 ug/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_hemoglobin_missing",
        adult(sex="male", mcv="90 fL", iron="40 ug/dL", tibc="200 ug/dL", ferritin="350 ug/L"),
        "anemia_of_inflammation",
        "indeterminate",
        missing_analytes=("hemoglobin",),
    ),
    Case(
        "aoi_typical",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "consistent",
    ),
    Case(
        "aoi_ferritin_edge_100_ug_L",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin="100 ug/L",
            crp="2 mg/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_ferritin_edge_100_ng_mL",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin="100 ng/mL",
            crp="2 mg/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_ferritin_censored_gt2000",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin=">2000 ug/L",
        ),
        "anemia_of_inflammation",
        "consistent",
    ),
    Case(
        "aoi_ferritin_censored_lt50",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin="<50 ug/L",
            crp="2 mg/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_microcytic",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="75 fL",
            iron="40 ug/dL",
            tibc="200 ug/dL",
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_tibc_edge_250_ug_dL",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc="250 ug/dL",
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_tibc_edge_umol",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="40 ug/dL",
            tibc=mm(250, "ug/dL", "umol/L", "tibc"),
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    Case(
        "aoi_tibc_missing",
        adult(hb="10 g/dL", sex="female", mcv="90 fL", iron="40 ug/dL", ferritin="150 ug/L"),
        "anemia_of_inflammation",
        "indeterminate",
        missing_analytes=("tibc",),
    ),
    # Iron 55 ug/dL: below the male interval (65) but not the female one (50).
    Case(
        "aoi_iron_55_no_sex",
        adult(hb="10 g/dL", mcv="90 fL", iron="55 ug/dL", tibc="200 ug/dL", ferritin="150 ug/L"),
        "anemia_of_inflammation",
        "indeterminate",
        missing_analytes=(),
        missing_context=("sex",),
    ),
    Case(
        "aoi_iron_55_female_pack_interval",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron="55 ug/dL",
            tibc="200 ug/dL",
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "not_consistent",
    ),
    # The lab's own interval (60-170 ug/dL) is used in preference to the pack's (50-170).
    Case(
        "aoi_iron_55_female_lab_interval",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron={
                "value": 55,
                "unit": "ug/dL",
                "reference_interval": {"low": 60, "high": 170, "unit": "ug/dL"},
            },
            tibc="200 ug/dL",
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "consistent",
    ),
    Case(
        "aoi_iron_55_lab_interval_in_umol",
        adult(
            hb="10 g/dL",
            sex="female",
            mcv="90 fL",
            iron={
                "value": 55,
                "unit": "ug/dL",
                "reference_interval": {"low": 10.7, "high": 30.4, "unit": "umol/L"},
            },
            tibc="200 ug/dL",
            ferritin="150 ug/L",
        ),
        "anemia_of_inflammation",
        "consistent",
    ),
]


CASES: list[Case] = in_every_pack([*INFLAMMATION, *ANEMIA_OF_INFLAMMATION])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check_case(case)
