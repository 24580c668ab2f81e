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

import itertools
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from labinterp._analytes import ANALYTES, Analyte
from labinterp._formulas import BOUND_WIDENING, FORMULAS, Formula, bound_points
from labinterp._panel import Measurement, Panel, fast_construct

__all__ = [
    "Unavailable",
    "bound_of",
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
_SPECS: Mapping[str, _Spec] | None = None
_LOCK = threading.Lock()


def _specs() -> Mapping[str, _Spec]:
    """The catalog's derived indices and derivable results by id (looked up once, on first use).

    Built whole and then published in one assignment, so that a thread never sees a list
    half filled by another."""
    global _SPECS
    specs = _SPECS
    if specs is None:
        with _LOCK:
            if _SPECS is None:
                found: dict[str, _Spec] = {}
                for a in ANALYTES.values():
                    how = a.derived or a.derivable
                    if how is not None:
                        found[a.id] = (a, how.inputs, FORMULAS[how.function])
                _SPECS = MappingProxyType(found)
            specs = _SPECS
    return specs


def compute_derived(values: Mapping[str, Measurement]) -> dict[str, Measurement]:
    """Every derived index that ``values`` (measurements by analyte id) allow.

    On the path of every ``interpret`` call: it only checks that the inputs are present and
    exact; why an index is missing is worked out on demand, by :func:`why_unavailable`.
    """
    computed: dict[str, Measurement] = {}
    for analyte, inputs, formula in _specs().values():
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
    """Every range :func:`bound_of` finds in ``values``, by analyte id."""
    found = {a.id: bound_of(values, a.id) for a, _, _ in _specs().values()}
    return {aid: m for aid, m in found.items() if m is not None}


def bound_of(values: Mapping[str, Measurement], analyte_id: str) -> Measurement | None:
    """A derived index (or derivable result) that could not be computed exactly because an
    input was censored (``<10 ug/dL``) or not measured, as the range it takes over every value
    those inputs allow: a censored input its interval, a missing one its plausible range. At
    least one input must be measured, and the formula monotone in every inexact input
    (``Formula.monotone_between``). The range is widened outwards by
    :data:`~labinterp._formulas.BOUND_WIDENING`; the rules use it only where it settles a
    comparison. None when there is no such range (or the analyte is never computed).

    Asked for one analyte at a time, by the rules that compare it, so that an interpretation
    pays only for the ranges its pack reads."""
    spec = _specs().get(analyte_id)
    if spec is None or analyte_id in values:
        return None
    analyte, inputs, formula = spec
    ranges = [_input_range(i, values.get(i), formula) for i in inputs]
    if any(r is None for r in ranges):
        return None
    known = [r for r in ranges if r is not None]
    states = {r.state for r in known}
    if states in ({"exact"}, {"missing"}):
        return None  # computed exactly (or refused), or nothing measured to bound it by
    found = [
        formula.compute(dict(zip(inputs, combination, strict=True)))
        for combination in itertools.product(*(r.points for r in known))
    ]
    numbers = [v for v in found if not isinstance(v, str) and math.isfinite(v)]
    if len(numbers) != len(found):
        return None  # outside the formula's domain somewhere in the range: no bound
    low = min(numbers) * (1.0 - BOUND_WIDENING)
    high = max(numbers) * (1.0 + BOUND_WIDENING)
    return _bounded_index(analyte, low, high, "; ".join(r.text for r in known))


@dataclass(frozen=True, slots=True)
class _InputRange:
    """One input of a bounded formula: the points to evaluate it at, and how to say it."""

    state: str  # "exact", "censored" or "missing"
    points: tuple[float, ...]
    text: str


def _input_range(analyte_id: str, m: Measurement | None, formula: Formula) -> _InputRange | None:
    entry = ANALYTES[analyte_id]
    name = entry.display_name
    if m is not None and m.comparator is None:
        return _InputRange("exact", (m.canonical_value,), f"{name} {m.as_given}")
    guard = entry.plausible
    if m is None:
        low, high = guard.low, guard.high
        text = (
            f"{name} not measured (any value from {guard.low:g} to {guard.high:g} "
            f"{entry.canonical_unit} allowed)"
        )
    else:  # censored: its interval, inside the plausible range
        lo, _, hi, _ = m.canonical_interval
        low, high = max(lo, guard.low), min(hi, guard.high)
        text = f"{name} {m.as_given}"
    points = bound_points(formula, analyte_id, low, high)
    if not points:
        return None  # the formula is not known to be monotone in this input: no bound
    return _InputRange("missing" if m is None else "censored", points, text)


def _bounded_index(analyte: Analyte, low: float, high: float, how: str) -> Measurement:
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
    """Why the derived index (or derivable result) ``analyte_id`` was not computed from
    ``values``; ``None`` for an analyte labinterp never computes, and for a derivable result
    whose inputs were not all measured (the result itself is then what is missing)."""
    analyte = ANALYTES[analyte_id]
    how = analyte.derived or analyte.derivable
    if how is None:
        return None
    name = analyte.display_name
    # A derivable result is a test of its own: measuring it decides, whatever its inputs.
    own = (analyte_id,) if analyte.derivable is not None else ()
    missing = tuple(i for i in how.inputs if i not in values)
    if missing:
        if own:
            return None
        words = " and ".join(ANALYTES[i].display_name for i in missing)
        verb = "was" if len(missing) == 1 else "were"
        return Unavailable(missing, f"the {name} needs the {words}, which {verb} not measured")
    inputs = [values[i] for i in how.inputs]
    censored = [m for m in inputs if m.comparator is not None]
    if censored:
        shown = ", ".join(f"{ANALYTES[m.analyte].display_name} {m.as_given}" for m in censored)
        verb = "is" if len(censored) == 1 else "are"
        return Unavailable(own, f"the {name} needs exact results, and {shown} {verb} censored")
    value = FORMULAS[how.function].compute({m.analyte: m.canonical_value for m in inputs})
    if isinstance(value, str):
        return Unavailable(own, value)
    if not analyte.is_plausible(value):
        guard = analyte.plausible
        return Unavailable(
            own,
            f"the {name} computed from them would be {value:.4g} {analyte.canonical_unit}, "
            f"outside what labinterp accepts ({guard.low:g}-{guard.high:g} "
            f"{analyte.canonical_unit}); check those results and their units",
        )
    return None


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
