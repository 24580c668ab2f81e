"""Worked cases on the flag of each analyte: low, normal, high, critical, censored results, an
unknown sex, and the laboratory's own reference interval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from _case_table import mm
from _engine_helpers import adult, finding, run

import labinterp
from labinterp import Measurement, convert


@dataclass(frozen=True)
class FlagCase:
    id: str
    panel: dict[str, Any]
    analyte: str
    flag: str
    code: str | None


FLAG_CASES = [
    FlagCase("mcv_low", adult(mcv="70 fL"), "mcv", "low", "L"),
    FlagCase("mcv_edge_80", adult(mcv="80 fL"), "mcv", "normal", "N"),
    FlagCase("mcv_normal", adult(mcv="90 fL"), "mcv", "normal", "N"),
    FlagCase("mcv_edge_100", adult(mcv="100 fL"), "mcv", "normal", "N"),
    FlagCase("mcv_high", adult(mcv="110 fL"), "mcv", "high", "H"),
    FlagCase("mcv_censored_high", adult(mcv=">120 fL"), "mcv", "high", "H"),
    FlagCase("mcv_censored_low", adult(mcv="<70 fL"), "mcv", "low", "L"),
    FlagCase("tibc_high", adult(tibc="500 ug/dL"), "tibc", "high", "H"),
    FlagCase(
        "tsat_female_low", adult(sex="female", tsat="10 %"), "transferrin_saturation", "low", "L"
    ),
    FlagCase(
        "tsat_female_edge_15",
        adult(sex="female", tsat="15 %"),
        "transferrin_saturation",
        "normal",
        "N",
    ),
    FlagCase("tsat_male_15", adult(sex="male", tsat="15 %"), "transferrin_saturation", "low", "L"),
    FlagCase("tsat_no_sex_15", adult(tsat="15 %"), "transferrin_saturation", "undetermined", None),
    FlagCase("tsat_no_sex_60", adult(tsat="60 %"), "transferrin_saturation", "high", "H"),
    FlagCase("hb_male_low", adult(sex="male", hb="12.5 g/dL"), "hemoglobin", "low", "L"),
    # The pack sets only a lower limit for hemoglobin: above it is "not low", never "normal".
    FlagCase("hb_male_not_low", adult(sex="male", hb="14 g/dL"), "hemoglobin", "not low", None),
    FlagCase(
        "hb_female_not_low",
        adult(sex="female", pregnant=False, hb="12.5 g/dL"),
        "hemoglobin",
        "not low",
        None,
    ),
    # Critical low: 65 g/L, exclusive.
    FlagCase(
        "hb_critical_6_g_dL",
        adult(sex="female", pregnant=False, hb="6 g/dL"),
        "hemoglobin",
        "critically low",
        "LL",
    ),
    FlagCase(
        "hb_critical_60_g_L", adult(sex="male", hb="60 g/L"), "hemoglobin", "critically low", "LL"
    ),
    FlagCase("hb_critical_no_sex", adult(hb="6 g/dL"), "hemoglobin", "critically low", "LL"),
    # A censored result that may lie past the critical limit says so (issue 7): never plain "low".
    FlagCase(
        "hb_censored_possibly_critical",
        adult(sex="male", hb="<7 g/dL"),
        "hemoglobin",
        "low, possibly critically low",
        None,
    ),
    FlagCase(
        "hb_censored_wholly_critical",
        adult(sex="male", hb="<6 g/dL"),
        "hemoglobin",
        "critically low",
        "LL",
    ),
    FlagCase(
        "hb_censored_at_critical_edge",
        adult(sex="male", hb="<=65 g/L"),
        "hemoglobin",
        "low, possibly critically low",
        None,
    ),
    FlagCase(
        "hb_censored_below_critical_edge",
        adult(sex="male", hb="<65 g/L"),
        "hemoglobin",
        "critically low",
        "LL",
    ),
    FlagCase("hb_edge_critical_65_g_L", adult(sex="male", hb="65 g/L"), "hemoglobin", "low", "L"),
    FlagCase(
        "hb_edge_critical_mmol",
        adult(sex="male", hb=mm(65, "g/L", "mmol/L", "hemoglobin")),
        "hemoglobin",
        "low",
        "L",
    ),
    # Sex unknown: 12.5 g/dL is low for a man and normal for a woman.
    FlagCase("hb_no_sex_undetermined", adult(hb="12.5 g/dL"), "hemoglobin", "undetermined", None),
    FlagCase("hb_no_sex_all_low", adult(hb="9 g/dL"), "hemoglobin", "low", "L"),
    FlagCase(
        "hb_censored_high_male", adult(sex="male", hb=">20 g/dL"), "hemoglobin", "not low", None
    ),
    FlagCase(
        "iron_lab_interval_low",
        adult(
            sex="female",
            iron={
                "value": 55,
                "unit": "ug/dL",
                "reference_interval": {"low": 60, "high": 170, "unit": "ug/dL"},
            },
        ),
        "iron",
        "low",
        "L",
    ),
    FlagCase(
        "iron_pack_interval_female", adult(sex="female", iron="55 ug/dL"), "iron", "normal", "N"
    ),
    FlagCase(
        "ferritin_lab_interval_high",
        adult(
            ferritin={
                "value": 400,
                "unit": "ug/L",
                "reference_interval": {"low": 15, "high": 150, "unit": "ng/mL"},
            }
        ),
        "ferritin",
        "high",
        "H",
    ),
    FlagCase(
        "ferritin_lab_interval_edge",
        adult(
            ferritin={
                "value": 150,
                "unit": "ug/L",
                "reference_interval": {"low": 15, "high": 150, "unit": "ng/mL"},
            }
        ),
        "ferritin",
        "normal",
        "N",
    ),
    # The pack's ferritin interval: WHO 2020 decision limits, 15-150 ug/L (F), 15-200 ug/L (M).
    FlagCase("ferritin_normal_any_sex", adult(ferritin="40 ug/L"), "ferritin", "normal", "N"),
    FlagCase("ferritin_low_any_sex", adult(ferritin="10 ug/L"), "ferritin", "low", "L"),
    FlagCase(
        "ferritin_170_female", adult(sex="female", ferritin="170 ug/L"), "ferritin", "high", "H"
    ),
    FlagCase(
        "ferritin_170_male", adult(sex="male", ferritin="170 ug/L"), "ferritin", "normal", "N"
    ),
    FlagCase("ferritin_170_no_sex", adult(ferritin="170 ug/L"), "ferritin", "undetermined", None),
    FlagCase("crp_not_high", adult(crp="3 mg/L"), "crp", "not high", None),
    FlagCase("crp_high", adult(crp="12 mg/L"), "crp", "high", "H"),
    FlagCase("mma_high", adult(mma="300 nmol/L"), "methylmalonic_acid", "high", "H"),
    FlagCase("folate_low", adult(folate="4 ng/mL"), "folate", "low", "L"),
    FlagCase(
        "retic_abs_high", adult(retic_abs="150 10*9/L"), "reticulocytes_absolute", "high", "H"
    ),
]


def test_every_measured_analyte_has_a_reference_interval_in_the_default_pack() -> None:
    # Issue 7: no measured analyte prints "no reference interval" with the default pack.
    # Transferrin is left out: no interval with a source we could check has been found yet.
    panel = {
        "ferritin": "40 ug/L",
        "tsat": "25 %",
        "iron": "90 ug/dL",
        "tibc": "300 ug/dL",
        "hemoglobin": "13 g/dL",
        "mcv": "90 fL",
        "rdw": "13 %",
        "reticulocytes": "1 %",
        "reticulocytes_absolute": "50 10*9/L",
        "b12": "400 ng/L",
        "mma": "150 nmol/L",
        "homocysteine": "9 umol/L",
        "folate": "8 ng/mL",
        "crp": "2 mg/L",
        "esr": "10 mm/h",
    }
    # The analytes issue 7 added to the catalog, with their default-pack intervals.
    panel |= {
        "rbc": "4.5 10*12/L",
        "hematocrit": "40 %",
        "ldh": "180 U/L",
        "haptoglobin": "1 g/L",
        "bilirubin_total": "10 umol/L",
        "bilirubin_indirect": "8 umol/L",
        "stfr": "3 mg/L",
        "active_b12": "60 pmol/L",
        "egfr": "90 mL/min/1.73m2",
        "creatinine": "80 umol/L",
    }
    measured = [a for a in labinterp.ANALYTES.values() if a.derived is None]
    assert len(panel) == len(measured) - 1
    flags = run(adult(sex="female", pregnant=False, **panel)).flags
    assert len(flags) == len(panel)
    assert [f.analyte for f in flags if f.flag == "no reference interval"] == []


@pytest.mark.parametrize("case", FLAG_CASES, ids=[c.id for c in FLAG_CASES])
def test_flag(case: FlagCase) -> None:
    result = run(case.panel)
    flag = result.flag(case.analyte)
    assert flag is not None
    assert (flag.flag, flag.code) == (case.flag, case.code), flag


def test_undetermined_hemoglobin_flag_names_the_missing_context() -> None:
    flag = run(adult(hb="12.5 g/dL")).flag("hemoglobin")
    assert flag is not None
    assert flag.code is None
    assert "sex" in flag.missing_context


def test_lab_interval_flag_reports_the_lab_source_and_bounds() -> None:
    flag = run(
        adult(
            sex="female",
            iron={
                "value": 55,
                "unit": "ug/dL",
                "reference_interval": {"low": 60, "high": 170, "unit": "ug/dL"},
            },
        )
    ).flag("iron")
    assert flag is not None
    assert flag.interval_source == "the laboratory's own reference interval"
    assert flag.low == pytest.approx(convert(60, "ug/dL", "umol/L", analyte="iron"))
    assert flag.high == pytest.approx(convert(170, "ug/dL", "umol/L", analyte="iron"))
    assert flag.unit == "umol/L"


def test_lab_interval_decides_the_reference_position_in_the_trace() -> None:
    panel = adult(
        sex="female",
        mcv="90 fL",
        iron={
            "value": 55,
            "unit": "ug/dL",
            "reference_interval": {"low": 60, "high": 170, "unit": "ug/dL"},
        },
        tibc="200 ug/dL",
        ferritin="150 ug/L",
    )
    found = finding(panel, "anemia_of_inflammation")
    iron = next(n for n in found.criteria.children if n.analyte == "iron")
    assert iron.kind == "reference"
    assert iron.outcome.value == "held"
    assert [c.source_id for c in iron.cutoffs] == ["lab"]
    # The pack's own (female) interval would not call 55 ug/dL low.
    plain = dict(panel, iron="55 ug/dL")
    iron = next(
        n for n in finding(plain, "anemia_of_inflammation").criteria.children if n.analyte == "iron"
    )
    assert iron.outcome.value == "failed"
    assert [c.source_id for c in iron.cutoffs] == ["fairbanks_1990_iron"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (">250 ug/L", ("high, possibly critically high", None)),
        (">300 ug/L", ("critically high", "HH")),
        (">=300 ug/L", ("high, possibly critically high", None)),
        ("250 ug/L", ("high", "H")),
        (">150 ug/L", None),
    ],
)
def test_censored_high_result_that_may_be_critical_says_so(
    given: str, expected: tuple[str, str | None] | None
) -> None:
    from labinterp._result_flags import verdict
    from labinterp._rules import flag_bands

    bands = flag_bands(20.0, 200.0, None, 300.0)
    assert verdict(Measurement.parse("ferritin", given), bands) == expected
