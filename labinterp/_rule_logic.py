"""Composing rules: Kleene's three-valued and, or, not; and a pattern's criteria with its
grey zones, which ``decide`` and ``explain`` with the same rule objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from labinterp._rule_base import (
    CriterionResult,
    Facts,
    GreyZoneResult,
    Outcome,
    PatternTrace,
    Rule,
)

__all__ = [
    "AllRule",
    "AnyRule",
    "ClassRule",
    "GreyZoneRule",
    "NotRule",
    "PatternRule",
    "grey_zone_outcome",
    "union_missing",
]


def union_missing(results: Iterable[CriterionResult]) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
    analytes, context = union_missing(r for r in results if r.outcome is Outcome.UNDECIDED)
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


@dataclass(frozen=True, slots=True, repr=False)
class ClassRule:
    """One class of an ordered classification: the criteria of every class before it fail
    and its own hold (``own`` is None for ``otherwise``, which holds when every class's
    criteria fail).

    Strict Kleene conjunction of "not earlier" and "own", so it is sound, and in any complete
    set of results exactly one class holds: the classes exclude each other and cover every
    case by construction.
    """

    earlier: tuple[tuple[str, Rule], ...]  # (class id, criteria) of the classes before it
    own: Rule | None
    text: str = field(init=False)

    def __post_init__(self) -> None:
        parts = [f"not(class {cid})" for cid, _ in self.earlier]
        parts += [self.own.text] if self.own is not None else []
        text = parts[0] if len(parts) == 1 else "all(" + ", ".join(parts) + ")"
        object.__setattr__(self, "text", text)

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        result = Outcome.HELD
        for _, rule in self.earlier:
            outcome = rule.decide(facts)
            if outcome is Outcome.HELD:
                return Outcome.FAILED  # an earlier class is chosen
            if outcome is Outcome.UNDECIDED:
                result = Outcome.UNDECIDED
        if self.own is None:
            return result
        return _kleene_all((result, self.own.decide(facts)))

    def evaluate(self, facts: Facts) -> CriterionResult:
        results = [_not_class(cid, rule.evaluate(facts)) for cid, rule in self.earlier]
        if self.own is not None:
            results.append(self.own.evaluate(facts))
        if len(results) == 1:
            return results[0]
        outcome = _kleene_all(r.outcome for r in results)
        return _composite("all", self.text, outcome, tuple(results))


def _not_class(class_id: str, inner: CriterionResult) -> CriterionResult:
    """An earlier class does not apply: its criteria, negated, named by the class."""
    return CriterionResult(
        "not",
        f"not(class {class_id})",
        _NEGATE[inner.outcome],
        missing_analytes=inner.missing_analytes,
        missing_context=inner.missing_context,
        children=(inner,),
    )


# --- patterns: criteria and grey zones ----------------------------------------------------------


def grey_zone_outcome(criteria: Outcome, zones: Iterable[Outcome]) -> Outcome:
    """A pattern's outcome from its criteria's and its grey zones' (strict Kleene).

    A zone that holds makes the pattern undecided; a zone that may hold makes a decided
    pattern undecided too, since the zone could turn out to hold; otherwise the criteria decide.
    """
    zone_open = False
    for zone in zones:
        if zone is Outcome.HELD:
            return Outcome.UNDECIDED
        if zone is Outcome.UNDECIDED:
            zone_open = True
    return Outcome.UNDECIDED if zone_open else criteria


@dataclass(frozen=True, slots=True)
class GreyZoneRule:
    """A grey zone, compiled: its condition as a rule, the reason and its citation."""

    rule: Rule
    reason: str
    decisive_tests: tuple[str, ...]
    source: str
    source_id: str
    confidence: str


@dataclass(frozen=True, slots=True, repr=False)
class PatternRule:
    """A pattern's criteria with its grey zones: ``decide`` for the status, ``explain`` for the
    trace, with the same rules (so that they always agree)."""

    criteria: Rule
    grey_zones: tuple[GreyZoneRule, ...] = ()

    @property
    def text(self) -> str:
        return self.criteria.text

    def __repr__(self) -> str:
        return self.text

    def decide(self, facts: Facts) -> Outcome:
        outcome = self.criteria.decide(facts)
        if not self.grey_zones or outcome is Outcome.UNDECIDED:
            return outcome
        return grey_zone_outcome(outcome, (z.rule.decide(facts) for z in self.grey_zones))

    def explain(self, facts: Facts) -> PatternTrace:
        criteria = self.criteria.evaluate(facts)
        zones = tuple(
            GreyZoneResult(
                z.rule.evaluate(facts),
                z.reason,
                z.decisive_tests,
                z.source,
                z.source_id,
                z.confidence,
            )
            for z in self.grey_zones
        )
        outcome = grey_zone_outcome(criteria.outcome, (z.outcome for z in zones))
        if outcome is not Outcome.UNDECIDED or any(z.outcome is Outcome.HELD for z in zones):
            # Decided, or undecided by a zone that holds: nothing missing would change that.
            return PatternTrace(outcome, criteria, zones)
        undecided = [z.result for z in zones if z.outcome is Outcome.UNDECIDED]
        if criteria.outcome is Outcome.UNDECIDED:
            undecided.insert(0, criteria)
        analytes, context = union_missing(undecided)
        return PatternTrace(outcome, criteria, zones, analytes, context)
