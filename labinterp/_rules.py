"""Rules: small frozen predicate objects, compiled once from a pack, evaluated three-valued.

Every rule prints itself (``repr(rule)`` reads like the rule: ``ferritin < 30 ug/L``) and
evaluates to a :class:`CriterionResult`, which *is* the explanation: the same object that
decided the outcome carries the observed value, the cut-offs with their sources, the margin
and what would change the outcome. Nothing is re-derived for display.

Values are compared as intervals in canonical units: an exact result is ``[v, v]``, a
censored ``<5`` is ``[0, 5)``, ``>2000`` is ``(2000, inf)``. A cut-off is a band, too
(``< 30`` is ``(-inf, 30)``). A comparison *holds* when the whole observed interval is in the
band, *fails* when none of it is, and is *undecided* otherwise; bounds that agree within
:data:`labinterp.REL_TOL` are treated as equal, and the band's inclusivity decides them.
These are plain float comparisons, so the same logic can run on arrays of values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import Field

from labinterp._analytes import ANALYTES
from labinterp._derived import why_unavailable
from labinterp._packs import (
    AllOf,
    AnyOf,
    Criterion,
    Cutoff,
    NotOf,
    Pack,
    PatternRef,
    ReferenceRef,
    ThresholdRef,
    When,
    pattern_dependencies,
)
from labinterp._panel import Measurement
from labinterp._units import REL_TOL, with_unit

__all__ = [
    "AllRule",
    "AnyRule",
    "CompiledPack",
    "CriterionResult",
    "CutoffUsed",
    "Facts",
    "FlagBand",
    "FlagName",
    "HL7Code",
    "NotRule",
    "Outcome",
    "PatternIs",
    "ReferencePositionRule",
    "Rule",
    "ThresholdRule",
    "band_outcome",
    "compile_pack",
    "deciding_context",
    "flag_bands",
    "interval_text",
    "match_when",
]

INF = math.inf
_ALWAYS = When()
#: HL7 v2 interpretation codes for a result against an interval (table 0078).
HL7Code = Literal["LL", "L", "N", "H", "HH"]
#: A result's place against a reference interval, in words.
FlagName = Literal[
    "critically low",
    "low, possibly critically low",
    "low",
    "normal",
    "high",
    "critically high",
    "high, possibly critically high",
    "not low",
    "not high",
    "undetermined",
    "no reference interval",
]
#: One band of a flag: the words, the HL7 code (none for one-sided "not low"), the band.
FlagBand = tuple[FlagName, HL7Code | None, "Band"]
_T = TypeVar("_T")
# Fields the engine needs but a reader of the JSON does not (and that may be infinite).
_Internal = Annotated[_T, Field(exclude=True)]


class Outcome(StrEnum):
    """The three-valued result of one criterion."""

    HELD = "held"
    FAILED = "failed"
    UNDECIDED = "undecided"


@dataclass(frozen=True, slots=True)
class Band:
    """``low < x < high`` with each end's inclusivity; infinite ends are open."""

    low: float = -INF
    low_inclusive: bool = False
    high: float = INF
    high_inclusive: bool = False


def band_outcome(lo: float, lo_incl: bool, hi: float, hi_incl: bool, band: Band) -> Outcome:
    """Where the observed interval ``lo..hi`` lies relative to ``band``.

    Written out flat: this runs for every criterion of every panel. An infinite end (a ``>``
    result) is never "equal within tolerance" to a finite edge.
    """
    low, high = band.low, band.high
    # Every observed value clears the low edge, and the high edge.
    if low == -INF:
        ok_low = True
    elif lo != INF and abs(lo - low) <= REL_TOL * max(abs(lo), abs(low)):
        ok_low = band.low_inclusive or not lo_incl
    else:
        ok_low = lo > low
    if ok_low:
        if high == INF:
            return Outcome.HELD
        if hi != INF and abs(hi - high) <= REL_TOL * max(abs(hi), abs(high)):
            if band.high_inclusive or not hi_incl:
                return Outcome.HELD
        elif hi < high:
            return Outcome.HELD
    # No observed value reaches the low edge, or none stays under the high edge.
    if low != -INF:
        if hi != INF and abs(hi - low) <= REL_TOL * max(abs(hi), abs(low)):
            if not band.low_inclusive or not hi_incl:
                return Outcome.FAILED
        elif hi < low:
            return Outcome.FAILED
    if high != INF:
        if lo != INF and abs(lo - high) <= REL_TOL * max(abs(lo), abs(high)):
            if not band.high_inclusive or not lo_incl:
                return Outcome.FAILED
        elif lo > high:
            return Outcome.FAILED
    return Outcome.UNDECIDED


