"""The analyte catalog (labinterp._analytes)."""

from __future__ import annotations

import dataclasses
import math
import re
import typing

import pytest

from labinterp import (
    ANALYTES,
    Analyte,
    Dimension,
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    LabinterpError,
    MissingMolarMassError,
    Panel,
    UnknownAnalyteError,
    UnknownUnitError,
)
from labinterp._analytes import (
    AnalyteId,
    get_analyte,
    loinc_check_digit_ok,
    resolve_analyte_id,
)
from labinterp._units import known_units, normalize_unit

EXPECTED_IDS = {
    "ferritin",
    "transferrin_saturation",
    "iron",
    "tibc",
    "transferrin",
    "hemoglobin",
    "mcv",
    "rdw",
    "reticulocytes",
    "reticulocytes_absolute",
    "vitamin_b12",
    "methylmalonic_acid",
    "homocysteine",
    "folate",
    "crp",
    "esr",
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
}
DERIVED_IDS = {"mentzer_index", "reticulocyte_production_index", "stfr_ferritin_index"}
MEASURED = [a for a in ANALYTES.values() if a.derived is None]

ALL_LOINC = [(a.id, code.code) for a in ANALYTES.values() for code in a.loinc]


def _key(name: str) -> str:
    """How the catalog compares names: case, spaces, hyphens and dots do not matter."""
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


# --- the catalog -------------------------------------------------------------------------------


def test_catalog_has_exactly_the_expected_ids() -> None:
    assert len(ANALYTES) == 29
    assert set(ANALYTES) == EXPECTED_IDS | DERIVED_IDS
    assert {a.id for a in MEASURED} == EXPECTED_IDS
    for analyte_id, analyte in ANALYTES.items():
        assert analyte.id == analyte_id


def test_static_ids_and_panel_fields_follow_the_catalog_in_order() -> None:
    # AnalyteId and Panel's fields are written out for type checkers; the catalog file is
    # the truth, so the three must agree, in order.
    assert typing.get_args(AnalyteId) == tuple(ANALYTES)
    fields = [name for name in Panel.model_fields if name in ANALYTES]
    assert fields == [a.id for a in MEASURED]


