"""Reported context as the coverage check sees it: two-valued ids, combined into cells.

A ``when`` asks of the reported context (conditions, medications, symptoms, diet) that, for
each field it names, *any* listed id is reported, and, through ``unless``, that *none* of the
ids listed there is. Since an id the panel does not list counts as not reported, never as
unknown, ``{conditions: [ckd]}`` and ``{unless: {conditions: [ckd]}}`` split every patient
exactly in two.

A *cell* is one combination of the ids that a threshold's contexts mention being reported or
not (a panel holds one diet at most). :data:`labinterp._pack_models.MAX_REPORTED_IDS` keeps
the cells to at most 256.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from labinterp._context import describe_ids
from labinterp._pack_models import REPORTED_FIELDS, When

__all__ = ["Cell", "CellCounts", "ReportedCells", "Wanted", "describe_cells", "wanted"]

#: A reported id with its field: ``("conditions", "chronic_kidney_disease")``.
ReportedId = tuple[str, str]
#: The mentioned ids that are reported, for one group of patients.
Cell = frozenset[ReportedId]

_FIELD_ORDER = {name: i for i, name in enumerate(REPORTED_FIELDS)}


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a context asks of the reported context: from each clause, at least one id
    reported; none of ``excluded`` reported."""

    clauses: frozenset[frozenset[ReportedId]]
    excluded: frozenset[ReportedId]

    @property
    def ids(self) -> frozenset[ReportedId]:
        return self.excluded.union(*self.clauses)

    def meet(self, other: Wanted) -> Wanted:
        """What both contexts ask together."""
        return Wanted(self.clauses | other.clauses, self.excluded | other.excluded)

    def describe(self) -> str:
        """``conditions: a or b reported, medications: m not reported``; empty if nothing."""
        parts: list[str] = []
        for clause in sorted(self.clauses, key=_clause_order):
            field = next(iter(clause))[0]
            parts.append(f"{field}: {describe_ids(sorted(i for _, i in clause))} reported")
        parts += _not_reported(self.excluded)
        return ", ".join(parts)


def wanted(when: When) -> Wanted:
    clauses = frozenset(frozenset((name, i) for i in ids) for name, ids in when.reported())
    excluded = frozenset(
        (name, i) for name, ids in (when.unless.reported() if when.unless else ()) for i in ids
    )
    return Wanted(clauses, excluded)


def _clause_order(clause: frozenset[ReportedId]) -> tuple[int, list[str]]:
    return _FIELD_ORDER[next(iter(clause))[0]], sorted(i for _, i in clause)


def _by_field(ids: Iterable[ReportedId]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for field, i in sorted(ids, key=lambda x: (_FIELD_ORDER[x[0]], x[1])):
        grouped.setdefault(field, []).append(i)
    return list(grouped.items())


def _not_reported(ids: frozenset[ReportedId]) -> list[str]:
    return [
        f"{field}: {names[0]} not reported"
        if len(names) == 1
        else f"{field}: none of {', '.join(names)} reported"
        for field, names in _by_field(ids)
    ]


def _reported(ids: frozenset[ReportedId]) -> list[str]:
    return [f"{field}: {' and '.join(names)} reported" for field, names in _by_field(ids)]


class ReportedCells:
    """Every combination of the ids some contexts mention being reported or not (cells), with
    sets of cells as bits of one Python int.

    Cell ``c`` is bit ``c * width`` of a *cell set*, so that a set is also a list of counts,
    one ``width``-bit field per cell (see :class:`CellCounts`). ``width`` leaves room for
    ``most`` entries to cover one cell with a spare top bit.
    """

    def __init__(self, wants: Sequence[Wanted], most: int) -> None:
        ids = sorted(frozenset[ReportedId]().union(*(w.ids for w in wants)))
        listed = [i for i in ids if i[0] != "diet"]
        diets = [i for i in ids if i[0] == "diet"]
        cells: list[Cell] = []
        for bits in itertools.product((False, True), repeat=len(listed)):
            base = frozenset(i for i, on in zip(listed, bits, strict=True) if on)
            cells += [base, *(base | {diet} for diet in diets)]
        self.ids: frozenset[ReportedId] = frozenset(ids)
        # Fewest ids reported first, so that an example is the simplest one.
        self.all: tuple[Cell, ...] = tuple(sorted(cells, key=lambda c: (len(c), sorted(c))))
        self.width = max(most, 1).bit_length() + 2
        self.every = sum(1 << (c * self.width) for c in range(len(self.all)))
        self._with = {
            i: sum(1 << (c * self.width) for c, cell in enumerate(self.all) if i in cell)
            for i in ids
        }

    def of(self, want: Wanted) -> int:
        """The cells in which ``want`` holds (0: no patient's reported context matches)."""
        found = self.every
        for clause in want.clauses:
            found &= _union(self._with[i] for i in clause)
        return found & ~_union(self._with[i] for i in want.excluded)

    def cells(self, found: int) -> frozenset[Cell]:
        return frozenset(cell for c, cell in enumerate(self.all) if found >> (c * self.width) & 1)


def _union(sets: Iterable[int]) -> int:
    found = 0
    for bits in sets:
        found |= bits
    return found


class CellCounts:
    """How many entries cover each cell, as one int with a field per cell.

    Adding an entry adds its cell set (a 1 in each of its cells' fields); asking which cells
    have no entry, or whether an entry would share a cell, is a few operations on the whole int
    whatever the number of cells. A field's spare top bit (the guard) keeps a borrow inside
    its field: (count | guard) - k keeps the guard exactly when count >= k.
    """

    def __init__(self, cells: ReportedCells) -> None:
        self._shift = cells.width - 1
        self._ones = cells.every
        self._guards = cells.every << self._shift
        self.counts = 0

    def _covered(self) -> int:
        """The cells with at least one entry, as a cell set."""
        return (((self.counts | self._guards) - self._ones) & self._guards) >> self._shift

    def empty(self) -> int:
        """The cells no entry covers, as a cell set."""
        return self._ones & ~self._covered()

    def shares(self, found: int) -> bool:
        """Whether some cell of ``found`` already has an entry."""
        return bool(self._covered() & found)


def describe_cells(found: int, every: ReportedCells) -> str:
    """The reported context of ``cells`` in words; empty when they are every cell.

    Exact when the cells are all those with some ids reported and some not; otherwise what
    they share and, for example, the simplest of them.
    """
    cells = every.cells(found)
    if not cells or len(cells) == len(every.all):
        return ""
    always = next(iter(cells)).intersection(*cells)
    never = every.ids.difference(*cells)
    text = _words(always, never)
    matching = sum(1 for c in every.all if always <= c and never.isdisjoint(c))
    if matching == len(cells):
        return text
    example = min(cells, key=lambda c: (len(c), sorted(c)))
    varying = every.ids - always - never
    such = _words(example & varying, varying - example)
    return f"{text}, and for example {such}" if text else f"for example {such}"


def _words(reported: frozenset[ReportedId], not_reported: frozenset[ReportedId]) -> str:
    if any(field == "diet" for field, _ in reported):
        # One diet at most: naming it says that no other is reported.
        not_reported = frozenset(i for i in not_reported if i[0] != "diet")
    return ", ".join([*_reported(reported), *_not_reported(not_reported)])
