"""labinterp.convert: examples, the NHANES oracle, and properties of every accepted unit."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import labinterp
from labinterp import (
    ANALYTES,
    REL_TOL,
    Analyte,
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    LabinterpError,
    Measurement,
    MissingMolarMassError,
    Panel,
    UnknownAnalyteError,
    UnknownUnitError,
    convert,
)
from labinterp._analytes import resolve_analyte_id
from labinterp._units import known_units, normalize_unit

DATA = Path(__file__).parent / "data"

# Derived indices (Mentzer index ...) are computed, never read, so they have no guard to test.
MEASURED = [a.id for a in ANALYTES.values() if a.derived is None]


def accepted_units(analyte: Analyte) -> list[str]:
    """Every code of the closed list in one of the analyte's dimensions, plus its common units."""
    codes = {code for code, dim in known_units().items() if dim in analyte.dimensions}
    return sorted(codes | set(analyte.common_units))


# --- examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "src", "dst", "analyte", "expected"),
    [
        (180, "pg/mL", "pmol/L", "b12", 132.805),  # the docstring's example: 132.8
        (180, "pg/mL", "pmol/L", "vitamin_b12", 132.805),
        (12, "ng/mL", "ug/L", None, 12.0),
        (12, "ng/mL", "ug/L", "ferritin", 12.0),
        (35, "\u00b5g/dl", "umol/L", "iron", 6.2674),  # 35 * 10 / 55.845
        (430, "ug/dl", "umol/L", "tibc", 76.999),
        (10.2, "g/dL", "g/L", None, 102.0),
        (10.2, "g/dL", "mmol/L", "hb", 6.3297),  # 10.2 * 0.62056
        (1.2, "mg/dL", "mg/L", "crp", 12.0),
        (14, "mm/hr", "mm/h", None, 14.0),
        (0.15, "1", "%", "tsat", 15.0),
        (9.1, "ng/mL", "nmol/L", "folate", 20.616),  # 9.1 * 1000 / 441.40
        (15, "umol/L", "mg/L", "hcy", 2.0277),  # 15 * 135.18 / 1000
        (300, "nmol/L", "ug/L", "mma", 35.427),  # 300 * 118.09 / 1000
        (74, "um3", "fL", "mcv", 74.0),
        (50, "10*9/L", "10*3/uL", "retic_abs", 50.0),
        (50, "G/L", "10*9/L", None, 50.0),
        (0.05, "10*12/L", "10*9/L", None, 50.0),
    ],
)
def test_convert_examples(
    value: float, src: str, dst: str, analyte: str | None, expected: float
) -> None:
    # The expected figures are worked by hand to 5 significant figures.
    assert convert(value, src, dst, analyte=analyte) == pytest.approx(expected, rel=5e-5)


def test_docstring_example_rounds_to_132_8() -> None:
    assert round(convert(180, "pg/mL", "pmol/L", analyte="b12"), 1) == 132.8


