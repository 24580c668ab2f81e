"""Unit spellings, dimensions and conversion factors (labinterp._units)."""

from __future__ import annotations

import csv
import dataclasses
import math
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import labinterp
from labinterp import (
    ANALYTES,
    Dimension,
    DimensionError,
    LabinterpError,
    MissingMolarMassError,
    MolarMass,
    UnitError,
    UnknownUnitError,
)
from labinterp._units import (
    conversion_factor,
    dimension_of,
    is_close,
    known_units,
    normalize_unit,
    pint_quantity,
)

DATA = Path(__file__).parent / "data"

# The facts table gives its factors to 4 significant figures (0.7378, 2.266 ...): a relative
# tolerance of 5e-4 is half a unit in the 4th figure at the low end of the mantissa.
FACT_REL = 5e-4
# Factors that are exact decimal ratios (or both sides agree to pint) need only float rounding.
EXACT_REL = 1e-12


def _accepted(raw: str) -> str | None:
    """normalize_unit, with a refusal (which must be an UnknownUnitError) returned as None."""
    try:
        return normalize_unit(raw)
    except UnknownUnitError:
        return None


@cache
def _pint_one(code: str) -> Any:
    return pint_quantity(code)


def _pint_factor(from_code: str, to_code: str, molar_mass: float | None = None) -> float:
    """The factor from pint alone: (1 from_code [/ or * molar mass]) expressed in to_code."""
    q = _pint_one(from_code) / _pint_one(to_code)
    if molar_mass is not None:
        g_per_mol = molar_mass * _pint_one("g/L") / _pint_one("mol/L")
        src = dimension_of(from_code)
        q = q / g_per_mol if src is Dimension.MASS_CONCENTRATION else q * g_per_mol
    return float(q.to("dimensionless").magnitude)


# --- spellings ---------------------------------------------------------------------------------

SPELLINGS: list[tuple[str, str]] = [
    # micro written three ways: micro sign U+00B5, Greek mu U+03BC, and "mc"
    ("\u00b5g/L", "ug/L"),
    ("\u03bcg/L", "ug/L"),
    ("\u00b5mol/l", "umol/L"),
    ("\u03bcg/dl", "ug/dL"),
    ("\u00b5g/dL", "ug/dL"),
    ("mcg/L", "ug/L"),
    ("mcg/dL", "ug/dL"),
    ("mcg/ml", "ug/mL"),
    ("mcmol/L", "umol/L"),
    ("MCG/L", "ug/L"),
    ("MCG/DL", "ug/dL"),
    # lower-case litre after the slash
    ("ng/ml", "ng/mL"),
    ("pg/ml", "pg/mL"),
    ("umol/l", "umol/L"),
    ("mmol/l", "mmol/L"),
    ("pmol/l", "pmol/L"),
    ("g/l", "g/L"),
    ("g/dl", "g/dL"),
    ("mg/dl", "mg/dL"),
    ("ug/dl", "ug/dL"),
    ("10*3/ul", "10*3/uL"),
    ("10*9/l", "10*9/L"),
    # entitic volume
    ("fl", "fL"),
    ("FL", "fL"),
    ("fL", "fL"),
    ("um3", "um3"),
    ("cuum", "um3"),
    # sedimentation rate
    ("mm/hr", "mm/h"),
    ("mm/Hr", "mm/h"),
    ("MM/HR", "mm/h"),
    ("MM/H", "mm/h"),
    ("mm/1h", "mm/h"),
    ("mm/hour", "mm/h"),
    ("mm/h", "mm/h"),
    # counts: powers of ten, G (giga), T (tera), K (thousand per microlitre)
    ("10^9/L", "10*9/L"),
    ("10^9/l", "10*9/L"),
    ("x10^9/L", "10*9/L"),
    ("\u00d710^9/L", "10*9/L"),
    ("10E9/L", "10*9/L"),
    ("G/L", "10*9/L"),
    ("G/l", "10*9/L"),
    ("GPt/l", "10*9/L"),
    ("/nl", "/nL"),
    ("K/uL", "10*3/uL"),
    ("K/ul", "10*3/uL"),
    ("k/uL", "10*3/uL"),
    ("10^3/uL", "10*3/uL"),
    ("T/L", "10*12/L"),
    ("10^12/L", "10*12/L"),
    ("M/uL", "10*6/uL"),
    ("10^3/mm3", "10*3/mm3"),
    # hemoglobin with its substance in the unit
    ("gm/dL", "g/dL"),
    ("g{Hb}/dL", "g/dL"),
    # all-caps forms are UCUM's case-insensitive codes
    ("MMOL/L", "mmol/L"),
    ("UMOL/L", "umol/L"),
    ("NMOL/L", "nmol/L"),
    ("PMOL/L", "pmol/L"),
    ("FMOL/L", "fmol/L"),
    ("MOL/L", "mol/L"),
    ("MG/L", "mg/L"),
    ("MG/DL", "mg/dL"),
    ("UG/L", "ug/L"),
    ("UG/DL", "ug/dL"),
    ("NG/ML", "ng/mL"),
    ("PG/ML", "pg/mL"),
    ("G/DL", "g/dL"),
    ("10*3/UL", "10*3/uL"),
    # fractions
    ("%", "%"),
    ("percent", "%"),
    ("1", "1"),
    ("L/L", "1"),
    # whitespace anywhere is ignored
    (" ng / mL ", "ng/mL"),
    ("ug/L\t", "ug/L"),
    ("mm / hr", "mm/h"),
]