@dataclass(frozen=True, slots=True)
class CutoffUsed:
    """One cut-off as applied, with its source: precompiled, shared between results."""

    rule: str
    applies_to: str
    unit: str
    comparator: str | None
    value: float | None
    low: float | None
    high: float | None
    low_inclusive: bool | None
    high_inclusive: bool | None
    canonical_unit: str
    source: str
    source_id: str
    confidence: str
    note: str
    band: _Internal[Band] = field(repr=False)
    to_canonical: _Internal[float] = field(repr=False)
    when: _Internal[When] = field(repr=False)
    flips: _Internal[tuple[str, str]] = field(repr=False, init=False)

    def __post_init__(self) -> None:
        # Built once per cut-off at compile time, never per panel.
        object.__setattr__(self, "flips", _flip_texts(self.band, self.to_canonical, self.unit))


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's outcome and the trace of why."""

    kind: Literal["threshold", "reference", "pattern", "all", "any", "not"]
    rule: str
    outcome: Outcome
    analyte: str | None = None
    observed: Measurement | None = None
    cutoffs: tuple[CutoffUsed, ...] = ()
    cutoff_outcomes: tuple[Outcome, ...] = ()
    margin: float | None = None
    margin_unit: str | None = None
    would_change: str | None = None
    missing_analytes: tuple[str, ...] = ()
    missing_context: tuple[str, ...] = ()
    reason: str | None = None
    children: tuple[CriterionResult, ...] = ()

    def leaves(self) -> Iterable[CriterionResult]:
        if not self.children:
            yield self
        for child in self.children:
            yield from child.leaves()


@dataclass(slots=True)
class Facts:
    """What the rules see: observed values, context, and the patterns decided so far.

    ``outcomes`` holds each pattern's decided outcome; ``trace`` explains a pattern on demand
    (memoised), with the same rule objects that decided it.
    """

    values: Mapping[str, Measurement]
    sex: str | None
    pregnant: bool | None
    trimester: int | None
    age: float | None
    use_lab_reference_intervals: bool
    inflammation_pattern: str | None = None
    pattern_rules: Mapping[str, Rule] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    traces: dict[str, CriterionResult] = field(default_factory=dict)

    def trace(self, pattern_id: str) -> CriterionResult:
        found = self.traces.get(pattern_id)
        if found is None:
            found = self.pattern_rules[pattern_id].evaluate(self)
            if found.outcome is not self.outcomes[pattern_id]:  # pragma: no cover - a bug
                raise AssertionError(
                    f"internal error: {pattern_id} was decided {self.outcomes[pattern_id]} "
                    f"but explains as {found.outcome}"
                )
            self.traces[pattern_id] = found
        return found


class Rule(Protocol):
    """A criterion: ``decide`` gives the outcome alone (fast); ``evaluate`` adds the trace.

    Both run the same comparisons, so an explanation always agrees with its decision.
    """

    @property
    def text(self) -> str: ...

    def decide(self, facts: Facts) -> Outcome: ...

    def evaluate(self, facts: Facts) -> CriterionResult: ...


# --- context matching ---------------------------------------------------------------------------

_Tri = bool | None


