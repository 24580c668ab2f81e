"""Derived indices (Mentzer index, reticulocyte production index, sTfR/log ferritin index),
and results computed when a panel does not report them (transferrin saturation).

The catalog lists the indices as analytes with a ``derived:`` block; a caller never gives one.
When a panel holds their inputs as exact results, they are computed here and handed to the
rules as if measured, so that packs can set thresholds on them. When they cannot be computed,
the reason is kept: a missing input is named as the result that would decide (``red blood
cell count``), not the index, and a censored input or an input outside the formula's domain is
given as the reason.

A measured analyte with a ``derivable:`` block (transferrin saturation from serum iron and
TIBC) is computed the same way when the panel does not report it; a reported value wins.

When one input of an index was not measured, :func:`bounded_derived` gives the range the index
can take over every value of that input labinterp accepts (its plausibility guard). A
comparison that this whole range settles is settled whatever the missing result would be: a
reticulocyte count of 0.9 % gives a production index below 2 at any hematocrit.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from labinterp._analytes import ANALYTES, Analyte
from labinterp._formulas import BOUND_WIDENING, FORMULAS, Formula, bound_points
from labinterp._panel import Measurement, Panel, fast_construct

__all__ = [
    "Unavailable",
    "bounded_derived",
    "compute_derived",
    "derived_measurements",
    "why_unavailable",
]


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Why a derived index was not computed: the inputs that were not measured, or a reason."""

    missing_inputs: tuple[str, ...]
    reason: str


# (index, its input ids, its formula) for each derived index of the catalog, in catalog order.
_Spec = tuple[Analyte, tuple[str, ...], Formula]
_SPECS: list[_Spec] = []
_LOCK = threading.Lock()


def _specs() -> list[_Spec]:
    """The catalog's derived indices (looked up once, on first use)."""
    if not _SPECS:
        with _LOCK:
            if not _SPECS:
                for a in ANALYTES.values():
                    how = a.derived or a.derivable
                    if how is not None:
                        _SPECS.append((a, how.inputs, FORMULAS[how.function]))
    return _SPECS


def compute_derived(values: Mapping[str, Measurement]) -> dict[str, Measurement]:
    """Every derived index that ``values`` (measurements by analyte id) allow.

    On the path of every ``interpret`` call: it only checks that the inputs are present and
    exact; why an index is missing is worked out on demand, by :func:`why_unavailable`.
    """
    computed: dict[str, Measurement] = {}
    for analyte, inputs, formula in _specs():
        if analyte.id in values:  # a reported result wins over one labinterp would compute
            continue
        canonical: dict[str, float] = {}
        for input_id in inputs:
            m = values.get(input_id)
            if m is None or m.comparator is not None:
                break
            canonical[input_id] = m.canonical_value
        else:
            value = formula.compute(canonical)
            if not isinstance(value, str) and analyte.is_plausible(value):
                computed[analyte.id] = _index(analyte, value, formula.describe(canonical))
    return computed


def bounded_derived(values: Mapping[str, Measurement]) -> dict[str, Measurement]:
    """Derived indices with exactly one input not measured (the others exact), as the range
    the index takes over every plausible value of that input: a measurement whose interval is
    that range (widened outwards by :data:`~labinterp._formulas.BOUND_WIDENING`), for the
    rules to use only where the whole range settles a comparison."""
    bounded: dict[str, Measurement] = {}
    for analyte, inputs, formula in _specs():
        if analyte.derived is None or analyte.id in values:
            continue
        absent = [i for i in inputs if i not in values]
        if len(absent) != 1 or any(
            values[i].comparator is not None for i in inputs if i != absent[0]
        ):
            continue
        missing = ANALYTES[absent[0]]
        points = bound_points(formula, missing.id, missing.plausible.low, missing.plausible.high)
        if not points:
            continue
        known = {i: values[i].canonical_value for i in inputs if i != missing.id}
        try:
            found = [formula.compute({**known, missing.id: p}) for p in points]
        except ZeroDivisionError:  # pragma: no cover - every guard keeps divisors above 0
            continue
        numbers = [v for v in found if not isinstance(v, str) and math.isfinite(v)]
        if len(numbers) != len(found):
            continue  # outside the formula's domain somewhere in the range: no bound
        low = min(numbers) * (1.0 - BOUND_WIDENING)
        high = max(numbers) * (1.0 + BOUND_WIDENING)
        bounded[analyte.id] = _bounded_index(analyte, low, high, known, missing)
    return bounded


def _bounded_index(
    analyte: Analyte, low: float, high: float, known: Mapping[str, float], missing: Analyte
) -> Measurement:
    given = ", ".join(
        f"{ANALYTES[i].display_name} {v:g} {ANALYTES[i].canonical_unit}" for i, v in known.items()
    )
    guard = missing.plausible
    how = (
        f"{given}, at any {missing.display_name} labinterp accepts "
        f"({guard.low:g}-{guard.high:g} {missing.canonical_unit}); "
        f"the {missing.display_name} was not measured"
    )
    return fast_construct(
        Measurement,
        {
            "analyte": analyte.id,
            "value": high,
            "unit": analyte.canonical_unit,
            "comparator": "<=",
            "reference_interval": None,
            "canonical_value": high,
            "canonical_unit": analyte.canonical_unit,
            "derived_from": how,
        },
        {"_ri_canonical": None, "_interval": (low, True, high, True)},
    )


def derived_measurements(panel: Panel) -> dict[str, Measurement]:
    """The derived indices a panel's results allow, by analyte id, as measurements whose
    ``derived_from`` shows the arithmetic (``MCV 65 fL / RBC 5.6 10*12/L``)."""
    return compute_derived(panel.measurements)


def why_unavailable(analyte_id: str, values: Mapping[str, Measurement]) -> Unavailable | None:
    """Why the derived index ``analyte_id`` cannot be computed from ``values``; ``None`` for
    an analyte that is not a derived index (or one that can be computed)."""
    analyte = ANALYTES[analyte_id]
    derivation = analyte.derived
    if derivation is None:
        return None
    name = analyte.display_name
    missing = tuple(i for i in derivation.inputs if i not in values)
    if missing:
        words = " and ".join(ANALYTES[i].display_name for i in missing)
        verb = "was" if len(missing) == 1 else "were"
        return Unavailable(missing, f"the {name} needs the {words}, which {verb} not measured")
    inputs = [values[i] for i in derivation.inputs]
    censored = [m for m in inputs if m.comparator is not None]
    if censored:
        shown = ", ".join(f"{ANALYTES[m.analyte].display_name} {m.as_given}" for m in censored)
        verb = "is" if len(censored) == 1 else "are"
        return Unavailable((), f"the {name} needs exact results, and {shown} {verb} censored")
    value = FORMULAS[derivation.function].compute({m.analyte: m.canonical_value for m in inputs})
    return Unavailable((), value) if isinstance(value, str) else None


def _index(analyte: Analyte, value: float, derived_from: str) -> Measurement:
    return fast_construct(
        Measurement,
        {
            "analyte": analyte.id,
            "value": value,
            "unit": analyte.canonical_unit,
            "comparator": None,
            "reference_interval": None,
            "canonical_value": value,
            "canonical_unit": analyte.canonical_unit,
            "derived_from": derived_from,
        },
        {"_ri_canonical": None, "_interval": (value, True, value, True)},
    )