def test_convert_is_the_public_function() -> None:
    assert labinterp.convert is convert


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "5", None])
def test_convert_refuses_values_that_are_not_finite_numbers(value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        convert(value, "ug/L", "ng/mL")  # type: ignore[arg-type]
    assert info.value.field == "value"


@pytest.mark.parametrize("analyte", [None, "crp", "hb"])
@pytest.mark.parametrize("value", [-2.0, -1, -1e-300])
def test_convert_refuses_negative_numbers_with_or_without_an_analyte(
    value: float, analyte: str | None
) -> None:
    # A panel refuses negatives, and no unit convert knows measures anything that can be
    # negative, so convert refuses them too rather than return -20 for -2 mg/dL.
    with pytest.raises(InvalidValueError, match="negative") as info:
        convert(value, "g/dL", "g/L", analyte=analyte)
    assert info.value.field == "value"
    assert convert(0.0, "mg/dL", "mg/L") == 0.0


@pytest.mark.parametrize(
    ("value", "src", "analyte", "error"),
    [
        (120, "g/dL", "hb", ImplausibleValueError),  # g/L written as g/dL
        (0, "g/dL", "hb", ImplausibleValueError),  # a panel refuses zero hemoglobin too
        (250, "%", "tsat", ImplausibleValueError),
        (20, "fL", "mcv", ImplausibleValueError),
        (-1, "g/dL", "hb", InvalidValueError),
    ],
)
def test_convert_with_an_analyte_refuses_what_a_panel_refuses(
    value: float, src: str, analyte: str, error: type[InvalidValueError]
) -> None:
    with pytest.raises(error) as info:
        convert(value, src, src, analyte=analyte)
    assert info.value.field == "value"
    with pytest.raises(error):
        Panel.from_mapping({analyte: {"value": value, "unit": src}})


@pytest.mark.parametrize("analyte_id", MEASURED)
def test_convert_draws_the_plausible_range_where_a_panel_does(analyte_id: str) -> None:
    # convert checks a value strictly inside the range quickly and the rest exactly; both
    # must agree with the panel's check at the bounds, in every common unit.
    analyte = ANALYTES[analyte_id]
    p, canonical = analyte.plausible, analyte.canonical_unit
    for unit in analyte.common_units:
        high = convert(p.high, canonical, unit, analyte=analyte_id)
        assert convert(high, unit, canonical, analyte=analyte_id) == pytest.approx(p.high)
        with pytest.raises(ImplausibleValueError):
            convert(high * 1.001, unit, canonical, analyte=analyte_id)
        low = p.low / analyte.resolve_unit(unit).to_canonical
        if p.low_exclusive:
            with pytest.raises(ImplausibleValueError):
                convert(low, unit, canonical, analyte=analyte_id)
        else:
            assert convert(low, unit, canonical, analyte=analyte_id) == pytest.approx(p.low)
        if p.low > 0:
            with pytest.raises(ImplausibleValueError):
                convert(low * 0.999, unit, canonical, analyte=analyte_id)


def test_convert_keeps_the_panels_suggestion_for_an_implausible_value() -> None:
    with pytest.raises(ImplausibleValueError) as info:
        convert(120, "g/dL", "g/L", analyte="hb")
    assert info.value.suggestion == "g/L"
    assert info.value.value == 120


@pytest.mark.parametrize("value", [Decimal("12"), Fraction(12), 12, 12.0])
def test_convert_accepts_every_real_number_a_panel_accepts(value: object) -> None:
    assert convert(value, "ng/mL", "ug/L", analyte="ferritin") == pytest.approx(12.0)  # type: ignore[arg-type]
    assert convert(value, "ng/mL", "ug/L") == pytest.approx(12.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [Decimal("sNaN"), Decimal("NaN"), Decimal("-1"), 10**400])
def test_convert_refuses_odd_numbers_with_a_labinterp_error(value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        convert(value, "ng/mL", "ug/L")  # type: ignore[arg-type]
    assert info.value.field == "value"


def test_convert_errors() -> None:
    with pytest.raises(UnknownUnitError) as unknown:
        convert(1, "ug/L", "furlong")
    assert unknown.value.field == "to_unit"
    with pytest.raises(UnknownUnitError) as unknown_from:
        convert(1, "furlong", "ug/L")
    assert unknown_from.value.field == "from_unit"
    with pytest.raises(MissingMolarMassError, match="analyte="):
        convert(180, "pg/mL", "pmol/L")
    with pytest.raises(DimensionError):
        convert(1, "ug/L", "fL")
    with pytest.raises(DimensionError) as rdw:
        convert(1, "ug/L", "%", analyte="rdw")
    assert rdw.value.field == "rdw"
    with pytest.raises(DimensionError, match="molar mass"):
        convert(1, "umol/L", "g/L", analyte="transferrin")
    with pytest.raises(UnknownAnalyteError) as analyte:
        convert(1, "ug/L", "ng/mL", analyte="ferritn")
    assert analyte.value.suggestion == "ferritin"


# --- the NHANES oracle -------------------------------------------------------------------------


def _decimals(text: str) -> int:
    """Digits after the decimal point as printed: '25.09' -> 2, '4.5' -> 1, '3.0' -> 1."""
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(-exponent, 0)


def _nhanes_rows() -> dict[str, list[Mapping[str, str]]]:
    rows: dict[str, list[Mapping[str, str]]] = {}
    with (DATA / "nhanes_pairs.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows.setdefault(row["analyte"], []).append(row)
    return rows


NHANES = _nhanes_rows()

# NHANES rounds its SI column at the source (B12 to 0.01 pmol/L, folate to 0.1 nmol/L), so the
# tolerance is half a unit of the last printed digit (read from the CSV text of each value) plus a
# relative 5e-4: NHANES computed SI with its own 3-4 figure factors (B12 x 0.738, folate x 2.265),
# which differ from labinterp's molar-mass factors (0.73780, 2.26552) by 2.7e-4 and 2.2e-4 - the
# same 4-significant-figure tolerance the facts table allows. A relative tolerance alone would not
# do: low folate values are off by up to 0.7 % from rounding alone.
NHANES_REL = 5e-4


def test_nhanes_sample_has_150_rows_per_analyte() -> None:
    assert {k: len(v) for k, v in NHANES.items()} == {
        "ferritin": 150,
        "folate": 150,
        "vitamin_b12": 150,
    }


@pytest.mark.parametrize("analyte", sorted(NHANES))
def test_nhanes_conventional_to_si_within_rounding(analyte: str) -> None:
    misses = []
    for row in NHANES[analyte]:
        si = float(row["si_value"])
        half_digit = 0.5 * 10.0 ** -_decimals(row["si_value"])
        got = convert(float(row["conv_value"]), row["conv_unit"], row["si_unit"], analyte=analyte)
        if abs(got - si) > half_digit + NHANES_REL * abs(si):
            misses.append((row["conv_value"], row["si_value"], got))
    assert misses == []


@pytest.mark.parametrize("analyte", sorted(NHANES))
def test_nhanes_rows_build_measurements_with_the_si_value(analyte: str) -> None:
    for row in NHANES[analyte][::10]:
        m = Measurement.parse(analyte, f"{row['conv_value']} {row['conv_unit']}")
        assert m.canonical_unit == row["si_unit"]
        si = float(row["si_value"])
        half_digit = 0.5 * 10.0 ** -_decimals(row["si_value"])
        assert abs(m.canonical_value - si) <= half_digit + NHANES_REL * si


# --- properties over every accepted unit -------------------------------------------------------


# A value is drawn as a fraction of the analyte's plausible maximum: zero, or from 1e-9 of it up
# to all of it (nothing that small is a reportable lab value, and it keeps products clear of
# float underflow).
FRACTIONS = st.just(0.0) | st.floats(min_value=1e-9, max_value=1.0)


def plausible_value(analyte: Analyte, fraction: float) -> float:
    """The point ``fraction`` of the way across the analyte's plausible range."""
    low, high = analyte.plausible.low, analyte.plausible.high
    return low + fraction * (high - low)


# The per-analyte properties run once per measured analyte (26 times): half the profile's
# examples each still gives 800 per property and keeps the suite fast.
PER_ANALYTE = settings(max_examples=max(20, settings().max_examples // 2))


@pytest.mark.parametrize("analyte_id", MEASURED)
@PER_ANALYTE
@given(fraction=FRACTIONS)
def test_round_trip_through_every_accepted_unit(analyte_id: str, fraction: float) -> None:
    analyte = ANALYTES[analyte_id]
    value = plausible_value(analyte, fraction)
    assume(analyte.is_plausible(value))  # convert with an analyte refuses what a panel refuses
    for unit in accepted_units(analyte):
        there = convert(value, analyte.canonical_unit, unit, analyte=analyte_id)
        back = convert(there, unit, analyte.canonical_unit, analyte=analyte_id)
        assert math.isclose(back, value, rel_tol=REL_TOL * 10), unit


# Values within 1e-6 relative of each other are excluded: converting multiplies both by the same
# positive factor, which keeps order in exact arithmetic, but each product is rounded to a double,
# so two values a few ulps apart may become equal (rounding is monotone, so they can tie but not
# swap). 1e-6 is ten orders of magnitude above that rounding (about 1e-16) and below the precision
# of any lab report, so only pairs no lab could tell apart are left out.
SIDE_BAND = 1e-6


@pytest.mark.parametrize("analyte_id", MEASURED)
@PER_ANALYTE
@given(
    v_fraction=FRACTIONS,
    t_fraction=FRACTIONS,
    # Sometimes put the threshold just outside the exclusion band, where rounding matters most.
    nudge=st.none() | st.floats(min_value=2 * SIDE_BAND, max_value=1e-3),
)
def test_threshold_side_is_the_same_in_every_unit(
    analyte_id: str, v_fraction: float, t_fraction: float, nudge: float | None
) -> None:
    analyte = ANALYTES[analyte_id]
    v = plausible_value(analyte, v_fraction)
    t = plausible_value(analyte, t_fraction) if nudge is None else v * (1 + nudge)
    assume(not math.isclose(v, t, rel_tol=SIDE_BAND))
    assume(analyte.is_plausible(v) and analyte.is_plausible(t))
    for unit in accepted_units(analyte):
        cv = convert(v, analyte.canonical_unit, unit, analyte=analyte_id)
        ct = convert(t, analyte.canonical_unit, unit, analyte=analyte_id)
        assert (v < t) == (cv < ct), unit
        assert (v > t) == (cv > ct), unit


UNIT_WORDS = sorted(
    set(known_units())
    | {u for a in ANALYTES.values() for u in a.common_units}
    | {"\u00b5g/dl", "mcg/L", "ng/ml", "mm/hr", "G/L", "K/uL", "10^9/L", "MMOL/L", "fl", "g/dl"}
)
NUMBERS = st.one_of(
    st.integers(min_value=-10, max_value=10**7).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["12,5", "1,000", ".5", "5.", "1e3", "+3", "\u0663"]),
)
REPORT_TEXT = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["", "<", "<=", ">", ">=", "\u2264", "\u2265", "=", "< "]),
    NUMBERS,
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(UNIT_WORDS) | st.text(max_size=6),
    st.sampled_from(["", " ", "x"]),
)
CONTEXT_KEYS = frozenset({"sex", "age", "pregnant", "trimester"})
PANEL_KEYS = sorted(
    set(ANALYTES) | {alias for a in ANALYTES.values() for alias in a.aliases} | CONTEXT_KEYS
)


@given(st.text())
@example("10^9/L")
@example("\u00b5g/dl")
def test_normalize_unit_raises_only_labinterp_errors(text: str) -> None:
    try:
        code = normalize_unit(text)
    except LabinterpError:
        return
    assert code in known_units()


@given(st.text() | st.sampled_from(UNIT_WORDS), st.text() | st.sampled_from(UNIT_WORDS))
@example("10*9/L", "10*3/uL")
@example("10^3/mm3", "10*9/L")
@example("pg/mL", "pmol/L")
def test_convert_on_arbitrary_units_raises_only_labinterp_errors(src: str, dst: str) -> None:
    try:
        result = convert(1.0, src, dst)
    except LabinterpError:
        return
    assert math.isfinite(result)
    assert result > 0


@given(st.sampled_from(PANEL_KEYS) | st.text(max_size=12), st.text() | REPORT_TEXT)
@example("reticulocytes_absolute", "50 10*9/L")
@example("retic_abs", "50 10^3/mm3")
@example("ferritin", "12 ng/mL")
@example("ferritin", "12,5 ng/mL")
@example("age", "old")
@example("hb", "<7 g/dL")
def test_panel_from_text_raises_only_labinterp_errors(key: str, text: str) -> None:
    try:
        panel = Panel.from_mapping({key: text})
    except LabinterpError:
        return
    # Accepted: valid context, or one real, plausible measurement of the analyte named.
    if key in CONTEXT_KEYS:
        assert panel.measurements == {}
        return
    (measurement,) = panel.measurements.values()
    assert measurement.analyte == resolve_analyte_id(key)
    assert math.isfinite(measurement.canonical_value)
    assert ANALYTES[measurement.analyte].is_plausible(measurement.canonical_value)


@given(st.sampled_from(sorted(ANALYTES)), st.text() | REPORT_TEXT)
@example("reticulocytes_absolute", "50 10*9/L")
@example("reticulocytes_absolute", "50 10*3/mm3")
@example("iron", "35 \u00b5g/dl")
def test_measurement_parse_raises_only_labinterp_errors(analyte_id: str, text: str) -> None:
    try:
        m = Measurement.parse(analyte_id, text)
    except LabinterpError:
        return
    assert m.analyte == analyte_id
    assert math.isfinite(m.canonical_value)
    assert ANALYTES[analyte_id].is_plausible(m.canonical_value)