@pytest.mark.parametrize(("raw", "code"), SPELLINGS)
def test_normalize_unit_spellings(raw: str, code: str) -> None:
    assert normalize_unit(raw) == code
    assert code in known_units()


def test_micro_sign_and_greek_mu_are_both_micro() -> None:
    assert len({"\u00b5g/L", "\u03bcg/L", "ug/L"}) == 3  # three different strings
    assert normalize_unit("\u00b5g/L") == normalize_unit("\u03bcg/L") == "ug/L"


def test_every_known_code_is_its_own_spelling() -> None:
    for code, dimension in known_units().items():
        assert normalize_unit(code) == code
        assert dimension_of(code) is dimension


def test_every_all_caps_code_reads_as_the_code() -> None:
    """UCUM's case-insensitive form of each code maps back, except 'G/L' (giga per litre)."""
    for code in known_units():
        upper = code.upper()
        expected = "10*9/L" if upper == "G/L" else code
        assert normalize_unit(upper) == expected, upper


def test_g_per_l_capitals_are_giga_never_grams() -> None:
    assert normalize_unit("G/L") == "10*9/L"
    assert dimension_of(normalize_unit("G/L")) is Dimension.NUMBER_CONCENTRATION
    assert normalize_unit("g/L") == "g/L"
    assert dimension_of("g/L") is Dimension.MASS_CONCENTRATION


def test_mmol_capitals_are_millimoles_never_megamoles() -> None:
    code = normalize_unit("MMOL/L")
    assert code == "mmol/L"
    assert conversion_factor(code, "mol/L") == pytest.approx(1e-3, rel=EXACT_REL)
    assert is_close(labinterp.convert(5.0, "MMOL/L", "mol/L"), 5e-3)


UNKNOWN_SPELLINGS = [
    "",
    "   ",
    "ug",
    "L",
    "uL",
    "mcL",
    "nl",
    "mg/kg",
    "mIU/mL",  # a hormone unit, not the enzyme unit that "IU/L" means for an enzyme
    "[IU]/L",
    "mmol/mol",
    "mg%",
    "g/dL/L",
    "Mmol/L",  # mixed case: nothing is guessed by changing case
    "mG/dL",
    "Ug/L",
    "NG/mL",
    "10+3/ul",  # UCUM says invalid: '10' is not a unit
    "m",
    "mm",
    "h",
    "kat/L",
    "ug/L ug/L",
]


@pytest.mark.parametrize("raw", UNKNOWN_SPELLINGS)
def test_unknown_spellings_raise_unknown_unit_error(raw: str) -> None:
    with pytest.raises(UnknownUnitError) as info:
        normalize_unit(raw)
    exc = info.value
    assert isinstance(exc, UnitError)
    assert isinstance(exc, ValueError)
    assert isinstance(exc, LabinterpError)
    assert exc.unit == raw
    assert exc.field == "unit"
    assert repr(raw) in str(exc)


def test_unknown_unit_error_names_the_field_given() -> None:
    with pytest.raises(UnknownUnitError, match=r"^to_unit: ") as info:
        normalize_unit("furlongs", field="to_unit")
    assert info.value.field == "to_unit"


@pytest.mark.parametrize("raw", [None, 5, 1.5, b"ug/L", ["ug/L"]])
def test_non_string_units_raise_unknown_unit_error(raw: object) -> None:
    with pytest.raises(UnknownUnitError) as info:
        normalize_unit(raw)  # type: ignore[arg-type]
    assert info.value.value == raw


