"""Leaf rules: one analyte against a threshold or a reference interval, another pattern's
outcome, the patient's context, a result's absence.

Every rule prints itself (``repr(rule)`` reads like the rule: ``ferritin < 30 ug/L``) and
evaluates to a :class:`CriterionResult`, which *is* the explanation: the same object that
decided the outcome carries the observed value, the cut-offs with their sources, the margin
and what would change the outcome. Nothing is re-derived for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import Literal

from labinterp._analytes import ANALYTES
from labinterp._context import describe_ids
from labinterp._derived import why_unavailable
from labinterp._packs import When
from labinterp._panel import Measurement
from labinterp._rule_base import (
    ALWAYS,
    INF,
    NOTHING,
    Band,
    CriterionResult,
    CutoffUsed,
    Facts,
    NotCoveredUsed,
    Outcome,
    band_outcome,
    candidates,
    deciding_context,
    match_when,
    missing_for_context,
)
from labinterp._units import REL_TOL, with_unit

__all__ = [
    "ContextRule",
    "MissingRule",
    "PatternIs",
    "ReferencePositionRule",
    "ThresholdRule",
    "context_text",
    "interval_text",
    "position_band",
    "position_cutoff",
]


def _agree(outcomes: Sequence[Outcome]) -> Outcome:
    first = outcomes[0]
    return first if all(o is first for o in outcomes) else Outcome.UNDECIDED


def interval_text(low: float | None, high: float | None, unit: str) -> str:
    """A reference interval as a reader expects it: "50-170 ug/dL", ">= 130 g/L"."""
    if low is not None and high is not None:
        return with_unit(f"{low:g}-{high:g}", unit)
    if low is not None:
        return with_unit(f">= {low:g}", unit)
    return with_unit(f"<= {high:g}", unit)


def _margin(obs: Measurement, cut: CutoffUsed) -> float:
    """Signed distance from the value to the nearest finite edge, in the cut-off's unit."""
    v = obs.canonical_value
    low, high = cut.band.low, cut.band.high
    if math.isinf(low):
        edge = high
    elif math.isinf(high) or abs(v - low) <= abs(v - high):
        edge = low
    else:
        edge = high
    if abs(v - edge) <= REL_TOL * max(abs(v), abs(edge)):
        return 0.0  # equal within tolerance: rounding noise is not a distance
    return (v - edge) / cut.to_canonical


def _not_observed(analyte: str, facts: Facts) -> tuple[tuple[str, ...], str]:
    """What is missing when ``analyte`` has no value: itself, or a derived index's inputs
    (none when an input is censored or outside the formula's domain: then the reason says)."""
    gap = why_unavailable(analyte, facts.values)
    if gap is None:
        return (analyte,), f"{ANALYTES[analyte].display_name} was not measured"
    return gap.missing_inputs, gap.reason


def _decide_leaf(analyte: str, cutoffs: tuple[CutoffUsed, ...], facts: Facts) -> Outcome:
    """The outcome of a leaf without its trace; the same steps as :func:`_explain_leaf`."""
    obs = facts.values.get(analyte)
    if obs is None:
        # An index with one input not measured may still be settled by its whole range; an
        # outcome left undecided by that range is the same outcome as "not measured".
        obs = facts.bound(analyte)
        if obs is None:
            return Outcome.UNDECIDED
    lo, lo_incl, hi, hi_incl = obs.canonical_interval
    if len(cutoffs) == 1 and cutoffs[0].when is ALWAYS:
        return band_outcome(lo, lo_incl, hi, hi_incl, cutoffs[0].band)
    chosen, _ = candidates(cutoffs, facts)
    if not chosen:
        return Outcome.UNDECIDED
    return _agree([band_outcome(lo, lo_incl, hi, hi_incl, c.band) for c in chosen])


