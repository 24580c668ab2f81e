"""The public one-shot conversion, ``labinterp.convert``."""

from __future__ import annotations

import math

from labinterp._analytes import get_analyte
from labinterp._errors import InvalidValueError
from labinterp._units import conversion_factor, normalize_unit

__all__ = ["convert"]


def convert(value: float, from_unit: str, to_unit: str, *, analyte: str | None = None) -> float:
    """Convert ``value`` from one unit to another.

    Units may be written as lab reports write them (``"µg/dl"``, ``"mcg/L"``, ``"mm/hr"``).
    Mass <-> amount-of-substance conversions (``pg/mL`` <-> ``pmol/L``) need ``analyte`` so
    that its molar mass can be used; with ``analyte`` both units must also suit that analyte.
    The factor for each unit pair is resolved once and cached, so repeated calls are cheap.

    >>> round(convert(180, "pg/mL", "pmol/L", analyte="b12"), 1)
    132.8
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValueError(
            f"convert: value {value!r} is not a finite number",
            field="value",
            value=value,
            unit=from_unit,
            expected="a finite number",
        )
    if analyte is None:
        src = normalize_unit(from_unit, field="from_unit")
        dst = normalize_unit(to_unit, field="to_unit")
        return value * conversion_factor(src, dst)
    entry = get_analyte(analyte)
    src = entry.resolve_unit(from_unit).ucum
    dst = entry.resolve_unit(to_unit).ucum
    mm = entry.molar_mass.grams_per_mole if entry.molar_mass else None
    return value * conversion_factor(src, dst, mm)