def _canonical_when(when: When) -> When:
    """The shared empty context, so that "applies to everyone" is an identity test."""
    return _ALWAYS if when == _ALWAYS else when


def match_when(when: When, facts: Facts) -> tuple[_Tri, tuple[str, ...]]:
    """Does ``when`` apply? True, False or None (unknown), and which context is unknown."""
    unknown: list[str] = []
    if when.sex is not None:
        if facts.sex is None:
            unknown.append("sex")
        elif facts.sex != when.sex:
            return False, ()
    if when.pregnant is not None:
        if facts.pregnant is None:
            unknown.append("pregnant")
        elif facts.pregnant != when.pregnant:
            return False, ()
    if when.trimester is not None:
        if facts.pregnant is False:
            return False, ()
        if facts.trimester is None:
            unknown.append("trimester")
        elif facts.trimester not in when.trimester:
            return False, ()
    if when.age_min is not None or when.age_max is not None:
        if facts.age is None:
            unknown.append("age")
        elif (when.age_min is not None and facts.age < when.age_min) or (
            when.age_max is not None and facts.age >= when.age_max
        ):
            return False, ()
    if when.inflammation is not None and facts.inflammation_pattern is not None:
        inflamed = facts.outcomes[facts.inflammation_pattern]
        if inflamed is Outcome.UNDECIDED:
            unknown.append("inflammation")
        elif (inflamed is Outcome.HELD) != when.inflammation:
            return False, ()
    return (None if unknown else True), tuple(unknown)


def _candidates(
    cutoffs: tuple[CutoffUsed, ...], facts: Facts
) -> tuple[tuple[CutoffUsed, ...], Set[str]]:
    if len(cutoffs) == 1 and cutoffs[0].when is _ALWAYS:
        return cutoffs, _NOTHING
    chosen: list[CutoffUsed] = []
    unknown: set[str] = set()
    for cut in cutoffs:
        if cut.when is _ALWAYS:
            chosen.append(cut)
            continue
        applies, missing = match_when(cut.when, facts)
        if applies is False:
            continue
        chosen.append(cut)
        unknown.update(missing)
    return tuple(chosen), unknown


_NOTHING: frozenset[str] = frozenset()


_WHEN_KEYS: Mapping[str, tuple[str, ...]] = {
    "sex": ("sex",),
    "pregnant": ("pregnant",),
    "trimester": ("trimester",),
    "age": ("age_min", "age_max"),
    "inflammation": ("inflammation",),
}


class _HasWhen(Protocol):
    @property
    def when(self) -> When: ...


def deciding_context(
    chosen: Sequence[_HasWhen], outcomes: Sequence[object], unknown: Set[str]
) -> set[str]:
    """The unknown context keys that separate cut-offs with different outcomes.

    Hemoglobin 12.5 g/dL with no context differs between the male and the female cut-offs,
    so sex is named; pregnancy is not, since every female cut-off gives the same answer.
    """
    needed: set[str] = set()
    for i, (a, oa) in enumerate(zip(chosen, outcomes, strict=True)):
        for b, ob in zip(chosen[i + 1 :], outcomes[i + 1 :], strict=True):
            if oa == ob:
                continue
            for key in unknown:
                va = tuple(getattr(a.when, f) for f in _WHEN_KEYS[key])
                vb = tuple(getattr(b.when, f) for f in _WHEN_KEYS[key])
                if va != vb and all(x is not None for x in (*va, *vb)):
                    needed.add(key)
    return needed or set(unknown)