def _explain_leaf(
    kind: Literal["threshold", "reference"],
    rule: str,
    analyte: str,
    cutoffs: tuple[CutoffUsed, ...],
    facts: Facts,
) -> CriterionResult:
    obs = facts.values.get(analyte)
    if obs is not None:
        return _explain_observed(kind, rule, analyte, cutoffs, facts, obs)
    bounded = facts.bound(analyte)
    if bounded is not None:
        # Settled by the index's whole range (labinterp._derived.bounded_derived): the trace
        # shows that range and the input it covers. Unsettled, it is "not measured", below.
        result = _explain_observed(kind, rule, analyte, cutoffs, facts, bounded)
        if result.outcome is not Outcome.UNDECIDED:
            return result
    missing, reason = _not_observed(analyte, facts)
    return CriterionResult(
        kind,
        rule,
        Outcome.UNDECIDED,
        analyte,
        cutoffs=cutoffs,
        missing_analytes=missing,
        reason=reason,
    )


def _explain_observed(
    kind: Literal["threshold", "reference"],
    rule: str,
    analyte: str,
    cutoffs: tuple[CutoffUsed, ...],
    facts: Facts,
    obs: Measurement,
) -> CriterionResult:
    chosen, unknown = candidates(cutoffs, facts)
    if not chosen:
        return CriterionResult(
            kind,
            rule,
            Outcome.UNDECIDED,
            analyte,
            obs,
            cutoffs=cutoffs,
            reason="no cut-off in this pack applies to this patient's context",
        )
    lo, lo_incl, hi, hi_incl = obs.canonical_interval
    outcomes = tuple(band_outcome(lo, lo_incl, hi, hi_incl, c.band) for c in chosen)
    outcome = _agree(outcomes)
    if outcome is Outcome.UNDECIDED:
        if len(set(outcomes)) > 1 and unknown:
            analytes, context = missing_for_context(
                deciding_context(chosen, outcomes, unknown), facts
            )
            return CriterionResult(
                kind,
                rule,
                outcome,
                analyte,
                obs,
                chosen,
                outcomes,
                missing_analytes=analytes,
                missing_context=context,
                reason="the cut-offs for the possible contexts disagree",
            )
        # Every cut-off undecided: only a censored value straddles a cut-off (an exact value
        # always decides). Cut-offs that disagree with the context known can only overlap,
        # which check_pack refuses; should one get here, say so rather than blame the value.
        reason = (
            f"the censored result {obs.as_given} does not settle the comparison"
            if all(o is Outcome.UNDECIDED for o in outcomes)
            else "more than one cut-off applies to this patient's context and they disagree"
        )
        return CriterionResult(kind, rule, outcome, analyte, obs, chosen, outcomes, reason=reason)
    margin, flip = (None, None)
    if len(chosen) == 1:
        cut = chosen[0]
        rule = cut.rule
        if obs.comparator is None:
            margin = _margin(obs, cut)
            flip = cut.flips[0] if outcome is Outcome.HELD else cut.flips[1]
    return CriterionResult(
        kind,
        rule,
        outcome,
        analyte,
        obs,
        chosen,
        outcomes,
        margin=margin,
        margin_unit=chosen[0].unit if margin is not None else None,
        would_change=flip,
    )


def _uncovered(gaps: tuple[NotCoveredUsed, ...], facts: Facts) -> bool:
    """The patient is, or may be, in a context the source does not cover."""
    return any(match_when(gap.when, facts)[0] is not False for gap in gaps)


