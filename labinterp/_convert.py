"""The public one-shot conversion, ``labinterp.convert``."""

from __future__ import annotations

import math

from labinterp._analytes import Analyte, ResolvedUnit, get_analyte
from labinterp._errors import InvalidValueError, LabinterpError, UnitError, shorten
from labinterp._units import conversion_factor, normalize_unit, real_number

__all__ = ["convert"]

_INT_LIMIT = 2**1023  # ints beyond this do not fit a float


def convert(value: float, from_unit: str, to_unit: str, *, analyte: str | None = None) -> float:
    """Convert ``value`` from one unit to another.

    Units may be written as lab reports write them (``"µg/dl"``, ``"mcg/L"``, ``"mm/hr"``).
    Mass <-> amount-of-substance conversions (``pg/mL`` <-> ``pmol/L``) need ``analyte`` so
    that its molar mass can be used; with ``analyte`` both units must also suit that analyte.
    The factor for each unit pair is resolved once and cached, so repeated calls are cheap.

    ``value`` is checked as a panel checks a result: a real number (``int``, ``float``,
    ``Decimal``, numpy's numbers; not a boolean or text), finite and not negative, since no
    concentration, count, fraction or rate labinterp converts can be negative. With
    ``analyte``, the value must also be plausible for it (``ImplausibleValueError`` for
    120 g/dL hemoglobin, as in a panel).

    >>> round(convert(180, "pg/mL", "pmol/L", analyte="b12"), 1)
    132.8
    """
    # The everyday float or int is checked inline; anything else gets the full check.
    kind = type(value)
    if kind is float and value - value == 0.0 and value >= 0.0:
        number = value
    elif kind is int and 0 <= value < _INT_LIMIT:
        number = float(value)
    else:
        number = _usable_number(value, from_unit)
    if analyte is None:
        src = normalize_unit(from_unit, field="from_unit")
        dst = normalize_unit(to_unit, field="to_unit")
        mm = None
    else:
        entry = get_analyte(analyte)
        resolved = entry.resolve_unit(from_unit)
        src = resolved.ucum
        dst = entry.resolve_unit(to_unit).ucum
        mm = entry.molar_mass.grams_per_mole if entry.molar_mass else None
        if not resolved.plausible_low < number < resolved.plausible_high:
            _check_plausible(entry, number, value, resolved)
    try:
        factor = conversion_factor(src, dst, mm)
    except UnitError as exc:
        raise type(exc)(
            f"convert {shorten(from_unit)} to {shorten(to_unit)}: {exc}",
            field="to_unit",
            value=value,
            unit=from_unit,
            expected=exc.expected,
            suggestion=exc.suggestion,
        ) from None
    result = number * factor
    if result - result != 0.0:  # inf or nan, without a function call on the hot path
        raise InvalidValueError(
            f"convert: {shorten(value)} {shorten(from_unit)} is too large to express in "
            f"{shorten(to_unit)}",
            field="value",
            value=value,
            unit=from_unit,
            expected="a value whose conversion is a finite number",
        )
    return result


def _usable_number(value: object, unit: object) -> float:
    """``value`` as a float, if it is a finite, non-negative real number."""
    number = None if isinstance(value, str | bytes) else real_number(value)
    if number is None or not math.isfinite(number) or number < 0:
        problem = "is negative" if number is not None and number < 0 else "is not a finite number"
        raise InvalidValueError(
            f"value: {shorten(value)} {problem}; convert takes a finite, non-negative number "
            "(lab concentrations, counts, fractions and rates are never negative)",
            field="value",
            value=value,
            unit=shorten(unit),
            expected="a finite, non-negative number",
        )
    return number


def _check_plausible(entry: Analyte, number: float, value: object, resolved: ResolvedUnit) -> None:
    """Refuse what a panel refuses for this analyte (120 g/dL hemoglobin)."""
    try:
        entry.check_value(number, resolved)
    except LabinterpError as exc:
        exc.value = value
        raise exc.at("value") from None
