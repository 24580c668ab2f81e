"""The compiled pack's rules decided on arrays: the scalar engine's own rule objects walked
once per chunk, each outcome an ``int8`` array of Kleene's three values, so that "all" is the
minimum, "any" the maximum and "not" the negation; the patterns' statuses in the engine's
order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from labinterp._columnar_facts import ArrayFacts
from labinterp._columnar_values import (
    FAILED,
    HELD,
    UNDECIDED,
    Bools,
    Codes,
    Floats,
    band_codes,
    lab_band,
    row_band_codes,
)
from labinterp._engine import compiled_rules
from labinterp._packs import Pack
from labinterp._rule_base import NotCoveredUsed, Outcome
from labinterp._rule_leaves import (
    ContextRule,
    MissingRule,
    PatternIs,
    ReferencePositionRule,
    ThresholdRule,
)
from labinterp._rule_logic import AllRule, AnyRule, ClassRule, NotRule, PatternRule
from labinterp._rules import CompiledPack

#: Status names by code + 1 (failed, undecided, held), as :class:`labinterp.Status` spells them.
STATUS_NAMES: Final = ("not_consistent", "indeterminate", "consistent")
_OUTCOME_CODE: Final = {Outcome.HELD: 1, Outcome.UNDECIDED: 0, Outcome.FAILED: -1}


@dataclass(frozen=True, slots=True)
class ColumnarPack:
    """A compiled pack ready for arrays (the rules are the scalar engine's own objects)."""

    compiled: CompiledPack
    pattern_ids: tuple[str, ...]
    population_age: tuple[float | None, float | None]


def columnar_pack(pack: Pack) -> ColumnarPack:
    compiled = compiled_rules(pack)
    pop = pack.population
    return ColumnarPack(
        compiled, tuple(cp.id for cp in compiled.patterns), (pop.age_min, pop.age_max)
    )


def _agree(outcomes: list[tuple[Bools, Codes]], n: int) -> Codes:
    """The candidates' outcome when they agree, else undecided (none chosen: undecided)."""
    low = np.full(n, 2, dtype=np.int8)
    high = np.full(n, -2, dtype=np.int8)
    for chosen, codes in outcomes:
        np.minimum(low, np.where(chosen, codes, np.int8(2)), out=low)
        np.maximum(high, np.where(chosen, codes, np.int8(-2)), out=high)
    return np.where((low == high), low, UNDECIDED).astype(np.int8)


def _leaf(analyte: str, cutoffs: Iterable[Any], facts: ArrayFacts) -> Codes:
    """``_decide_leaf``: each cut-off whose context may apply, agreeing or undecided."""
    cuts = tuple(cutoffs)
    if not cuts:
        return np.zeros(facts.n, dtype=np.int8)
    outcomes = []
    for cut in cuts:
        applies = facts.when(cut.when)
        outcomes.append((applies != FAILED, facts.band(analyte, cut.band)))
    codes = _agree(outcomes, facts.n)
    absent = ~facts.observed(analyte).present
    codes[absent] = UNDECIDED
    bounded = facts.bound(analyte)
    if bounded is not None:
        # _decide_leaf: where the index is absent, its range over the input not measured.
        rows = absent & bounded.present
        ranged = _agree(
            [(facts.when(cut.when) != FAILED, band_codes(bounded, cut.band)) for cut in cuts],
            facts.n,
        )
        codes[rows] = ranged[rows]
    return codes


def decide(rule: Any, facts: ArrayFacts) -> Codes:
    """A rule's ``decide`` for every row."""
    if isinstance(rule, ThresholdRule):
        return _undecided_where_uncovered(
            _leaf(rule.analyte, rule.cutoffs, facts), rule.not_covered, facts
        )
    if isinstance(rule, ReferencePositionRule):
        # The pack's intervals (and the contexts it gives none for), except where a result
        # carries the lab's own interval with the bound this position needs (and the pack
        # lets lab intervals count): ReferencePositionRule._cutoffs row by row.
        codes = _undecided_where_uncovered(
            _leaf(rule.analyte, rule.pack_cutoffs, facts), rule.not_covered, facts
        )
        return _with_lab_position(codes, rule, facts)
    if isinstance(rule, PatternIs):
        return facts.outcomes[rule.pattern_id]
    if isinstance(rule, AllRule):
        return _fold(np.minimum, (decide(r, facts) for r in rule.rules), HELD, facts.n)
    if isinstance(rule, AnyRule):
        return _fold(np.maximum, (decide(r, facts) for r in rule.rules), FAILED, facts.n)
    if isinstance(rule, NotRule):
        return (-decide(rule.rule, facts)).astype(np.int8)
    if isinstance(rule, ContextRule):
        return facts.when(rule.when)
    if isinstance(rule, MissingRule):
        present = facts.observed(rule.analyte).present
        bounded = facts.bound(rule.analyte)
        if bounded is not None:  # a range from its inputs is a value (MissingRule.decide)
            present = present | bounded.present
        return np.where(present, FAILED, HELD).astype(np.int8)
    if isinstance(rule, ClassRule):
        parts = [(-decide(r, facts)).astype(np.int8) for _, r in rule.earlier]
        if rule.own is not None:
            parts.append(decide(rule.own, facts))
        return _fold(np.minimum, parts, HELD, facts.n)
    if isinstance(rule, PatternRule):
        criteria = decide(rule.criteria, facts)
        if not rule.grey_zones:
            return criteria
        all_failed = np.ones(facts.n, dtype=bool)
        for zone in rule.grey_zones:
            all_failed &= decide(zone.rule, facts) == FAILED
        return np.where(all_failed, criteria, UNDECIDED).astype(np.int8)
    raise TypeError(f"no columnar form of the rule {rule!r}")  # pragma: no cover


def _with_lab_position(codes: Codes, rule: ReferencePositionRule, facts: ArrayFacts) -> Codes:
    obs = facts.observed(rule.analyte)
    if not facts.pack.use_lab_reference_intervals or obs.lab_low is None or obs.lab_high is None:
        return codes
    usable, low, low_incl, high, high_incl = lab_band(obs.lab_low, obs.lab_high, rule.position)
    usable &= obs.present
    if not usable.any():
        return codes
    lab = row_band_codes(obs, low, low_incl, high, high_incl)
    return np.where(usable, lab, codes).astype(np.int8)


def _undecided_where_uncovered(
    codes: Codes, gaps: Iterable[NotCoveredUsed], facts: ArrayFacts
) -> Codes:
    """``_rule_leaves._uncovered``: undecided where a not-covered context applies or may."""
    uncovered = _uncovered_mask(gaps, facts)
    if uncovered is None:
        return codes
    return np.where(uncovered, UNDECIDED, codes).astype(np.int8)


def _uncovered_mask(gaps: Iterable[NotCoveredUsed], facts: ArrayFacts) -> Bools | None:
    """Rows a not-covered context applies to or may apply to (None: the rule has none)."""
    mask: Bools | None = None
    for gap in gaps:
        hit = facts.when(gap.when) != FAILED
        mask = hit if mask is None else mask | hit
    return mask


def _fold(op: Callable[..., Any], parts: Iterable[Codes], start: np.int8, n: int) -> Codes:
    result = np.full(n, start, dtype=np.int8)
    for codes in parts:
        op(result, codes, out=result)
    return result


def outside_population(pack: ColumnarPack, age: Floats) -> Bools:
    """Rows whose age is outside the pack's population (every pattern is undecided)."""
    low, high = pack.population_age
    out = np.zeros(len(age), dtype=bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            out |= age < low
        if high is not None:
            out |= age >= high
    return out


def decide_patterns(pack: ColumnarPack, facts: ArrayFacts, outside: Bools) -> dict[str, Codes]:
    """Every pattern's (and class's) outcome codes, in the engine's evaluation order."""
    for cp in pack.compiled.patterns:
        facts.outcomes[cp.id] = decide(cp.decider, facts)
    result = {}
    for pid, codes in facts.outcomes.items():
        final = codes.copy()
        final[outside] = UNDECIDED
        result[pid] = final
    return result


def status_code(outcome: Outcome) -> int:
    return _OUTCOME_CODE[outcome]