# --- factors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dimension", list(Dimension))
def test_factors_within_a_dimension_agree_with_pint(dimension: Dimension) -> None:
    codes = sorted(c for c, d in known_units().items() if d is dimension)
    assert codes
    mismatches = []
    for a in codes:
        for b in codes:
            got, expected = conversion_factor(a, b), _pint_factor(a, b)
            if not math.isclose(got, expected, rel_tol=EXACT_REL):
                mismatches.append((a, b, got, expected))
    assert mismatches == []


@pytest.mark.parametrize(
    ("src_dim", "dst_dim"),
    [
        (Dimension.MASS_CONCENTRATION, Dimension.SUBSTANCE_CONCENTRATION),
        (Dimension.SUBSTANCE_CONCENTRATION, Dimension.MASS_CONCENTRATION),
    ],
)
def test_mass_substance_factors_agree_with_pint(src_dim: Dimension, dst_dim: Dimension) -> None:
    # Every source code against the per-litre targets: prefixes and volumes are checked within a
    # dimension above; this checks that the molar mass is applied, in the right direction.
    molar_mass = 55.845  # iron
    sources = sorted(c for c, d in known_units().items() if d is src_dim)
    targets = sorted(c for c, d in known_units().items() if d is dst_dim and c.endswith("/L"))
    assert len(targets) >= 5
    mismatches = []
    for a in sources:
        for b in targets:
            got = conversion_factor(a, b, molar_mass)
            expected = _pint_factor(a, b, molar_mass)
            if not math.isclose(got, expected, rel_tol=EXACT_REL):
                mismatches.append((a, b, got, expected))
    assert mismatches == []


# Hand figures from the project's facts table: (analyte, from, to, factor).
FACT_FACTORS = [
    ("vitamin_b12", "pg/mL", "pmol/L", 0.7378),
    ("folate", "ng/mL", "nmol/L", 2.266),
    ("homocysteine", "mg/L", "umol/L", 7.398),
    ("methylmalonic_acid", "ug/L", "nmol/L", 8.468),
    ("iron", "ug/dL", "umol/L", 0.17907),
    ("hemoglobin", "g/dL", "mmol/L", 0.6206),
    ("ferritin", "ng/mL", "ug/L", 1.0),
    ("crp", "mg/dL", "mg/L", 10.0),
]


@pytest.mark.parametrize(("analyte", "src", "dst", "factor"), FACT_FACTORS)
def test_factors_match_the_facts_table(analyte: str, src: str, dst: str, factor: float) -> None:
    entry = ANALYTES[analyte]
    mm = entry.molar_mass.grams_per_mole if entry.molar_mass else None
    assert conversion_factor(src, dst, mm) == pytest.approx(factor, rel=FACT_REL)
    assert conversion_factor(dst, src, mm) == pytest.approx(1 / factor, rel=FACT_REL)
    assert labinterp.convert(1.0, src, dst, analyte=analyte) == pytest.approx(factor, rel=FACT_REL)


# Exact decimal ratios, figured by hand: (from, to, factor).
EXACT_FACTORS = [
    ("mg/dL", "mg/L", 10.0),
    ("g/dL", "g/L", 10.0),
    ("ng/mL", "ug/L", 1.0),
    ("pg/mL", "ng/L", 1.0),
    ("ug/dL", "ug/L", 10.0),
    ("mmol/L", "mol/L", 1e-3),
    ("umol/L", "nmol/L", 1e3),
    ("fmol/mL", "pmol/L", 1.0),
    ("ug/uL", "g/L", 1.0),
    ("%", "1", 0.01),
    ("1", "%", 100.0),
    ("um3", "fL", 1.0),
    ("mm/h", "mm/h", 1.0),
    ("/uL", "/nL", 1e-3),
    ("10*3/uL", "10*9/L", 1.0),
    ("10*12/L", "10*9/L", 1e3),
    ("10*6/uL", "10*12/L", 1.0),
    ("/nL", "10*9/L", 1.0),
    ("10*3/mm3", "10*9/L", 1.0),
    ("/L", "10*9/L", 1e-9),
]


@pytest.mark.parametrize(("src", "dst", "factor"), EXACT_FACTORS)
def test_exact_decimal_factors(src: str, dst: str, factor: float) -> None:
    assert conversion_factor(src, dst) == pytest.approx(factor, rel=EXACT_REL)