def test_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        ANALYTES["x"] = ANALYTES["ferritin"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ANALYTES["ferritin"].canonical_unit = "ng/mL"  # type: ignore[misc]


@pytest.mark.parametrize(("analyte", "code"), ALL_LOINC)
def test_every_loinc_code_passes_its_check_digit(analyte: str, code: str) -> None:
    assert loinc_check_digit_ok(code), f"{analyte}: {code}"
    # ... and no other check digit would: the check is not vacuous.
    body, check = code.split("-")
    for digit in "0123456789":
        if digit != check:
            assert not loinc_check_digit_ok(f"{body}-{digit}")


def test_loinc_codes_are_unique_across_the_catalog() -> None:
    codes = [code for _, code in ALL_LOINC]
    assert len(codes) == len(set(codes))


def test_circulating_b12_code_fails_the_check_digit() -> None:
    assert not loinc_check_digit_ok("14685-3")
    assert loinc_check_digit_ok("14685-2")
    b12_codes = {c.code for c in ANALYTES["vitamin_b12"].loinc}
    assert "14685-2" in b12_codes
    assert "14685-3" not in b12_codes


@pytest.mark.parametrize("code", ["", "2276", "22764", "2276-", "-4", "abc-4", "2276-44", "2276_4"])
def test_malformed_loinc_codes_fail(code: str) -> None:
    assert not loinc_check_digit_ok(code)


# --- names -------------------------------------------------------------------------------------

ALIASES = [
    ("tsat", "transferrin_saturation"),
    ("TSAT", "transferrin_saturation"),
    ("b12", "vitamin_b12"),
    ("B12", "vitamin_b12"),
    ("Vit B12", "vitamin_b12"),
    ("cobalamin", "vitamin_b12"),
    ("mma", "methylmalonic_acid"),
    ("MMA", "methylmalonic_acid"),
    ("hgb", "hemoglobin"),
    ("HGB", "hemoglobin"),
    ("hb", "hemoglobin"),
    ("Hb", "hemoglobin"),
    ("haemoglobin", "hemoglobin"),
    ("fe", "iron"),
    ("Fe", "iron"),
    ("hcy", "homocysteine"),
    ("retic", "reticulocytes"),
    ("retics", "reticulocytes"),
    ("retic_abs", "reticulocytes_absolute"),
    ("esr", "esr"),
    ("ESR", "esr"),
    ("sed_rate", "esr"),
    ("sed rate", "esr"),
    ("Sed-Rate", "esr"),
    ("westergren", "esr"),
    ("BSG", "esr"),
    ("bsr", "esr"),
    ("Erythrocyte Sedimentation Rate", "esr"),
    (" ferritin ", "ferritin"),
    ("Transferrin Saturation", "transferrin_saturation"),
]


@pytest.mark.parametrize(("name", "analyte_id"), ALIASES)
def test_aliases_resolve(name: str, analyte_id: str) -> None:
    assert resolve_analyte_id(name) == analyte_id
    assert get_analyte(name) is ANALYTES[analyte_id]


@pytest.mark.parametrize("analyte", list(ANALYTES.values()), ids=list(ANALYTES))
def test_id_and_every_alias_resolve_to_their_own_analyte(analyte: Analyte) -> None:
    assert resolve_analyte_id(analyte.id) == analyte.id
    for alias in analyte.aliases:
        assert resolve_analyte_id(alias) == analyte.id, alias


def test_no_id_is_shadowed_by_another_analytes_alias() -> None:
    owners: dict[str, str] = {}
    for analyte in ANALYTES.values():
        for alias in analyte.aliases:
            key = _key(alias)
            others = set(ANALYTES) - {analyte.id}
            assert key not in others, f"{alias!r} of {analyte.id} is an id"
            assert owners.setdefault(key, analyte.id) == analyte.id, f"{alias!r} twice"


def test_unknown_analyte_suggests_the_closest_id() -> None:
    with pytest.raises(UnknownAnalyteError) as info:
        resolve_analyte_id("ferritn")
    exc = info.value
    assert isinstance(exc, KeyError)
    assert isinstance(exc, LabinterpError)
    assert exc.suggestion == "ferritin"
    assert "'ferritin'" in str(exc)
    assert "ferritn" in str(exc)
    assert exc.field == "analyte"
    assert exc.value == "ferritn"


def test_unknown_analyte_is_a_key_error_for_callers() -> None:
    with pytest.raises(KeyError):
        get_analyte("ferritn")


def test_near_miss_of_an_alias_suggests_the_id() -> None:
    with pytest.raises(UnknownAnalyteError) as info:
        resolve_analyte_id("tsatt")
    assert info.value.suggestion == "transferrin_saturation"


def test_far_miss_lists_the_known_analytes() -> None:
    with pytest.raises(UnknownAnalyteError) as info:
        resolve_analyte_id("zzzzzz")
    assert info.value.suggestion is None
    for analyte_id in EXPECTED_IDS:
        assert analyte_id in str(info.value)


# --- units and plausibility per analyte --------------------------------------------------------

BOTH = {Dimension.MASS_CONCENTRATION, Dimension.SUBSTANCE_CONCENTRATION}


@pytest.mark.parametrize("analyte", list(ANALYTES.values()), ids=list(ANALYTES))
def test_mass_and_substance_analytes_have_a_molar_mass(analyte: Analyte) -> None:
    if analyte.dimensions >= BOTH:
        assert analyte.molar_mass is not None
        assert analyte.molar_mass.grams_per_mole > 0
        assert analyte.molar_mass.source.strip()
        assert analyte.molar_mass.substance.strip()
    else:
        # Without both dimensions no molar mass is used, and none should pretend to be agreed.
        assert analyte.molar_mass is None


@pytest.mark.parametrize("analyte", MEASURED, ids=[a.id for a in MEASURED])
def test_plausible_range_is_sane_and_reasoned(analyte: Analyte) -> None:
    p = analyte.plausible
    assert 0 <= p.low < p.high
    assert math.isfinite(p.high)
    assert len(p.reasoning.strip()) > 20


@pytest.mark.parametrize("analyte", list(ANALYTES.values()), ids=list(ANALYTES))
def test_canonical_unit_is_a_known_code_of_the_analyte(analyte: Analyte) -> None:
    assert normalize_unit(analyte.canonical_unit) == analyte.canonical_unit
    assert known_units()[analyte.canonical_unit] in analyte.dimensions
    assert analyte.canonical_unit in analyte.common_units


@pytest.mark.parametrize("analyte", list(ANALYTES.values()), ids=list(ANALYTES))
def test_every_common_unit_resolves_for_its_analyte(analyte: Analyte) -> None:
    covered = set()
    for unit in analyte.common_units:
        resolved = analyte.resolve_unit(unit)
        assert resolved.written == unit
        assert resolved.ucum == normalize_unit(unit)
        assert resolved.dimension in analyte.dimensions
        assert resolved.to_canonical > 0
        assert math.isfinite(resolved.to_canonical)
        covered.add(resolved.dimension)
    assert covered == set(analyte.dimensions)  # each dimension has an example unit
    assert analyte.resolve_unit(analyte.canonical_unit).to_canonical == pytest.approx(1.0)


def test_resolved_units_are_cached_per_spelling() -> None:
    ferritin = ANALYTES["ferritin"]
    assert ferritin.resolve_unit("ng/ml") is ferritin.resolve_unit("ng/ml")
    assert ferritin.resolve_unit("\u00b5g/l").ucum == "ug/L"


def test_wrong_dimension_names_the_expected_dimension() -> None:
    with pytest.raises(DimensionError) as info:
        ANALYTES["ferritin"].resolve_unit("fL")
    exc = info.value
    assert exc.field == "ferritin"
    assert exc.unit == "fL"
    assert exc.expected is not None
    for dimension in ("mass concentration", "substance concentration"):
        assert dimension in exc.expected
        assert dimension in str(exc)
    assert "entitic volume" in str(exc)


def test_rdw_in_fl_points_to_rdw_sd() -> None:
    with pytest.raises(DimensionError, match="RDW-SD") as info:
        ANALYTES["rdw"].resolve_unit("fL")
    assert info.value.expected is not None
    assert "fraction" in info.value.expected


@pytest.mark.parametrize(
    ("analyte", "unit", "hint"),
    [
        ("hemoglobin", "G/L", "giga"),
        ("transferrin", "umol/L", "molar mass"),
        ("crp", "nmol/L", "molar mass"),
        ("reticulocytes", "10*9/L", "reticulocytes_absolute"),
        ("reticulocytes_absolute", "%", "'reticulocytes'"),
        ("esr", "mm", "mm/h"),
    ],
)
def test_wrong_unit_errors_carry_a_hint(analyte: str, unit: str, hint: str) -> None:
    with pytest.raises(LabinterpError) as info:
        ANALYTES[analyte].resolve_unit(unit)
    assert isinstance(info.value, DimensionError | UnknownUnitError)
    assert hint in str(info.value)


def test_unknown_unit_for_an_analyte_suggests_a_common_unit() -> None:
    with pytest.raises(UnknownUnitError) as info:
        ANALYTES["homocysteine"].resolve_unit("Umol/L")
    assert info.value.suggestion == "umol/L"
    assert info.value.field == "homocysteine"
    assert "umol/L" in str(info.value)


def test_substance_unit_without_molar_mass_raises_missing_molar_mass() -> None:
    # A catalog entry with both dimensions but no molar mass (a fresh copy, so the shared
    # catalog and its caches are untouched) must refuse to guess.
    no_mass = dataclasses.replace(ANALYTES["ferritin"], molar_mass=None, _resolved={})
    assert no_mass.resolve_unit("ng/mL").to_canonical == pytest.approx(1.0)
    with pytest.raises(MissingMolarMassError) as info:
        no_mass.resolve_unit("pmol/L")
    assert info.value.field == "ferritin"
    assert "ug/L" in str(info.value)


def test_implausible_hemoglobin_suggests_g_per_l() -> None:
    hb = ANALYTES["hemoglobin"]
    with pytest.raises(ImplausibleValueError) as info:
        hb.check_value(120.0, hb.resolve_unit("g/dL"))
    exc = info.value
    assert isinstance(exc, InvalidValueError)
    assert isinstance(exc, ValueError)
    assert exc.suggestion == "g/L"
    assert "g/L" in str(exc)
    assert exc.value == 120.0
    assert exc.unit == "g/dL"
    # the same number in g/L is an ordinary result
    assert hb.check_value(120.0, hb.resolve_unit("g/L")) == pytest.approx(12.0)


@pytest.mark.parametrize("analyte", MEASURED, ids=[a.id for a in MEASURED])
def test_plausible_bounds_are_inclusive(analyte: Analyte) -> None:
    canonical = analyte.resolve_unit(analyte.canonical_unit)
    p = analyte.plausible
    if p.low_exclusive:
        # An exclusive low bound (hemoglobin: above zero) refuses the bound itself.
        with pytest.raises(ImplausibleValueError, match="above"):
            analyte.check_value(p.low, canonical)
        assert analyte.check_value(p.low + 1e-6, canonical) == pytest.approx(p.low + 1e-6)
    else:
        assert analyte.check_value(p.low, canonical) == pytest.approx(p.low)
    assert analyte.check_value(p.high, canonical) == pytest.approx(p.high)
    with pytest.raises(ImplausibleValueError):
        analyte.check_value(p.high * 1.001, canonical)
    if p.low > 0:
        with pytest.raises(ImplausibleValueError):
            analyte.check_value(p.low * 0.999, canonical)


BAD_NUMBERS = [-1.0, -1e-9, -math.inf, math.nan, math.inf]


@pytest.mark.parametrize("analyte", list(ANALYTES.values()), ids=list(ANALYTES))
def test_negative_nan_and_infinite_values_are_refused(analyte: Analyte) -> None:
    canonical = analyte.resolve_unit(analyte.canonical_unit)
    for value in BAD_NUMBERS:
        with pytest.raises(InvalidValueError) as info:
            analyte.check_value(value, canonical)
        exc = info.value
        assert not isinstance(exc, ImplausibleValueError)  # a bad number, not a unit mix-up
        assert exc.field == analyte.id
        expected_word = "negative" if value < 0 else "not finite"
        assert expected_word in str(exc), value


@pytest.mark.parametrize("value", [True, False, "5", None, [5.0]])
def test_non_numbers_are_refused(value: object) -> None:
    ferritin = ANALYTES["ferritin"]
    with pytest.raises(InvalidValueError, match="not a number"):
        ferritin.check_value(value, ferritin.resolve_unit("ug/L"))  # type: ignore[arg-type]
