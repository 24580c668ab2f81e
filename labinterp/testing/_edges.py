"""Where a pack's cut-offs are: the patient a cut-off applies to, and the values on, just below
and just above each of its edges, with the outcome the cut-off must give there.

Plain Python (no Hypothesis): the strategies sample from these lists, and ``check_pack`` walks
them all, since a pack has few enough edges to try every one in every accepted unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError
from labinterp._findings import Interpretation
from labinterp._pack_models import MAX_AGE
from labinterp._packs import Cutoff, Pack, When
from labinterp._rules import CriterionResult, CutoffUsed
from labinterp._units import REL_TOL, normalize_unit

__all__ = [
    "EDGE_STEP",
    "EdgeValue",
    "context_for",
    "cutoff_edges",
    "cutoff_leaves",
    "is_derived",
    "rescale",
    "threshold_edges",
    "unit_spellings",
]

#: How far (relative) "just below" and "just above" sit from an edge: far outside
#: :data:`labinterp.REL_TOL`, so that they are on their side in every unit, yet close enough
#: that no realistic pair of cut-offs fits between them and the edge.
EDGE_STEP = 1e-6
assert EDGE_STEP >= 100 * REL_TOL

Position = Literal["below", "at", "above"]


@dataclass(frozen=True)
class EdgeValue:
    """One value on or next to a cut-off's edge, as a measurement a panel can carry.

    ``expected`` is whether the cut-off holds for ``value`` ``unit``: decided in the cut-off's
    own unit by its comparator or interval, with values within REL_TOL of the edge counting as
    on it (so that "at" in any unit is on the edge, and the edge's inclusivity decides).
    """

    threshold: str
    cutoff_index: int
    analyte: str
    edge: float  # in the cut-off's own unit
    cutoff_unit: str
    position: Position
    value: float  # in ``unit``
    unit: str
    expected: bool
    context: Mapping[str, Any] = field(default_factory=dict)

    def panel(self) -> dict[str, Any]:
        """The panel that puts this value before the cut-off, for the patient it applies to."""
        return {**self.context, self.analyte: {"value": self.value, "unit": self.unit}}

    def describe(self) -> str:
        return (
            f"{self.analyte} {self.value!r} {self.unit} ({self.position} the edge "
            f"{self.edge:g} {self.cutoff_unit})"
        )


def rescale(analyte: str, value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``, by the factors labinterp uses; unlike
    :func:`labinterp.convert`, it does not refuse an implausible value (a cut-off may be one)."""
    entry = ANALYTES[analyte]
    return (
        value
        * entry.resolve_unit(from_unit).to_canonical
        / entry.resolve_unit(to_unit).to_canonical
    )


def is_derived(analyte: str) -> bool:
    """An index labinterp computes from other results (never given in a panel)."""
    return ANALYTES[analyte].derived is not None


def _variants(code: str) -> Iterator[str]:
    yield code
    yield code.lower()
    yield code.upper()
    for micro in ("µ", "μ", "mc"):  # the micro sign, the Greek mu, and "mc" as in "mcg"
        if code.startswith("u"):
            yield micro + code[1:]
        yield code.replace("/u", "/" + micro)
    yield code.replace("/", " / ")
    yield code.replace("10*", "10^")


@cache
def unit_spellings(code: str) -> tuple[str, ...]:
    """Ways a report may write the unit ``code`` that labinterp reads as that unit."""
    found: dict[str, None] = {}
    for candidate in _variants(code):
        try:
            if normalize_unit(candidate) == code:
                found[candidate] = None
        except LabinterpError:
            continue
    # A code labinterp reads as another code (um3 as fL) is still accepted as written.
    return tuple(found) or (code,)


# --- the patient a cut-off applies to -------------------------------------------------------


def _age_for(when: When, pack: Pack) -> tuple[float | None, str | None]:
    """An age inside both the cut-off's band and the pack's population, or why there is none."""
    pop = pack.population
    lows = [a for a in (when.age_min, pop.age_min) if a is not None]
    highs = [a for a in (when.age_max, pop.age_max) if a is not None]
    if when.pregnant or when.trimester:  # interpret refuses a pregnancy outside these ages
        ages = pop.pregnancy_ages
        lows.append(ages.min)
        highs.append(ages.max + 1e-9)  # both ends included, where high is excluded
    low, high = max(lows, default=0.0), min(highs, default=float(MAX_AGE))
    if low >= high:
        return None, f"its ages ({when.describe()}) lie outside {_where_not(when, pack)}"
    return (40.0 if low <= 40.0 < high else low + (high - low) / 2), None


def _where_not(when: When, pack: Pack) -> str:
    """Which ages a cut-off's band misses: the pack's population, or its pregnancy ages."""
    pop = pack.population
    lows = [a for a in (when.age_min, pop.age_min) if a is not None]
    highs = [a for a in (when.age_max, pop.age_max) if a is not None]
    if max(lows, default=0.0) >= min(highs, default=float(MAX_AGE)):
        return f"the pack's population ({pop.description}), where no cut-off is applied"
    ages = pop.pregnancy_ages
    return (
        f"the pack's pregnancy ages ({ages.min:g} to {ages.max:g} years), outside which "
        "interpret refuses a pregnancy"
    )


def _first_allowed(ids: list[str], excluded: list[str]) -> str:
    return next((i for i in ids if i not in excluded), ids[0])


def context_for(when: When, pack: Pack) -> tuple[dict[str, Any] | None, str | None]:
    """A complete patient context (as panel keys) that ``when`` applies to, or why none is.

    Every part is given, so that exactly one cut-off of each threshold applies. Inflammation is
    not a panel key: a context that asks for it is built by :func:`inflammation_panels`.
    """
    age, why = _age_for(when, pack)
    if age is None:
        return None, why
    context: dict[str, Any] = {"age": age}
    pregnant = when.pregnant if when.pregnant is not None else bool(when.trimester)
    sex = when.sex or "female"
    context["sex"] = sex
    if sex == "female":
        context["pregnant"] = pregnant
        if pregnant:
            context["trimester"] = (when.trimester or [1])[0]
    excluded = dict(when.unless.reported()) if when.unless is not None else {}
    for name, ids in when.reported():
        chosen = _first_allowed(list(ids), list(excluded.get(name, ())))
        context[name] = chosen if name == "diet" else [chosen]
    return context, None


# --- edges ----------------------------------------------------------------------------------


def _holds(cut: Cutoff, x: float, position: Position, edge: float) -> bool:
    """Whether ``cut`` holds at ``x`` (in its unit), ``position`` being where x is relative to
    ``edge``: the reference outcome, in the cut-off's own unit."""
    if cut.comparator is not None:
        if position == "at":
            return cut.comparator in ("<=", ">=")
        below = position == "below"
        return below if cut.comparator in ("<", "<=") else not below
    interval = cut.interval
    assert interval is not None  # a cut-off is a comparator or an interval
    low_ok = (
        interval.low_inclusive
        if position == "at" and edge == interval.low
        else x > interval.low or (position == "above" and edge == interval.low)
    )
    high_ok = (
        interval.high_inclusive
        if position == "at" and edge == interval.high
        else x < interval.high or (position == "below" and edge == interval.high)
    )
    return low_ok and high_ok


def _near(edge: float, position: Position) -> float:
    if position == "at":
        return edge
    sign = -1.0 if position == "below" else 1.0
    if edge == 0:
        return sign * EDGE_STEP
    return edge * (1 + sign * EDGE_STEP)


def _plausible(analyte: str, value: float, unit: str) -> bool:
    resolved = ANALYTES[analyte].resolve_unit(unit)
    canonical = value * resolved.to_canonical
    limits = ANALYTES[analyte].plausible
    if not math.isfinite(canonical) or value < 0:
        return False
    if limits.low_exclusive and canonical <= limits.low:
        return False
    return limits.low <= canonical <= limits.high


def _bounds(cut: Cutoff) -> list[float]:
    if cut.value is not None:
        return [cut.value]
    assert cut.interval is not None
    return [cut.interval.low, cut.interval.high]


@dataclass(frozen=True)
class CutoffEdges:
    """The edge values of one cut-off, and any edge no measurable value can cross."""

    values: tuple[EdgeValue, ...]
    lost: tuple[str, ...]


def cutoff_edges(
    pack: Pack, threshold_id: str, index: int, context: Mapping[str, Any]
) -> CutoffEdges:
    """Values below, at and above each edge of one cut-off, in its unit and every other
    accepted unit of the analyte; and the edges that are lost (no measurable value on one
    side, or a conversion that is not a finite number)."""
    spec = pack.thresholds[threshold_id]
    cut = spec.cutoffs[index]
    analyte = spec.analyte
    own_unit = normalize_unit(cut.unit)
    units = [own_unit, *(u for u in ANALYTES[analyte].common_units if u != own_unit)]
    values: list[EdgeValue] = []
    lost: list[str] = []
    for edge in _bounds(cut):
        near = {p: _near(edge, p) for p in ("below", "at", "above")}
        measurable = {p for p, x in near.items() if _plausible(analyte, x, own_unit)}
        # An edge is lost when no measurable value reaches it: not the edge itself, and not
        # the values on both sides (an edge exactly at a plausible bound keeps one side).
        if "at" not in measurable and not {"below", "above"} <= measurable:
            lost.append(_lost_edge(analyte, edge, cut.unit))
            continue
        for position in ("below", "at", "above"):
            if position not in measurable:
                continue
            x = near[position]
            expected = _holds(cut, x, position, edge)
            for unit in units:
                converted = rescale(analyte, x, own_unit, unit) if unit != own_unit else x
                if not math.isfinite(converted) or (converted == 0) != (x == 0):
                    lost.append(
                        f"the edge {edge:g} {cut.unit} of {analyte} is not a finite, non-zero "
                        f"number in {unit} ({converted!r})"
                    )
                    continue
                values.append(
                    EdgeValue(
                        threshold=threshold_id,
                        cutoff_index=index,
                        analyte=analyte,
                        edge=edge,
                        cutoff_unit=cut.unit,
                        position=position,
                        value=converted,
                        unit=unit,
                        expected=expected,
                        context=dict(context),
                    )
                )
    return CutoffEdges(tuple(values), tuple(dict.fromkeys(lost)))


def _lost_edge(analyte: str, edge: float, unit: str) -> str:
    limits = ANALYTES[analyte].plausible
    canonical = ANALYTES[analyte].canonical_unit
    return (
        f"the edge {edge:g} {unit} is outside the plausible range of {analyte} "
        f"({limits.low:g}-{limits.high:g} {canonical}): no measurable value lies on one side "
        f"of it ({_slip_hint(analyte, edge, unit)})"
    )


def _slip_hint(analyte: str, edge: float, unit: str) -> str:
    """The units in which the same number would be a plausible edge: the likely slip."""
    limits = ANALYTES[analyte].plausible
    canonical = ANALYTES[analyte].canonical_unit
    fits = [
        other
        for other in ANALYTES[analyte].common_units
        if normalize_unit(other) != normalize_unit(unit)
        and limits.low < rescale(analyte, edge, other, canonical) < limits.high
    ]
    if not fits:
        return "check the value and its unit"
    return f"a unit slip? {edge:g} would fit in {' or '.join(fits)}"


def threshold_edges(pack: Pack, threshold_id: str) -> list[EdgeValue]:
    """Every edge value of every cut-off of a threshold whose patient can be built."""
    out: list[EdgeValue] = []
    spec = pack.thresholds[threshold_id]
    if is_derived(spec.analyte):
        return out
    for index, cut in enumerate(spec.cutoffs):
        if cut.when.inflammation is not None:
            continue  # needs a panel that decides the inflammation pattern: see check_pack
        context, _ = context_for(cut.when, pack)
        if context is not None:
            out.extend(cutoff_edges(pack, threshold_id, index, context).values)
    return out


# --- finding a threshold's cut-off in a trace -------------------------------------------------


def same_cutoff(used: CutoffUsed, cut: Cutoff) -> bool:
    """Whether a cut-off in a trace is this cut-off of the pack."""
    if used.when != cut.when or used.comparator != cut.comparator:
        return False
    if cut.interval is not None:
        return (used.low, used.high, used.low_inclusive, used.high_inclusive) == (
            cut.interval.low,
            cut.interval.high,
            cut.interval.low_inclusive,
            cut.interval.high_inclusive,
        )
    return used.value == cut.value


def _walk(result: CriterionResult) -> Iterator[CriterionResult]:
    yield result
    for child in result.children:
        yield from _walk(child)


def trace_roots(result: Interpretation) -> Iterator[CriterionResult]:
    """Every criteria trace of an interpretation: criteria, supporting and grey zones."""
    for found in result.patterns:
        yield found.criteria
        yield from found.supporting
        for zone in found.grey_zones:
            yield zone.result


def cutoff_leaves(result: Interpretation, analyte: str, cut: Cutoff) -> list[CriterionResult]:
    """The threshold leaves of the traces that applied ``cut`` alone."""
    return [
        node
        for root in trace_roots(result)
        for node in _walk(root)
        if node.kind == "threshold"
        and node.analyte == analyte
        and len(node.cutoffs) == 1
        and same_cutoff(node.cutoffs[0], cut)
    ]