def test_molar_mass_is_ignored_when_no_crossing() -> None:
    assert conversion_factor("mg/dL", "mg/L", 123.4) == pytest.approx(10.0, rel=EXACT_REL)


@pytest.mark.parametrize(("src", "dst"), [("pg/mL", "pmol/L"), ("umol/L", "ug/dL")])
def test_mass_substance_without_molar_mass_raises(src: str, dst: str) -> None:
    with pytest.raises(MissingMolarMassError) as info:
        conversion_factor(src, dst)
    assert isinstance(info.value, UnitError)
    assert isinstance(info.value, ValueError)
    assert info.value.suggestion == "analyte="
    assert "molar mass" in str(info.value)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("ug/L", "fL"),
        ("%", "mm/h"),
        ("10*9/L", "ug/L"),
        ("g/dL", "10*9/L"),
        ("fL", "mmol/L"),
        ("mm/h", "%"),
    ],
)
def test_factor_across_dimensions_raises(src: str, dst: str) -> None:
    with pytest.raises(DimensionError) as info:
        conversion_factor(src, dst, 100.0)
    assert isinstance(info.value, UnitError)
    assert info.value.expected == str(dimension_of(dst))
    assert str(dimension_of(src)) in str(info.value)


def test_fresh_factors_agree_across_eight_threads() -> None:
    # Molar masses no other test uses, so every key is a cache miss resolved concurrently.
    masses = [987.0 + i / 997 for i in range(24)]
    pairs = [("ug/L", "nmol/L", m) for m in masses] + [("nmol/L", "ng/mL", m) for m in masses]
    # By hand: 1 ug/L = 1e-6 g/L / M = 1e3/M nmol/L; 1 nmol/L = 1e-9 M g/L = M/1e3 ng/mL.
    expected = [1e3 / m for m in masses] + [m / 1e3 for m in masses]
    # A fresh copy of an analyte (empty per-spelling cache, a molar mass of its own), resolved
    # from all threads too: pg/mL, ng/L and ug/L to pmol/L are 1e3/M, 1e3/M and 1e6/M.
    b12_mass = 1355.37 + 1e-7
    b12 = dataclasses.replace(
        ANALYTES["vitamin_b12"],
        molar_mass=MolarMass(b12_mass, "test copy", "test"),
        _resolved={},
    )
    spellings = ["pg/mL", "ng/L", "\u00b5g/l", "pmol/L"]
    expected_b12 = [1e3 / b12_mass, 1e3 / b12_mass, 1e6 / b12_mass, 1.0]
    n_threads = 8
    barrier = threading.Barrier(n_threads)
    results: list[list[float]] = [[] for _ in range(n_threads)]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            barrier.wait()
            factors = [conversion_factor(a, b, m) for a, b, m in pairs]
            resolved = [b12.resolve_unit(u).to_canonical for u in spellings]
            results[slot] = factors + resolved
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert all(r == results[0] for r in results)
    assert results[0] == pytest.approx(expected + expected_b12, rel=EXACT_REL)


# --- UCUM functional test cases (FHIR Ucum-java), vendored in tests/data -----------------------


@dataclasses.dataclass(frozen=True)
class UcumCase:
    case_id: str
    unit: str
    valid: bool
    reason: str


def _ucum_cases() -> list[UcumCase]:
    with (DATA / "ucum_functional_lab_units.csv").open(encoding="utf-8", newline="") as fh:
        return [
            UcumCase(r["case_id"], r["unit"], r["valid"] == "true", r["reason"])
            for r in csv.DictReader(fh)
        ]


UCUM_CASES = _ucum_cases()

# The simple forms labinterp's closed list is meant to cover: <prefix>g or <prefix>mol per
# <prefix>litre, fL, %, and 10*N per litre or per microlitre (prefixes as in tests/data/README.md).
_PREFIX = "(?:|m|u|n|p|f|k|d|c)"
SIMPLE_FORM = re.compile(rf"{_PREFIX}(?:g|mol)/{_PREFIX}[Ll]|fL|%|10\*[+-]?\d+/u?[Ll]")

# Valid UCUM units of those forms that the closed list deliberately leaves out. Each is refused
# (checked below), so that this list stays exactly the set of gaps.
OUTSIDE_CLOSED_LIST: dict[str, str] = {
    "kg/L": "kilo is not among labinterp's mass prefixes; no catalog analyte is reported in kg/L",
    "10*-3/ul": "a negative power of ten is not a cell count",
    "10*+3/ul": "UCUM's explicit-sign spelling of 10*3/uL, not seen on reports",
}

