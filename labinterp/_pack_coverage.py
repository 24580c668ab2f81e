"""Which patients each cut-off of a threshold applies to: every patient exactly one.

The engine picks, for a patient, the cut-offs whose ``when`` can apply. Two cut-offs that
both apply to one patient would compare one value with two limits; a patient no cut-off
applies to would get no answer while an unknown context (sex not given) silently skipped
that possibility. So a pack is checked when it loads: within one threshold (and one
analyte's reference intervals) the contexts must neither overlap nor leave a gap anywhere
in the pack's population.

A patient context is a point in: sex and pregnancy state (male; female not pregnant;
pregnant in trimester 1, 2 or 3: five states, since a man is never pregnant), age (years,
a half-open band of the population) and, when the pack names an inflammation pattern,
inflammation (yes or no). Each ``when`` covers a box in that space; the check sweeps the
ages of each of the ten (state, inflammation) cells, so it takes O(n log n) for n cut-offs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from labinterp._pack_models import Population, When

__all__ = ["Problem", "coverage_problems"]

#: A problem found in a pack: the dotted key path and what is wrong there.
Problem = tuple[str, str]

_MALE, _NOT_PREGNANT = "male", "female, not pregnant"
_TRIMESTER = {1: "trimester 1", 2: "trimester 2", 3: "trimester 3"}
_PREGNANT = frozenset(_TRIMESTER.values())
_FEMALE = frozenset({_NOT_PREGNANT, *_PREGNANT})
_EVERY_STATE = frozenset({_MALE, *_FEMALE})
_STATE_ORDER = (_MALE, _NOT_PREGNANT, *_TRIMESTER.values())
_MAX_REPORTED = 5
_EVERYONE = When()


@dataclass(frozen=True, slots=True)
class _Box:
    """The patients one ``when`` applies to, within the pack's population."""

    states: frozenset[str]
    age_low: float  # inclusive
    age_high: float  # exclusive; infinite when the population has no upper age
    inflamed: frozenset[bool]

    def meet(self, other: _Box) -> _Box | None:
        box = _Box(
            self.states & other.states,
            max(self.age_low, other.age_low),
            min(self.age_high, other.age_high),
            self.inflamed & other.inflamed,
        )
        return box if box.states and box.inflamed and box.age_low < box.age_high else None


def _states(when: When) -> frozenset[str]:
    states = _EVERY_STATE
    if when.sex == "male":
        states &= {_MALE}
    elif when.sex == "female":
        states &= _FEMALE
    if when.pregnant is True:
        states &= _PREGNANT
    elif when.pregnant is False:
        states &= {_MALE, _NOT_PREGNANT}
    if when.trimester is not None:
        states &= {_TRIMESTER[t] for t in when.trimester}
    return states


def _box(when: When, everyone: _Box, by_inflammation: bool) -> _Box | None:
    inflamed = (
        frozenset({when.inflammation})
        if by_inflammation and when.inflammation is not None
        else everyone.inflamed
    )
    return everyone.meet(
        _Box(
            _states(when),
            0.0 if when.age_min is None else when.age_min,
            math.inf if when.age_max is None else when.age_max,
            inflamed,
        )
    )


def _describe(box: _Box, everyone: _Box) -> str:
    parts = [_describe_states(box.states)] if box.states != _EVERY_STATE else []
    if box.age_low > everyone.age_low:
        parts.append(f"age >= {box.age_low:g} y")
    if box.age_high < everyone.age_high:
        parts.append(f"age < {box.age_high:g} y")
    if box.inflamed != everyone.inflamed:
        parts.append("with inflammation" if True in box.inflamed else "without inflammation")
    return ", ".join(parts) or "everyone in the population"


def _describe_states(states: frozenset[str]) -> str:
    if states == {_MALE, _NOT_PREGNANT}:
        return "not pregnant"
    words = [_MALE] if _MALE in states else []
    trimesters = [t for t, name in _TRIMESTER.items() if name in states]
    pregnant = "pregnant" if len(trimesters) == 3 else "pregnant, trimester "
    pregnant += "/".join(map(str, trimesters)) if len(trimesters) < 3 else ""
    if states >= _FEMALE:
        words.append("female")
    elif _NOT_PREGNANT in states and trimesters:
        words.append(f"female (not pregnant, or {pregnant.replace(', ', ' in ')})")
    elif _NOT_PREGNANT in states:
        words.append(_NOT_PREGNANT)
    elif trimesters:
        words.append(pregnant)
    return " or ".join(words)


