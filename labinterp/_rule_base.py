"""The ground the rules stand on: outcomes, bands, what a result's trace holds, the facts
rules see, and matching a patient's context against a ``when``.

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

from labinterp._derived import bound_of
from labinterp._packs import Unless, When
from labinterp._panel import Measurement
from labinterp._units import REL_TOL, with_unit

__all__ = [
    "ALWAYS",
    "INF",
    "NOTHING",
    "Band",
    "CriterionResult",
    "CutoffUsed",
    "Facts",
    "FlagBand",
    "FlagName",
    "GreyZoneResult",
    "HL7Code",
    "Internal",
    "NotCoveredUsed",
    "Outcome",
    "PatternExplainer",
    "PatternTrace",
    "Rule",
    "band_outcome",
    "candidates",
    "canonical_when",
    "deciding_context",
    "flip_texts",
    "match_when",
    "missing_for_context",
]

INF = math.inf
# Built without validation (no validator at import: cold start); equal to When().
ALWAYS = When.model_construct()
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
Internal = Annotated[_T, Field(exclude=True)]


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


def flip_texts(band: Band, to_canonical: float, unit: str) -> tuple[str, str]:
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
    band: Internal[Band] = field(repr=False)
    to_canonical: Internal[float] = field(repr=False)
    when: Internal[When] = field(repr=False)
    flips: Internal[tuple[str, str]] = field(repr=False, init=False)

    def __post_init__(self) -> None:
        # Built once per cut-off at compile time, never per panel.
        object.__setattr__(self, "flips", flip_texts(self.band, self.to_canonical, self.unit))


@dataclass(frozen=True, slots=True)
class NotCoveredUsed:
    """A context a threshold's source gives no cut-off for, compiled with its citation."""

    applies_to: str
    reason: str
    source: str
    source_id: str
    when: Internal[When] = field(repr=False)

    def explain(self) -> str:
        return f"not covered for {self.applies_to}: {self.reason} ({self.source})"


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's outcome and the trace of why."""

    kind: Literal["threshold", "reference", "pattern", "all", "any", "not", "context", "missing"]
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
    not_covered: tuple[NotCoveredUsed, ...] = ()  # contexts the source does not cover, applying

    def leaves(self) -> Iterable[CriterionResult]:
        if not self.children:
            yield self
        for child in self.children:
            yield from child.leaves()


@dataclass(frozen=True, slots=True)
class GreyZoneResult:
    """One grey zone as evaluated for a panel: whether it held, why, and who says so."""

    result: CriterionResult
    reason: str
    decisive_tests: tuple[str, ...]
    source: str
    source_id: str
    confidence: str

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome


@dataclass(frozen=True, slots=True)
class PatternTrace:
    """A pattern's explanation: the outcome, the criteria's trace and each grey zone's."""

    outcome: Outcome
    criteria: CriterionResult
    grey_zones: tuple[GreyZoneResult, ...] = ()
    missing_analytes: tuple[str, ...] = ()
    missing_context: tuple[str, ...] = ()

    @property
    def held_zones(self) -> tuple[GreyZoneResult, ...]:
        return tuple(z for z in self.grey_zones if z.outcome is Outcome.HELD)

    @property
    def open_zones(self) -> tuple[GreyZoneResult, ...]:
        return tuple(z for z in self.grey_zones if z.outcome is Outcome.UNDECIDED)


_NONE_REPORTED: frozenset[str] = frozenset()


@dataclass(slots=True)
class Facts:
    """What the rules see: observed values, context, and the patterns decided so far.

    ``outcomes`` holds each pattern's decided outcome; ``trace`` explains a pattern on demand
    (memoised), with the same rule objects that decided it. The reported lists (conditions,
    medications, symptoms) are sets, so that a context check is a set lookup.
    """

    values: Mapping[str, Measurement]
    sex: str | None
    pregnant: bool | None
    trimester: int | None
    age: float | None
    use_lab_reference_intervals: bool
    inflammation_pattern: str | None = None
    pattern_rules: Mapping[str, PatternExplainer] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    traces: dict[str, PatternTrace] = field(default_factory=dict)
    conditions: frozenset[str] = _NONE_REPORTED
    medications: frozenset[str] = _NONE_REPORTED
    symptoms: frozenset[str] = _NONE_REPORTED
    diet: str | None = None
    pregnancy_assumed: bool = False  # "not pregnant" was taken from age, not given
    # The ages [low, high) the pack takes a patient to have whose age is not given (its
    # population.when_age_unknown); None: age is unknown.
    assumed_ages: tuple[float, float] | None = None
    # Ranges of derived results whose inputs are censored or missing (bound, below), worked
    # out on first use: an interpretation pays only for the ones its rules read.
    _bounds: dict[str, Measurement | None] = field(default_factory=dict, repr=False)

    def bound(self, analyte: str) -> Measurement | None:
        """The range ``analyte`` could take (:func:`labinterp._derived.bound_of`), if any;
        the rules use it only where it settles a comparison."""
        if analyte not in self._bounds:
            self._bounds[analyte] = bound_of(self.values, analyte)
        return self._bounds[analyte]

    def trace(self, pattern_id: str) -> PatternTrace:
        found = self.traces.get(pattern_id)
        if found is None:
            found = self.pattern_rules[pattern_id].explain(self)
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