# INVALID UCUM cases that labinterp nevertheless reads, because they are non-UCUM spellings it
# documents as synonyms. None: every INVALID case (unit expressions such as 'g/12h', '[iIU]',
# 'molv', '10+3/ul') is outside the synonym table; '10+3/ul' looks like a count but labinterp
# reads powers of ten only as '10*3', '10^3' or 'x10^3'.
DOCUMENTED_SYNONYM_EXCEPTIONS: frozenset[str] = frozenset()


def _is_meant_to_be_covered(unit: str) -> bool:
    return _accepted(unit) is not None or SIMPLE_FORM.fullmatch(unit) is not None


def _case_id(case: UcumCase) -> str:
    return f"{case.case_id}:{case.unit}"


def test_ucum_case_file_has_the_documented_counts() -> None:
    assert len(UCUM_CASES) == 228
    assert sum(c.valid for c in UCUM_CASES) == 189


@pytest.mark.parametrize(
    "case",
    [c for c in UCUM_CASES if c.valid and _is_meant_to_be_covered(c.unit)],
    ids=_case_id,
)
def test_ucum_valid_case_in_the_closed_list_is_accepted(case: UcumCase) -> None:
    if case.unit in OUTSIDE_CLOSED_LIST:
        with pytest.raises(UnknownUnitError):
            normalize_unit(case.unit)
        return
    code = normalize_unit(case.unit)
    # The code is the UCUM unit itself, with UCUM's lower-case litre written 'L' and the volume
    # fraction L/L written '1'.
    expected = "1" if case.unit == "L/L" else re.sub(r"l$", "L", case.unit)
    assert code == expected


def test_ucum_gaps_listed_are_exactly_the_refused_valid_cases() -> None:
    valid_simple = {c.unit for c in UCUM_CASES if c.valid and SIMPLE_FORM.fullmatch(c.unit)}
    assert {u for u in valid_simple if _accepted(u) is None} == set(OUTSIDE_CLOSED_LIST)


@pytest.mark.parametrize("case", [c for c in UCUM_CASES if not c.valid], ids=_case_id)
def test_ucum_invalid_case_is_refused(case: UcumCase) -> None:
    if case.unit in DOCUMENTED_SYNONYM_EXCEPTIONS:
        assert _accepted(case.unit) is not None
        return
    with pytest.raises(UnknownUnitError):
        normalize_unit(case.unit)


def _conversion_units() -> list[str]:
    with (DATA / "ucum_functional_conversions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30
    return sorted({r["src_unit"] for r in rows} | {r["dst_unit"] for r in rows})


@pytest.mark.parametrize("unit", _conversion_units())
def test_ucum_conversion_case_units_are_refused(unit: str) -> None:
    """No UCUM conversion case uses a unit labinterp knows (they are lengths, times, charges).

    So these cases cannot check factors (pint and the facts table do, above). They do check that
    the closed list does not swallow look-alikes: 'm' (metre), 'mm', 'S', 'N', 's/m'. If one is
    ever accepted, this fails, and the case should then become a factor check.
    """
    with pytest.raises(UnknownUnitError):
        normalize_unit(unit)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("\u00d710\u2079/L", "10*9/L"),  # multiplication sign and superscript 9 (UK reports)
        ("10\u2079/L", "10*9/L"),
        ("10\u00b9\u00b2/L", "10*12/L"),
        ("x10E12/L", "10*12/L"),
        ("10E12/L", "10*12/L"),
        ("x10e9/l", "10*9/L"),
        ("*10^9/L", "10*9/L"),
        ("10^6/uL", "10*6/uL"),
        ("GM/DL", "g/dL"),
    ],
)
def test_more_report_spellings(spelling: str, code: str) -> None:
    assert normalize_unit(spelling) == code


@pytest.mark.parametrize(
    "spelling",
    # "mL/min" alone is a clearance, not an eGFR; "1.73m" lacks the square.
    ["10\u00b9 g/L", "mEq/L", "ug/DL", "mL/min", "ml/min/1.73", "mL/min/1.73m", "U/min"],
)
def test_look_alikes_stay_refused(spelling: str) -> None:
    with pytest.raises(UnknownUnitError):
        normalize_unit(spelling)