def coverage_problems(
    where: str,
    items: str,
    whens: Sequence[When],
    population: Population,
    by_inflammation: bool,
) -> Iterator[Problem]:
    """Cut-offs (``items`` is ``cutoffs`` or ``intervals``) that apply to no one, that
    overlap, or that leave patients of the population without one."""
    everyone = _Box(
        _EVERY_STATE,
        0.0 if population.age_min is None else population.age_min,
        math.inf if population.age_max is None else population.age_max,
        frozenset({False, True}) if by_inflammation else frozenset({False}),
    )
    if len(whens) == 1 and whens[0] == _EVERYONE:
        return  # the common case: one cut-off for everyone
    noun = "cut-off" if items == "cutoffs" else "interval"
    found = [_box(when, everyone, by_inflammation) for when in whens]
    boxes = [box for box in found if box is not None]
    if len(boxes) < len(found):
        for i, when in enumerate(whens):
            if found[i] is None:
                yield (
                    f"{where}.{items}[{i}].when",
                    f"{when.describe()} applies to no one in the pack's population "
                    f"({population.description})",
                )
        return
    overlaps, gaps = _sweep(boxes, everyone)
    for a, b in sorted(overlaps)[:_MAX_REPORTED]:
        shared = boxes[a].meet(boxes[b])
        assert shared is not None
        yield (
            f"{where}.{items}[{b}]",
            f"{items}[{a}] ({whens[a].describe()}) and {items}[{b}] ({whens[b].describe()}) "
            f"both apply to {_describe(shared, everyone)}; each patient needs exactly one {noun}",
        )
    if gaps:
        shown = [_describe(g, everyone) for g in gaps[:_MAX_REPORTED]]
        listed = shown[0] if len(shown) == 1 else "; ".join(f"({g})" for g in shown)
        more = f"; and {len(gaps) - _MAX_REPORTED} more" if len(gaps) > _MAX_REPORTED else ""
        yield (
            f"{where}.{items}",
            f"no {noun} applies to: {listed}{more}. Every patient in the pack's population "
            f"({population.description}) needs exactly one; add {noun}s for these contexts",
        )


def _sweep(boxes: Sequence[_Box], everyone: _Box) -> tuple[set[tuple[int, int]], list[_Box]]:
    """Overlapping pairs and uncovered boxes, one age sweep per (state, inflammation) cell."""
    overlaps: set[tuple[int, int]] = set()
    holes: list[_Box] = []
    for state in _STATE_ORDER:
        for inflamed in sorted(everyone.inflamed):
            bands = sorted(
                (b.age_low, b.age_high, i)
                for i, b in enumerate(boxes)
                if state in b.states and inflamed in b.inflamed
            )
            covered_to, holder = everyone.age_low, -1
            for low, high, i in bands:
                if low > covered_to:
                    holes.append(_hole(state, inflamed, covered_to, low))
                elif low < covered_to:
                    overlaps.add((min(holder, i), max(holder, i)))
                if high > covered_to:
                    covered_to, holder = high, i
            if covered_to < everyone.age_high:
                holes.append(_hole(state, inflamed, covered_to, everyone.age_high))
    return overlaps, _merge_holes(holes)


def _hole(state: str, inflamed: bool, low: float, high: float) -> _Box:
    return _Box(frozenset({state}), low, high, frozenset({inflamed}))


def _merge_holes(holes: Sequence[_Box]) -> list[_Box]:
    """Holes that differ only in state, then only in inflammation, as one box each."""
    merged: dict[tuple[float, float, frozenset[bool]], frozenset[str]] = {}
    for h in holes:
        key = (h.age_low, h.age_high, h.inflamed)
        merged[key] = merged.get(key, frozenset()) | h.states
    by_states: dict[tuple[float, float, frozenset[str]], frozenset[bool]] = {}
    for (low, high, inflamed), states in merged.items():
        key2 = (low, high, states)
        by_states[key2] = by_states.get(key2, frozenset()) | inflamed
    return [
        _Box(states, low, high, inflamed) for (low, high, states), inflamed in by_states.items()
    ]
