"""The analytes issue 7 added: spellings, conversions (research notes, section E), guards."""

from __future__ import annotations

import pytest

from labinterp import (
    ANALYTES,
    DimensionError,
    ImplausibleValueError,
    Measurement,
    Panel,
    UnknownUnitError,
    convert,
    normalize_unit,
)
from labinterp._units import EGFR_UNIT, conversion_factor, is_close

NEW = [
    "rbc",
    "hematocrit",
    "ldh",
    "haptoglobin",
    "bilirubin_total",
    "bilirubin_indirect",
    "stfr",
    "active_b12",
    "egfr",
    "creatinine",
]


def canonical(analyte: str, text: str) -> float:
    return Measurement.parse(analyte, text).canonical_value


# --- units --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "mL/min/{1.73_m2}",
        "mL/min/1.73m2",
        "ml/min/1.73m2",
        "mL/min/1.73 m2",
        "ml/min/1.73 m\u00b2",
        "mL/min/1.73m\u00b2",
        "mL/min/1.73m^2",
        "ml/min/1,73m2",
        "ml/min/1,73 m\u00b2",
        "ML/MIN/{1.73_M2}",
    ],
)
def test_egfr_unit_spellings_read_as_one_code(spelling: str) -> None:
    assert normalize_unit(spelling) == EGFR_UNIT


@pytest.mark.parametrize(
    "spelling",
    ["mL/min", "mL/min/1.73", "mL/min/1.73m", "ml/min/1,7m2", "mL/min/173m2", "mL/s/1.73m2"],
)
def test_near_egfr_spellings_are_refused(spelling: str) -> None:
    # A decimal comma is read only in the exact "1,73"; a clearance in mL/min is not an eGFR.
    with pytest.raises(UnknownUnitError):
        normalize_unit(spelling)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("U/L", "U/L"),
        ("U/l", "U/L"),
        ("IU/L", "U/L"),
        ("IU/l", "U/L"),
        ("IE/l", "U/L"),
        ("E/l", "U/L"),
        ("UI/L", "U/L"),
        ("ukat/L", "ukat/L"),
        ("\u00b5kat/l", "ukat/L"),
        ("UKAT/L", "ukat/L"),
        ("L/L", "1"),
        ("l/l", "1"),
    ],
)
def test_enzyme_and_volume_fraction_spellings(spelling: str, code: str) -> None:
    assert normalize_unit(spelling) == code


def test_one_microkatal_per_litre_is_sixty_enzyme_units() -> None:
    assert conversion_factor("ukat/L", "U/L") == pytest.approx(60.0, rel=1e-12)
    assert conversion_factor("U/L", "ukat/L") == pytest.approx(1 / 60.0, rel=1e-12)


# --- worked numbers (research notes, section E) --------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "text", "expected"),
    [
        ("bilirubin_total", "1.2 mg/dL", 20.52),  # 584.66 g/mol
        ("bilirubin_indirect", "1.2 mg/dL", 20.52),
        ("creatinine", "1.0 mg/dL", 88.40),  # 113.12 g/mol
        ("creatinine", "0.0884 mmol/L", 88.4),
        ("ldh", "3.70 ukat/L", 222.0),
        ("ldh", "222 IU/L", 222.0),
        ("haptoglobin", "25 mg/dL", 0.25),
        ("haptoglobin", "30 mg/dL", 0.30),
        ("hematocrit", "0.42 L/L", 42.0),
        ("hematocrit", "0.42 l/l", 42.0),
        ("hematocrit", "42 %", 42.0),
        ("rbc", "5.6 M/uL", 5.6),
        ("rbc", "4.2 T/L", 4.2),
        ("rbc", "4.8 x10^12/L", 4.8),
        ("stfr", "3.0 mg/L", 3.0),
        ("stfr", "3.0 ug/mL", 3.0),
        ("active_b12", "45 pmol/L", 45.0),
        ("egfr", "72 mL/min/1.73 m\u00b2", 72.0),
    ],
)
def test_values_convert_to_the_canonical_unit(analyte: str, text: str, expected: float) -> None:
    assert canonical(analyte, text) == pytest.approx(expected, abs=0.006)


def test_bilirubin_and_creatinine_convert_back() -> None:
    assert convert(21, "umol/L", "mg/dL", analyte="bilirubin") == pytest.approx(1.2278, abs=1e-4)
    assert convert(88.4, "umol/L", "mg/dL", analyte="creat") == pytest.approx(1.0, abs=1e-4)
    assert is_close(convert(222, "U/L", "ukat/L", analyte="ldh"), 3.7)


def test_a_censored_egfr_is_read() -> None:
    m = Measurement.parse("eGFR", ">90 mL/min/1.73m2")
    assert m.comparator == ">"
    assert m.canonical_value == 90
    assert m.canonical_unit == EGFR_UNIT