@dataclass(frozen=True, slots=True, repr=False)
class ThresholdRule:
    """``analyte`` compared with a named threshold (one cut-off per context).

    In a context listed in ``not_covered`` the threshold is undecided, with the source's
    reason; when the context is unknown and may be such a one, the context that would decide
    it is named.
    """

    threshold_id: str
    analyte: str
    cutoffs: tuple[CutoffUsed, ...]
    not_covered: tuple[NotCoveredUsed, ...] = ()
    text: str = field(init=False)

    def __post_init__(self) -> None:
        text = (
            self.cutoffs[0].rule
            if len(self.cutoffs) == 1
            else f"{self.analyte} {self.threshold_id} (cut-off by context)"
        )
        object.__setattr__(self, "text", text)

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        if self.not_covered and _uncovered(self.not_covered, facts):
            return Outcome.UNDECIDED
        return _decide_leaf(self.analyte, self.cutoffs, facts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        result = _explain_leaf("threshold", self.text, self.analyte, self.cutoffs, facts)
        if not self.not_covered:
            return result
        return _explain_uncovered(result, self.not_covered, facts)


def _explain_uncovered(
    result: CriterionResult, gaps: tuple[NotCoveredUsed, ...], facts: Facts
) -> CriterionResult:
    """The leaf's trace once the contexts its source does not cover are taken into account."""
    applying: list[NotCoveredUsed] = []
    possible: list[NotCoveredUsed] = []
    unknown: set[str] = set()
    for gap in gaps:
        applies, missing = match_when(gap.when, facts)
        if applies is True:
            applying.append(gap)
        elif applies is None:
            possible.append(gap)
            unknown.update(missing)
    if applying:
        # Measuring more would not help: the source says nothing for this person.
        return replace(
            result,
            outcome=Outcome.UNDECIDED,
            margin=None,
            margin_unit=None,
            would_change=None,
            missing_analytes=(),
            missing_context=(),
            reason="; ".join(gap.explain() for gap in applying),
            not_covered=tuple(applying),
        )
    if not possible:
        return result
    analytes, context = missing_for_context(unknown, facts)
    reason = "; ".join(f"{gap.explain()}, which may apply" for gap in possible)
    return replace(
        result,
        outcome=Outcome.UNDECIDED,
        margin=None,
        margin_unit=None,
        would_change=None,
        missing_analytes=tuple(dict.fromkeys((*result.missing_analytes, *analytes))),
        missing_context=tuple(dict.fromkeys((*result.missing_context, *context))),
        reason=f"{result.reason}; {reason}" if result.reason else reason,
    )


@dataclass(frozen=True, slots=True, repr=False)
class ReferencePositionRule:
    """``analyte`` below, within or above its reference interval (the lab's, else the pack's)."""

    analyte: str
    position: Literal["below", "within", "above"]
    pack_cutoffs: tuple[CutoffUsed, ...]
    not_covered: tuple[NotCoveredUsed, ...] = ()  # contexts the pack gives no interval for
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"{self.analyte} {self.position} its reference interval")

    def __repr__(self) -> str:
        return self.text

    def _cutoffs(self, facts: Facts) -> tuple[tuple[CutoffUsed, ...], str | None]:
        """The lab's interval when the result carries one (and the pack allows it)."""
        obs = facts.values.get(self.analyte)
        if (
            obs is not None
            and facts.use_lab_reference_intervals
            and obs.canonical_reference_interval is not None
        ):
            cut = _lab_cutoff(self.analyte, self.position, obs)
            if cut is not None:
                return (cut,), None
            # The lab's interval lacks the bound this position needs: use the pack's.
        if not self.pack_cutoffs:
            return (), "neither the lab nor this pack gives a reference interval"
        return self.pack_cutoffs, None

    def _pack_gaps(self, cutoffs: tuple[CutoffUsed, ...]) -> tuple[NotCoveredUsed, ...]:
        # The pack's not_covered contexts matter only when the pack's intervals are used: a
        # lab's own interval printed with a child's result is that child's interval.
        return self.not_covered if cutoffs is self.pack_cutoffs else ()

    def decide(self, facts: Facts) -> Outcome:
        cutoffs, problem = self._cutoffs(facts)
        if problem is not None:
            return Outcome.UNDECIDED
        gaps = self._pack_gaps(cutoffs)
        if gaps and _uncovered(gaps, facts):
            return Outcome.UNDECIDED
        return _decide_leaf(self.analyte, cutoffs, facts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        cutoffs, problem = self._cutoffs(facts)
        gaps = self._pack_gaps(cutoffs)
        if problem is None and gaps:
            result = _explain_leaf("reference", self.text, self.analyte, cutoffs, facts)
            return _explain_uncovered(result, gaps, facts)
        if problem is not None:
            obs = facts.values.get(self.analyte)
            missing = () if obs else _not_observed(self.analyte, facts)[0]
            return CriterionResult(
                "reference",
                self.text,
                Outcome.UNDECIDED,
                self.analyte,
                obs,
                missing_analytes=missing,
                reason=problem,
            )
        return _explain_leaf("reference", self.text, self.analyte, cutoffs, facts)


def _lab_cutoff(analyte: str, position: str, obs: Measurement) -> CutoffUsed | None:
    """The lab's own interval on this result, shown in the lab's unit."""
    ri = obs.reference_interval
    assert ri is not None
    assert obs.canonical_reference_interval is not None
    band = position_band(position, *obs.canonical_reference_interval)
    if band is None:
        return None
    return position_cutoff(
        analyte,
        position,
        ri.low,
        ri.high,
        ri.unit,
        band,
        to_canonical=ANALYTES[analyte].resolve_unit(ri.unit).to_canonical,
        whose="the lab's interval ",
        applies_to="this result",
        when=ALWAYS,
        source="the laboratory's own reference interval",
        source_id="lab",
        confidence="verified",
    )


def position_cutoff(
    analyte: str,
    position: str,
    low: float | None,
    high: float | None,
    unit: str,
    band: Band,
    *,
    to_canonical: float,
    whose: str,
    applies_to: str,
    when: When,
    source: str,
    source_id: str,
    confidence: str,
) -> CutoffUsed:
    """A reference interval (bounds in ``unit``, both inclusive) as a below/within/above cut."""
    return CutoffUsed(
        rule=f"{analyte} {position} {whose}{interval_text(low, high, unit)}",
        applies_to=applies_to,
        unit=unit,
        comparator=None,
        value=None,
        low=low,
        high=high,
        low_inclusive=True if low is not None else None,
        high_inclusive=True if high is not None else None,
        canonical_unit=ANALYTES[analyte].canonical_unit,
        source=source,
        source_id=source_id,
        confidence=confidence,
        note="",
        band=band,
        to_canonical=to_canonical,
        when=when,
    )


def position_band(position: str, low: float | None, high: float | None) -> Band | None:
    if position == "below":
        return None if low is None else Band(high=low)
    if position == "above":
        return None if high is None else Band(low=high)
    if low is None and high is None:
        return None
    return Band(
        low=-INF if low is None else low,
        low_inclusive=low is not None,
        high=INF if high is None else high,
        high_inclusive=high is not None,
    )


@dataclass(frozen=True, slots=True, repr=False)
class PatternIs:
    """Another pattern is consistent."""

    pattern_id: str
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"pattern {self.pattern_id}")

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        return facts.outcomes[self.pattern_id]

    def evaluate(self, facts: Facts) -> CriterionResult:
        outcome = facts.outcomes[self.pattern_id]
        if outcome is not Outcome.UNDECIDED:
            return CriterionResult("pattern", self.text, outcome)
        other = facts.trace(self.pattern_id)
        held = other.held_zones
        return CriterionResult(
            "pattern",
            self.text,
            outcome,
            missing_analytes=other.missing_analytes,
            missing_context=other.missing_context,
            reason=f"in a grey zone: {'; '.join(z.reason for z in held)}" if held else None,
        )