class PatternExplainer(Protocol):
    """A compiled pattern as the facts need it: its trace on demand."""

    def explain(self, facts: Facts) -> PatternTrace: ...


# --- context matching ---------------------------------------------------------------------------

_Tri = bool | None


def canonical_when(when: When) -> When:
    """The shared empty context, so that "applies to everyone" is an identity test."""
    return ALWAYS if when == ALWAYS else when


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
        age = _age_applies(when, facts)
        if age is False:
            return False, ()
        if age is None:
            unknown.append("age")
    if when.inflammation is not None and facts.inflammation_pattern is not None:
        inflamed = facts.outcomes[facts.inflammation_pattern]
        if inflamed is Outcome.UNDECIDED:
            unknown.append("inflammation")
        elif (inflamed is Outcome.HELD) != when.inflammation:
            return False, ()
    # Reported context is two-valued: an id the panel does not list is not reported.
    if when.conditions is not None and facts.conditions.isdisjoint(when.conditions):
        return False, ()
    if when.medications is not None and facts.medications.isdisjoint(when.medications):
        return False, ()
    if when.symptoms is not None and facts.symptoms.isdisjoint(when.symptoms):
        return False, ()
    if when.diet is not None and facts.diet not in when.diet:
        return False, ()
    if when.unless is not None and _any_reported(when.unless, facts):
        return False, ()
    return (None if unknown else True), tuple(unknown)


def _age_applies(when: When, facts: Facts) -> _Tri:
    """Does the age band of ``when`` hold the patient's age, or all the ages the pack assumes
    when age is not given? None when it holds only some of them (age would decide)."""
    low = 0.0 if when.age_min is None else when.age_min
    high = math.inf if when.age_max is None else when.age_max
    if facts.age is not None:
        return low <= facts.age < high
    if facts.assumed_ages is None:
        return None
    assumed_low, assumed_high = facts.assumed_ages
    if assumed_high <= low or assumed_low >= high:
        return False
    return True if low <= assumed_low and assumed_high <= high else None


def _any_reported(unless: Unless, facts: Facts) -> bool:
    return (
        (unless.conditions is not None and not facts.conditions.isdisjoint(unless.conditions))
        or (unless.medications is not None and not facts.medications.isdisjoint(unless.medications))
        or (unless.symptoms is not None and not facts.symptoms.isdisjoint(unless.symptoms))
        or (unless.diet is not None and facts.diet in unless.diet)
    )


def candidates(
    cutoffs: tuple[CutoffUsed, ...], facts: Facts
) -> tuple[tuple[CutoffUsed, ...], Set[str]]:
    if len(cutoffs) == 1 and cutoffs[0].when is ALWAYS:
        return cutoffs, NOTHING
    chosen: list[CutoffUsed] = []
    unknown: set[str] = set()
    for cut in cutoffs:
        if cut.when is ALWAYS:
            chosen.append(cut)
            continue
        applies, missing = match_when(cut.when, facts)
        if applies is False:
            continue
        chosen.append(cut)
        unknown.update(missing)
    return tuple(chosen), unknown


NOTHING: frozenset[str] = frozenset()


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


def missing_for_context(unknown: Set[str], facts: Facts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split unknown context into context keys and the analytes that would settle them."""
    analytes: tuple[str, ...] = ()
    if "inflammation" in unknown and facts.inflammation_pattern is not None:
        analytes = facts.trace(facts.inflammation_pattern).missing_analytes
    context = tuple(sorted(k for k in unknown if k != "inflammation"))
    if "inflammation" in unknown and not analytes:
        context = tuple(sorted((*context, "inflammation")))
    return analytes, context
