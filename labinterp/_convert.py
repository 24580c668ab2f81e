"""The public one-shot conversion, ``labinterp.convert``."""

from __future__ import annotations

import math

from labinterp._analytes import get_analyte
from labinterp._errors import InvalidValueError, UnitError
from labinterp._units import conversion_factor, normalize_unit

__all__ = ["convert"]

_INT_LIMIT = 2**1023  # ints beyond this do not fit a float


def convert(value: float, from_unit: str, to_unit: str, *, analyte: str | None = None) -> float:
    """Convert ``value`` from one unit to another.

    Units may be written as lab reports write them (``"µg/dl"``, ``"mcg/L"``, ``"mm/hr"``).
    Mass <-> amount-of-substance conversions (``pg/mL`` <-> ``pmol/L``) need ``analyte`` so
    that its molar mass can be used; with ``analyte`` both units must also suit that analyte.
    The factor for each unit pair is resolved once and cached, so repeated calls are cheap.

    >>> round(convert(180, "pg/mL", "pmol/L", analyte="b12"), 1)
    132.8
    """
    # The everyday float or int is checked inline; anything else gets the full check.
    kind = type(value)
    if kind is float and value - value == 0.0:
        number = value
    elif kind is int and -_INT_LIMIT < value < _INT_LIMIT:
        number = float(value)
    else:
        number = _finite(value, from_unit)
    if analyte is None:
        src = normalize_unit(from_unit, field="from_unit")
        dst = normalize_unit(to_unit, field="to_unit")
        mm = None
    else:
        entry = get_analyte(analyte)
        src = entry.resolve_unit(from_unit).ucum
        dst = entry.resolve_unit(to_unit).ucum
        mm = entry.molar_mass.grams_per_mole if entry.molar_mass else None
    try:
        factor = conversion_factor(src, dst, mm)
    except UnitError as exc:
        raise type(exc)(
            f"convert {from_unit!r} to {to_unit!r}: {exc}",
            field="to_unit",
            value=value,
            unit=from_unit,
            expected=exc.expected,
            suggestion=exc.suggestion,
        ) from None
    result = number * factor
    if result - result != 0.0:  # inf or nan, without a function call on the hot path
        raise InvalidValueError(
            f"convert: {value!r} {from_unit} is too large to express in {to_unit}",
            field="value",
            value=value,
            unit=from_unit,
            expected="a value whose conversion is a finite number",
        )
    return result


def _finite(value: object, unit: str) -> float:
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = None
    if number is None or not math.isfinite(number):
        raise InvalidValueError(
            f"convert: value {value!r} is not a finite number",
            field="value",
            value=value,
            unit=unit,
            expected="a finite number",
        )
    return number