# --- context and missing-result leaves ----------------------------------------------------------

_TRI_OUTCOME: Mapping[bool | None, Outcome] = {
    True: Outcome.HELD,
    False: Outcome.FAILED,
    None: Outcome.UNDECIDED,
}


def context_text(when: When) -> str:
    """A context as a rule reads it: ``sex: female, trimester: 2 or 3, conditions: a or b``."""
    parts: list[str] = []
    if when.sex is not None:
        parts.append(f"sex: {when.sex}")
    if when.pregnant is not None:
        parts.append(f"pregnant: {'true' if when.pregnant else 'false'}")
    if when.trimester is not None:
        parts.append(f"trimester: {describe_ids(map(str, when.trimester))}")
    if when.age_min is not None:
        parts.append(f"age >= {when.age_min:g} y")
    if when.age_max is not None:
        parts.append(f"age < {when.age_max:g} y")
    if when.inflammation is not None:
        parts.append(f"inflammation: {'true' if when.inflammation else 'false'}")
    parts += [f"{name}: {describe_ids(ids)}" for name, ids in when.reported()]
    if when.unless is not None:
        parts += [f"unless {name}: {describe_ids(ids)}" for name, ids in when.unless.reported()]
    return ", ".join(parts) or "everyone"


def _reported_ids(name: str, facts: Facts) -> Set[str]:
    if name == "diet":
        return frozenset((facts.diet,)) if facts.diet else NOTHING
    ids: Set[str] = getattr(facts, name)
    return ids