def test_a_panel_reads_every_new_analyte_by_its_report_name() -> None:
    panel = Panel.from_mapping(
        {
            "RBC": "4.1 10^12/L",
            "Hct": "0.33 l/l",
            "LDH": "3.70 ukat/L",
            "Haptoglobin": "<10 mg/dL",
            "T-Bili": "2.1 mg/dL",
            "Indirect bilirubin": "30 umol/L",
            "sTfR": "6.2 mg/L",
            "holoTC": "22 pmol/L",
            "eGFR": ">60 ml/min/1,73m2",
            "Crea": "1.1 mg/dL",
        }
    )
    assert list(panel.measurements) == NEW
    assert panel.hematocrit is not None
    assert panel.hematocrit.canonical_value == pytest.approx(33.0)
    assert panel.haptoglobin is not None
    assert panel.haptoglobin.canonical_interval[2] == pytest.approx(0.1)


# --- what is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "text", "did_you_mean"),
    [
        ("hematocrit", "0.42 %", "L/L"),  # a volume fraction written with '%'
        ("hematocrit", "42 L/L", "%"),
        ("haptoglobin", "150 g/L", "mg/dL"),
        ("ldh", "3.7 U/L", "ukat/L"),
        ("creatinine", "1.0 umol/L", "mg/dL"),
        ("rbc", "4.5 10*9/L", "10*12/L"),
    ],
)
def test_a_likely_unit_slip_is_refused_with_the_likely_unit(
    analyte: str, text: str, did_you_mean: str
) -> None:
    with pytest.raises(ImplausibleValueError) as info:
        Measurement.parse(analyte, text)
    assert info.value.suggestion == did_you_mean
    assert f"did you mean {did_you_mean}?" in str(info.value)


@pytest.mark.parametrize(
    ("analyte", "text", "reason"),
    [
        ("stfr", "25 nmol/L", "sTfR in nmol/L depends on the assay"),
        ("haptoglobin", "10 umol/L", "depends on the phenotype"),
        ("active_b12", "60 pg/mL", "a mass unit for it is not standard"),
        ("egfr", "90 mL/min", None),
        ("ldh", "200 mmol/L", None),
    ],
)
def test_units_of_another_kind_are_refused(analyte: str, text: str, reason: str | None) -> None:
    with pytest.raises((DimensionError, UnknownUnitError)) as info:
        Measurement.parse(analyte, text)
    assert str(info.value).startswith(f"{analyte}: ")
    if reason is not None:
        assert isinstance(info.value, DimensionError)
        assert reason in str(info.value)


@pytest.mark.parametrize(
    ("analyte", "text"),
    [
        ("rbc", "0 10*12/L"),
        ("rbc", "13 10*12/L"),
        ("hematocrit", "90 %"),
        ("ldh", "200000 U/L"),
        ("bilirubin_total", "2000 umol/L"),
        ("creatinine", "5000 umol/L"),
        ("egfr", "300 mL/min/1.73m2"),
        ("stfr", "250 mg/L"),
        ("haptoglobin", "11 g/L"),
    ],
)
def test_values_past_the_guards_are_refused(analyte: str, text: str) -> None:
    with pytest.raises(ImplausibleValueError):
        Measurement.parse(analyte, text)


@pytest.mark.parametrize(
    ("analyte", "text"),
    [("haptoglobin", "0 g/L"), ("bilirubin_indirect", "0 umol/L"), ("egfr", "4 mL/min/1.73m2")],
)
def test_real_extremes_are_read(analyte: str, text: str) -> None:
    # An undetectable haptoglobin is a real result (brisk haemolysis), so is an eGFR of 4.
    assert Measurement.parse(analyte, text).canonical_value >= 0


# --- LOINC ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "codes", "uncertain"),
    [
        ("rbc", {"789-8", "26453-1"}, set()),
        ("hematocrit", {"4544-3", "20570-8"}, {"20570-8"}),
        ("ldh", {"2532-0", "14804-9", "14805-6"}, {"14805-6"}),
        ("haptoglobin", {"4542-7", "46127-7"}, set()),
        ("bilirubin_total", {"1975-2", "14631-6", "77137-8"}, set()),
        ("bilirubin_indirect", {"1971-1", "14630-8"}, set()),
        ("stfr", {"30248-9"}, set()),
        ("active_b12", {"72160-5"}, set()),
        ("egfr", {"98979-8", "98980-6", "62238-1", "33914-3"}, {"62238-1", "33914-3"}),
        ("creatinine", {"2160-0", "14682-9"}, set()),
    ],
)
def test_loinc_codes_of_the_new_analytes(
    analyte: str, codes: set[str], uncertain: set[str]
) -> None:
    loinc = ANALYTES[analyte].loinc
    assert {c.code for c in loinc} == codes
    assert {c.code for c in loinc if c.uncertain} == uncertain


def test_molar_masses_of_the_new_analytes() -> None:
    for analyte in ("bilirubin_total", "bilirubin_indirect"):
        mm = ANALYTES[analyte].molar_mass
        assert mm is not None
        assert mm.grams_per_mole == pytest.approx(584.66)
    creatinine = ANALYTES["creatinine"].molar_mass
    assert creatinine is not None
    assert creatinine.grams_per_mole == pytest.approx(113.12)
    for analyte in ("rbc", "hematocrit", "ldh", "haptoglobin", "stfr", "active_b12", "egfr"):
        assert ANALYTES[analyte].molar_mass is None, analyte
