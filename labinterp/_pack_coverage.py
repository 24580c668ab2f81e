"""Which patients each cut-off of a threshold applies to: every patient exactly one.

The engine picks, for a patient, the cut-offs whose ``when`` can apply. Two cut-offs that
both apply to one patient would compare one value with two limits; a patient no cut-off
applies to would get no answer while an unknown context (sex not given) silently skipped
that possibility. So a pack is checked when it loads: within one threshold (and one
analyte's reference intervals) the contexts must neither overlap nor leave a gap anywhere
in the pack's population. A threshold's ``not_covered`` contexts count as entries too: there
the source gives no cut-off, so they close a gap, and one that overlaps a cut-off is refused.

Reference intervals are checked the same way, with their own ``not_covered`` contexts.

A patient context is a point in: sex and pregnancy state (male; female not pregnant;
pregnant in trimester 1, 2 or 3: five states, since a man is never pregnant), age (years,
a half-open band of the population), inflammation (yes or no) when the pack names an
inflammation pattern, and the reported context (``_pack_reported``): which of the ids the
contexts name are reported (a cell). Each ``when`` covers a box in the first three and a set
of reported cells. The check sweeps the ages of each of the ten (state, inflammation) cells,
keeping how many entries cover each reported cell in one int, so it takes O(n log n) for n
entries (times a small factor for the at most 256 reported cells).

``population.pregnancy_ages`` plays no part: a pregnancy the panel gives is never overridden,
so every pregnancy state is possible at every age.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from labinterp._pack_models import Population, When
from labinterp._pack_reported import CellCounts, ReportedCells, Wanted, describe_cells, wanted

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
# Built without validation (no validator at import: cold start); equal to When().
_EVERYONE = When.model_construct()


@dataclass(frozen=True, slots=True)
class _Box:
    """The patients one ``when`` applies to, within the pack's population, reported context
    aside."""

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


@dataclass(frozen=True, slots=True)
class _Hole:
    """Patients no entry applies to: a box, within a set of reported cells."""

    box: _Box
    cells: int  # a cell set of ReportedCells


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


def _describe(box: _Box, everyone: _Box, reported: str = "") -> str:
    parts = [_describe_states(box.states)] if box.states != _EVERY_STATE else []
    if box.age_low > everyone.age_low:
        parts.append(f"age >= {box.age_low:g} y")
    if box.age_high < everyone.age_high:
        parts.append(f"age < {box.age_high:g} y")
    if box.inflamed != everyone.inflamed:
        parts.append("with inflammation" if True in box.inflamed else "without inflammation")
    if reported:
        parts.append(reported)
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
    items: Literal["cutoffs", "intervals"],
    entries: Sequence[tuple[str, When]],
    population: Population,
    by_inflammation: bool,
    *,
    extends: bool = False,
) -> Iterator[Problem]:
    """Entries (cut-offs and not_covered contexts, or intervals), each a key such as
    ``cutoffs[0]`` with its context, that apply to no one, that overlap, or that leave patients
    of the population without one.

    In a pack that ``extends`` another, an entry whose age band lies wholly outside the
    population is left out rather than refused: such a pack may narrow the population it
    inherits (adults only, from a base that covers children), and the base's entries for the
    ages it leaves out then simply never apply.
    """
    everyone = _Box(
        _EVERY_STATE,
        0.0 if population.age_min is None else population.age_min,
        math.inf if population.age_max is None else population.age_max,
        frozenset({False, True}) if by_inflammation else frozenset({False}),
    )
    if extends:
        every_age = replace(everyone, age_low=0.0, age_high=math.inf)
        entries = [
            (key, when)
            for key, when in entries
            if _box(when, everyone, by_inflammation) is not None
            or _box(when, every_age, by_inflammation) is None
        ]
        if not entries:
            yield (
                f"{where}.{items}",
                f"every {_noun(items, False)} lies outside the pack's population "
                f"({population.description}); each patient in it needs exactly one",
            )
            return
    if len(entries) == 1 and entries[0][1] == _EVERYONE:
        return  # the common case: one cut-off for everyone
    found = [_box(when, everyone, by_inflammation) for _, when in entries]
    wants = [wanted(when) for _, when in entries]
    cells = ReportedCells(wants, most=len(entries))
    known: dict[Wanted, int] = {}
    for want in wants:
        if want not in known:
            known[want] = cells.of(want)
    reach = [known[want] for want in wants]  # the reported cells each entry applies in
    nobody = [i for i, box in enumerate(found) if box is None or not reach[i]]
    for i in nobody:
        key, when = entries[i]
        yield (
            f"{where}.{key}.when",
            f"{when.describe()} applies to no one in the pack's population "
            f"({population.description})",
        )
    if nobody:
        return
    boxes = [box for box in found if box is not None]
    overlaps, holes = _sweep(boxes, reach, everyone, cells)
    yield from _overlap_problems(where, items, entries, boxes, wants, everyone, overlaps)
    if holes:
        yield _gap_problem(where, items, entries, population, everyone, cells, holes)


def _noun(items: str, with_gaps: bool) -> str:
    noun = "interval" if items == "intervals" else "cut-off"
    return f"{noun} or not_covered context" if with_gaps else noun


def _overlap_problems(
    where: str,
    items: str,
    entries: Sequence[tuple[str, When]],
    boxes: Sequence[_Box],
    wants: Sequence[Wanted],
    everyone: _Box,
    overlaps: set[tuple[int, int]],
) -> Iterator[Problem]:
    for a, b in sorted(overlaps)[:_MAX_REPORTED]:
        shared = boxes[a].meet(boxes[b])
        assert shared is not None
        (key_a, when_a), (key_b, when_b) = entries[a], entries[b]
        either = key_a.startswith("not_covered") or key_b.startswith("not_covered")
        yield (
            f"{where}.{key_b}",
            f"{key_a} ({when_a.describe()}) and {key_b} ({when_b.describe()}) both apply to "
            f"{_describe(shared, everyone, wants[a].meet(wants[b]).describe())}; each patient "
            f"needs exactly one {_noun(items, either)}",
        )


def _gap_problem(
    where: str,
    items: str,
    entries: Sequence[tuple[str, When]],
    population: Population,
    everyone: _Box,
    cells: ReportedCells,
    holes: Sequence[_Hole],
) -> Problem:
    merged = _merge_holes(holes)
    shown = [
        _describe(h.box, everyone, describe_cells(h.cells, cells)) for h in merged[:_MAX_REPORTED]
    ]
    listed = shown[0] if len(shown) == 1 else "; ".join(f"({g})" for g in shown)
    more = f"; and {len(merged) - _MAX_REPORTED} more" if len(merged) > _MAX_REPORTED else ""
    noun = _noun(items, False)
    fix = (
        f"add {noun}s for these contexts, or list them under not_covered if the source "
        f"gives no {noun} there"
    )
    return (
        f"{where}.{items}",
        f"no {_noun(items, any(k.startswith('not_covered') for k, _ in entries))} applies to: "
        f"{listed}{more}. Every patient in the pack's population ({population.description}) "
        f"needs exactly one; {fix}",
    )


def _sweep(
    boxes: Sequence[_Box], reach: Sequence[int], everyone: _Box, cells: ReportedCells
) -> tuple[set[tuple[int, int]], list[_Hole]]:
    """Overlapping pairs and uncovered places, one age sweep per (state, inflammation) cell.

    Each entry starts at its lowest age and ends at its highest; between two such ages the
    entries present must cover every reported cell exactly once.
    """
    overlaps: set[tuple[int, int]] = set()
    holes: list[_Hole] = []
    for state in _STATE_ORDER:
        for inflamed in sorted(everyone.inflamed):
            place = _Box(
                frozenset({state}), everyone.age_low, everyone.age_high, frozenset({inflamed})
            )
            inside = [
                i for i, b in enumerate(boxes) if state in b.states and inflamed in b.inflamed
            ]
            # At one age an entry that ends goes before one that starts: bands are half-open.
            events = sorted(
                [(boxes[i].age_low, True, i) for i in inside]
                + [(boxes[i].age_high, False, i) for i in inside]
            )
            counts, present = CellCounts(cells), dict[int, int]()
            searched, k, at = 0, 0, everyone.age_low
            while at < everyone.age_high:
                while k < len(events) and events[k][0] <= at:
                    _, starts, i = events[k]
                    k += 1
                    if not starts:
                        counts.counts -= present.pop(i)
                        continue
                    if searched < _MAX_REPORTED and counts.shares(reach[i]):
                        # Bounded: an overlap is looked for a few times per cell, not per entry.
                        searched += 1
                        other = min(j for j, bits in present.items() if bits & reach[i])
                        overlaps.add((min(other, i), max(other, i)))
                    counts.counts += reach[i]
                    present[i] = reach[i]
                upto = events[k][0] if k < len(events) else everyone.age_high
                empty = counts.empty()
                if empty:
                    _add_hole(holes, _Hole(replace(place, age_low=at, age_high=upto), empty))
                at = upto
    return overlaps, holes


def _add_hole(holes: list[_Hole], hole: _Hole) -> None:
    """Add ``hole``, joined to the last one when it continues it to older ages."""
    last = holes[-1] if holes else None
    if (
        last is not None
        and last.cells == hole.cells
        and (last.box.states, last.box.inflamed) == (hole.box.states, hole.box.inflamed)
        and last.box.age_high == hole.box.age_low
    ):
        holes[-1] = _Hole(replace(last.box, age_high=hole.box.age_high), hole.cells)
    else:
        holes.append(hole)


def _merge_holes(holes: Sequence[_Hole]) -> list[_Hole]:
    """Holes that differ only in reported cells, then only in state, then only in
    inflammation, as one each (in the order first found)."""
    by_box: dict[_Box, int] = {}
    for h in holes:
        by_box[h.box] = by_box.get(h.box, 0) | h.cells
    by_state: dict[tuple[float, float, frozenset[bool], int], frozenset[str]] = {}
    for box, cells in by_box.items():
        key = (box.age_low, box.age_high, box.inflamed, cells)
        by_state[key] = by_state.get(key, frozenset()) | box.states
    by_inflamed: dict[tuple[float, float, frozenset[str], int], frozenset[bool]] = {}
    for (low, high, inflamed, cells), states in by_state.items():
        key2 = (low, high, states, cells)
        by_inflamed[key2] = by_inflamed.get(key2, frozenset()) | inflamed
    return [
        _Hole(_Box(states, low, high, inflamed), cells)
        for (low, high, states, cells), inflamed in by_inflamed.items()
    ]