def _age_used(facts: Facts) -> str:
    if facts.age is not None:
        return f"age {facts.age:g} y"
    if facts.assumed_ages is None:
        return "age not given"
    low, high = facts.assumed_ages
    taken = f"{low:g} y or older" if math.isinf(high) else f"{low:g} to under {high:g} y"
    return f"age not given (taken as {taken})"


def _context_used(when: When, facts: Facts) -> str:
    """The patient's context for each field ``when`` names, as the trace shows it."""
    parts: list[str] = []
    if when.sex is not None:
        parts.append(f"sex {facts.sex}" if facts.sex else "sex not given")
    if when.pregnant is not None or when.trimester is not None:
        if facts.pregnant is None:
            parts.append("pregnancy not given")
        elif facts.pregnant:
            parts.append("pregnant")
        else:
            parts.append(
                "not pregnant" + (" (assumed from age)" if facts.pregnancy_assumed else "")
            )
    if when.trimester is not None and facts.pregnant is not False:
        parts.append(f"trimester {facts.trimester}" if facts.trimester else "trimester not given")
    if when.age_min is not None or when.age_max is not None:
        parts.append(_age_used(facts))
    if when.inflammation is not None and facts.inflammation_pattern is not None:
        inflamed = facts.outcomes[facts.inflammation_pattern]
        parts.append(f"pattern {facts.inflammation_pattern} {inflamed.value}")
    reported = [*when.reported(), *(when.unless.reported() if when.unless else ())]
    for name, ids in reported:
        given = _reported_ids(name, facts)
        found = [i for i in ids if i in given]
        if found:
            parts.append(f"{name} reported: {describe_ids(found)}")
        else:
            parts.append(f"{name}: {describe_ids(ids)} not reported")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True, repr=False)
class ContextRule:
    """The patient's context matches ``when`` (``{context: ...}`` in a pack)."""

    when: When
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"context({context_text(self.when)})")

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        return _TRI_OUTCOME[match_when(self.when, facts)[0]]

    def evaluate(self, facts: Facts) -> CriterionResult:
        applies, unknown = match_when(self.when, facts)
        outcome = _TRI_OUTCOME[applies]
        reason = _context_used(self.when, facts)
        if outcome is not Outcome.UNDECIDED:
            return CriterionResult("context", self.text, outcome, reason=reason)
        analytes, context = missing_for_context(set(unknown), facts)
        return CriterionResult(
            "context",
            self.text,
            outcome,
            missing_analytes=analytes,
            missing_context=context,
            reason=reason,
        )


@dataclass(frozen=True, slots=True, repr=False)
class MissingRule:
    """The analyte was not measured, or a derived index not computed (``{missing: egfr}``);
    always decided."""

    analyte: str
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"missing({self.analyte})")

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        known = self.analyte in facts.values or facts.bound(self.analyte) is not None
        return Outcome.FAILED if known else Outcome.HELD

    def evaluate(self, facts: Facts) -> CriterionResult:
        # A range computed from censored or partly missing inputs is a value, as a censored
        # result is: the analyte is not missing.
        obs = facts.values.get(self.analyte) or facts.bound(self.analyte)
        if obs is None:
            # For a derived index, why it was not computed (the input that was not measured).
            return CriterionResult(
                "missing",
                self.text,
                Outcome.HELD,
                self.analyte,
                reason=_not_observed(self.analyte, facts)[1],
            )
        low, _, high, _ = obs.canonical_interval
        done = (
            "measured"
            if obs.derived_from is None
            else ("computed as a range from its inputs" if low < high else "computed")
        )
        return CriterionResult(
            "missing",
            self.text,
            Outcome.FAILED,
            self.analyte,
            obs,
            reason=f"{ANALYTES[self.analyte].display_name} was {done}",
        )