def _missing_for_context(
    unknown: Set[str], facts: Facts
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split unknown context into context keys and the analytes that would settle them."""
    analytes: tuple[str, ...] = ()
    if "inflammation" in unknown and facts.inflammation_pattern is not None:
        analytes = facts.trace(facts.inflammation_pattern).missing_analytes
    context = tuple(sorted(k for k in unknown if k != "inflammation"))
    if "inflammation" in unknown and not analytes:
        context = tuple(sorted((*context, "inflammation")))
    return analytes, context


# --- leaf rules ---------------------------------------------------------------------------------


def _agree(outcomes: Sequence[Outcome]) -> Outcome:
    first = outcomes[0]
    return first if all(o is first for o in outcomes) else Outcome.UNDECIDED


def _flip_texts(band: Band, to_canonical: float, unit: str) -> tuple[str, str]:
    """What would change a held and a failed outcome; fixed per cut-off, so built once."""
    lo = with_unit(f"{band.low / to_canonical:g}", unit)
    hi = with_unit(f"{band.high / to_canonical:g}", unit)
    if band.low == -INF:
        if band.high_inclusive:
            return f"would no longer hold above {hi}", f"would hold at {hi} or below"
        return f"would no longer hold at {hi} or above", f"would hold below {hi}"
    if band.high == INF:
        if band.low_inclusive:
            return f"would no longer hold below {lo}", f"would hold at {lo} or above"
        return f"would no longer hold at {lo} or below", f"would hold above {lo}"
    span = f"{band.low / to_canonical:g}-{hi}"
    return f"would no longer hold outside {span}", f"would hold within {span}"


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
        return Outcome.UNDECIDED
    lo, lo_incl, hi, hi_incl = obs.canonical_interval
    if len(cutoffs) == 1 and cutoffs[0].when is _ALWAYS:
        return band_outcome(lo, lo_incl, hi, hi_incl, cutoffs[0].band)
    chosen, _ = _candidates(cutoffs, facts)
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
    if obs is None:
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
    chosen, unknown = _candidates(cutoffs, facts)
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
            analytes, context = _missing_for_context(
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


@dataclass(frozen=True, slots=True, repr=False)
class ThresholdRule:
    """``analyte`` compared with a named threshold (one cut-off per context)."""

    threshold_id: str
    analyte: str
    cutoffs: tuple[CutoffUsed, ...]
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
        return _decide_leaf(self.analyte, self.cutoffs, facts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        return _explain_leaf("threshold", self.text, self.analyte, self.cutoffs, facts)


@dataclass(frozen=True, slots=True, repr=False)
class ReferencePositionRule:
    """``analyte`` below, within or above its reference interval (the lab's, else the pack's)."""

    analyte: str
    position: Literal["below", "within", "above"]
    pack_cutoffs: tuple[CutoffUsed, ...]
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

    def decide(self, facts: Facts) -> Outcome:
        cutoffs, problem = self._cutoffs(facts)
        if problem is not None:
            return Outcome.UNDECIDED
        return _decide_leaf(self.analyte, cutoffs, facts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        cutoffs, problem = self._cutoffs(facts)
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
    band = _position_band(position, *obs.canonical_reference_interval)
    if band is None:
        return None
    return _position_cutoff(
        analyte,
        position,
        ri.low,
        ri.high,
        ri.unit,
        band,
        to_canonical=ANALYTES[analyte].resolve_unit(ri.unit).to_canonical,
        whose="the lab's interval ",
        applies_to="this result",
        when=_ALWAYS,
        source="the laboratory's own reference interval",
        source_id="lab",
        confidence="verified",
    )


def _position_cutoff(
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


def _position_band(position: str, low: float | None, high: float | None) -> Band | None:
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
        return CriterionResult(
            "pattern",
            self.text,
            outcome,
            missing_analytes=other.missing_analytes,
            missing_context=other.missing_context,
        )


# --- composition: Kleene's three-valued and, or, not ------------------------------------------


def _union(results: Iterable[CriterionResult]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    analytes: dict[str, None] = {}
    context: dict[str, None] = {}
    for r in results:
        analytes.update(dict.fromkeys(r.missing_analytes))
        context.update(dict.fromkeys(r.missing_context))
    return tuple(analytes), tuple(context)


def _kleene_all(outcomes: Iterable[Outcome]) -> Outcome:
    result = Outcome.HELD
    for o in outcomes:
        if o is Outcome.FAILED:
            return Outcome.FAILED
        if o is Outcome.UNDECIDED:
            result = Outcome.UNDECIDED
    return result


def _kleene_any(outcomes: Iterable[Outcome]) -> Outcome:
    result = Outcome.FAILED
    for o in outcomes:
        if o is Outcome.HELD:
            return Outcome.HELD
        if o is Outcome.UNDECIDED:
            result = Outcome.UNDECIDED
    return result


def _composite(
    kind: Literal["all", "any"],
    text: str,
    outcome: Outcome,
    results: tuple[CriterionResult, ...],
) -> CriterionResult:
    if outcome is not Outcome.UNDECIDED:
        return CriterionResult(kind, text, outcome, children=results)
    analytes, context = _union(r for r in results if r.outcome is Outcome.UNDECIDED)
    return CriterionResult(
        kind,
        text,
        outcome,
        missing_analytes=analytes,
        missing_context=context,
        children=results,
    )


@dataclass(frozen=True, slots=True, repr=False)
class AllRule:
    """Every rule holds (false as soon as one fails; undecided if none fails but one is)."""

    rules: tuple[Rule, ...]
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", "all(" + ", ".join(r.text for r in self.rules) + ")")

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        return _kleene_all(r.decide(facts) for r in self.rules)

    def evaluate(self, facts: Facts) -> CriterionResult:
        results = tuple(r.evaluate(facts) for r in self.rules)
        return _composite("all", self.text, _kleene_all(r.outcome for r in results), results)


@dataclass(frozen=True, slots=True, repr=False)
class AnyRule:
    """At least one rule holds (undecided if none holds but one is undecided)."""

    rules: tuple[Rule, ...]
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", "any(" + ", ".join(r.text for r in self.rules) + ")")

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        return _kleene_any(r.decide(facts) for r in self.rules)

    def evaluate(self, facts: Facts) -> CriterionResult:
        results = tuple(r.evaluate(facts) for r in self.rules)
        return _composite("any", self.text, _kleene_any(r.outcome for r in results), results)


_NEGATE = {
    Outcome.HELD: Outcome.FAILED,
    Outcome.FAILED: Outcome.HELD,
    Outcome.UNDECIDED: Outcome.UNDECIDED,
}


@dataclass(frozen=True, slots=True, repr=False)
class NotRule:
    rule: Rule
    text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"not({self.rule.text})")

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        return _NEGATE[self.rule.decide(facts)]

    def evaluate(self, facts: Facts) -> CriterionResult:
        inner = self.rule.evaluate(facts)
        return CriterionResult(
            "not",
            self.text,
            _NEGATE[inner.outcome],
            missing_analytes=inner.missing_analytes,
            missing_context=inner.missing_context,
            children=(inner,),
        )


# --- compiling a pack ---------------------------------------------------------------------------


def _cutoff_used(
    pack: Pack,
    analyte: str,
    cut: Cutoff,
    default_source: str | None,
    confidence: str,
    note: str,
) -> CutoffUsed:
    entry = ANALYTES[analyte]
    factor = entry.resolve_unit(cut.unit).to_canonical
    source_id = cut.source or default_source or ""
    source = pack.sources[source_id]
    if cut.interval is not None:
        iv = cut.interval
        band = Band(iv.low * factor, iv.low_inclusive, iv.high * factor, iv.high_inclusive)
        lo_sym = "<=" if iv.low_inclusive else "<"
        hi_sym = "<=" if iv.high_inclusive else "<"
        rule = with_unit(f"{iv.low:g} {lo_sym} {analyte} {hi_sym} {iv.high:g}", cut.unit)
        comparator, value = None, None
        low: float | None = iv.low
        high: float | None = iv.high
        low_incl: bool | None = iv.low_inclusive
        high_incl: bool | None = iv.high_inclusive
    else:
        # Cutoff's validator guarantees a comparator with a value when there is no interval.
        assert cut.comparator is not None
        assert cut.value is not None
        v = cut.value * factor
        comparator, value = cut.comparator, cut.value
        band = {
            "<": Band(high=v),
            "<=": Band(high=v, high_inclusive=True),
            ">": Band(low=v),
            ">=": Band(low=v, low_inclusive=True),
        }[cut.comparator]
        rule = with_unit(f"{analyte} {cut.comparator} {cut.value:g}", cut.unit)
        low = value if comparator in (">", ">=") else None
        high = value if comparator in ("<", "<=") else None
        low_incl = (comparator == ">=") if low is not None else None
        high_incl = (comparator == "<=") if high is not None else None
    return CutoffUsed(
        rule=rule,
        applies_to=cut.when.describe(),
        unit=cut.unit,
        comparator=comparator,
        value=value,
        low=low,
        high=high,
        low_inclusive=low_incl,
        high_inclusive=high_incl,
        canonical_unit=entry.canonical_unit,
        source=source.citation(),
        source_id=source_id,
        confidence=cut.confidence or confidence,
        note=" ".join(" ".join(part.split()) for part in (note, cut.note) if part.strip()),
        band=band,
        to_canonical=factor,
        when=_canonical_when(cut.when),
    )


@dataclass(frozen=True, slots=True)
class RangeUsed:
    """A pack reference interval, compiled: flags use all four bands."""

    analyte: str
    when: When
    low: float | None
    high: float | None
    critical_low: float | None
    critical_high: float | None
    unit: str
    source: str
    source_id: str
    confidence: str
    to_canonical: float
    bands: tuple[FlagBand, ...] = ()  # tested in this order; the first that holds decides
    critical_source: str | None = None


def flag_bands(
    low: float | None,
    high: float | None,
    critical_low: float | None,
    critical_high: float | None,
) -> tuple[FlagBand, ...]:
    """The bands that decide a flag, most severe first, then the interval itself.

    Inside an interval with both limits is "normal" (N); inside one with a single limit is
    only "not low" or "not high", with no HL7 code, since nothing bounds the other side.
    """
    bands: list[FlagBand] = []
    if critical_low is not None:
        bands.append(("critically low", "LL", Band(high=critical_low)))
    if low is not None:
        bands.append(("low", "L", Band(high=low)))
    if critical_high is not None:
        bands.append(("critically high", "HH", Band(low=critical_high)))
    if high is not None:
        bands.append(("high", "H", Band(low=high)))
    inside = Band(
        low=-INF if low is None else low,
        low_inclusive=low is not None,
        high=INF if high is None else high,
        high_inclusive=high is not None,
    )
    if low is not None and high is not None:
        bands.append(("normal", "N", inside))
    elif low is not None:
        bands.append(("not low", None, inside))
    elif high is not None:
        bands.append(("not high", None, inside))
    return tuple(bands)


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    id: str
    label: str
    kind: Literal["pattern", "note"]
    description: str
    rule: Rule
    supporting: tuple[Rule, ...]
    decisive_tests: tuple[str, ...]
    note: str
    labels: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # Educational wording, fixed per pattern: "consistent with", never a diagnosis.
        if self.kind == "note":
            labels = {
                "consistent": f"note applies: {self.label}",
                "not_consistent": f"note does not apply: {self.label}",
                "indeterminate": f"note on {self.label}",
            }
        else:
            labels = {
                "consistent": f"consistent with {self.label}",
                "not_consistent": f"not consistent with {self.label}",
                "indeterminate": self.label,
            }
        object.__setattr__(self, "labels", labels)


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """A pack turned into rule objects, in the order patterns must be evaluated."""

    pack: Pack
    thresholds: Mapping[str, ThresholdRule]
    ranges: Mapping[str, tuple[RangeUsed, ...]]
    patterns: tuple[CompiledPattern, ...]
    pattern_rules: Mapping[str, Rule] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern_rules", {p.id: p.rule for p in self.patterns})


def compile_pack(pack: Pack) -> CompiledPack:
    thresholds = {
        tid: ThresholdRule(
            tid,
            spec.analyte,
            tuple(
                _cutoff_used(pack, spec.analyte, cut, spec.source, spec.confidence, spec.note)
                for cut in spec.cutoffs
            ),
        )
        for tid, spec in pack.thresholds.items()
    }
    ranges: dict[str, tuple[RangeUsed, ...]] = {}
    for aid, ref in pack.reference_intervals.items():
        entry = ANALYTES[aid]
        items = []
        for ri in ref.intervals:
            factor = entry.resolve_unit(ri.unit).to_canonical
            source_id = ri.source or ref.source or ""

            def scaled(x: float | None, f: float = factor) -> float | None:
                return None if x is None else x * f

            low, high = scaled(ri.low), scaled(ri.high)
            crit_low, crit_high = scaled(ri.critical_low), scaled(ri.critical_high)
            items.append(
                RangeUsed(
                    aid,
                    ri.when,
                    low,
                    high,
                    crit_low,
                    crit_high,
                    ri.unit,
                    pack.sources[source_id].citation(),
                    source_id,
                    ref.confidence,
                    factor,
                    flag_bands(low, high, crit_low, crit_high),
                    pack.sources[ri.critical_source].citation() if ri.critical_source else None,
                )
            )
        ranges[aid] = tuple(items)

    def build(crit: Criterion) -> Rule:
        match crit:
            case ThresholdRef(threshold=tid):
                return thresholds[tid]
            case ReferenceRef(reference=ref):
                return ReferencePositionRule(
                    ref.analyte,
                    ref.position,
                    _range_cutoffs(ranges.get(ref.analyte, ()), ref.position),
                )
            case PatternRef(pattern=pid):
                return PatternIs(pid)
            case AllOf(all=items):
                return AllRule(tuple(build(i) for i in items))
            case AnyOf(any=items):
                return AnyRule(tuple(build(i) for i in items))
            case NotOf(not_=inner):
                return NotRule(build(inner))
        raise AssertionError(f"unknown criterion {crit!r}")  # pragma: no cover

    order = _evaluation_order(pack)
    patterns = tuple(
        CompiledPattern(
            pid,
            spec.label,
            spec.kind,
            " ".join(spec.description.split()),
            build(spec.criteria),
            tuple(build(c) for c in spec.supporting),
            tuple(spec.decisive_tests),
            " ".join(spec.note.split()),
        )
        for pid in order
        for spec in (pack.patterns[pid],)
    )
    return CompiledPack(pack, thresholds, ranges, patterns)


def _range_cutoffs(ranges: Sequence[RangeUsed], position: str) -> tuple[CutoffUsed, ...]:
    cuts = []
    for r in ranges:
        band = _position_band(position, r.low, r.high)
        if band is None:
            continue
        cuts.append(
            _position_cutoff(
                r.analyte,
                position,
                None if r.low is None else r.low / r.to_canonical,
                None if r.high is None else r.high / r.to_canonical,
                r.unit,
                band,
                to_canonical=r.to_canonical,
                whose="",
                applies_to=r.when.describe(),
                when=_canonical_when(r.when),
                source=r.source,
                source_id=r.source_id,
                confidence=r.confidence,
            )
        )
    return tuple(cuts)


def _evaluation_order(pack: Pack) -> list[str]:
    """Patterns after the patterns they depend on; otherwise in the pack's order."""
    order: list[str] = []
    placed: set[str] = set()

    def place(pid: str) -> None:
        if pid in placed:
            return
        placed.add(pid)
        for dep in sorted(pattern_dependencies(pack, pid)):
            place(dep)
        order.append(pid)

    if pack.inflammation_pattern:
        place(pack.inflammation_pattern)
    for pid in pack.patterns:
        place(pid)
    return order
