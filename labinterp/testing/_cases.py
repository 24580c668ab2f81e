"""The cut-offs of a pack and a patient each applies to (the cases the properties check), and
what an interpretation's traces show of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError
from labinterp._findings import Interpretation
from labinterp._packs import Cutoff, Pack, When
from labinterp._rules import CriterionResult, Outcome
from labinterp.testing._edges import (
    context_for,
    cutoff_leaves,
    is_derived,
)
from labinterp.testing._strategies import pack_edges

#: What the checks run: :func:`labinterp.interpret` or a caller's wrapper of it.
Interpreter = Callable[[Mapping[str, Any], Pack], Interpretation]


@dataclass(frozen=True)
class Case:
    """A cut-off and a panel context its patient has (inflammation included)."""

    threshold: str
    index: int
    analyte: str
    cut: Cutoff
    context: Mapping[str, Any]


def walk_refs(criterion: Any) -> Iterator[tuple[str, str]]:
    """(kind, id) of every threshold and pattern a criterion refers to."""
    if hasattr(criterion, "threshold"):
        yield "threshold", criterion.threshold
    if hasattr(criterion, "pattern"):
        yield "pattern", criterion.pattern
    for child in getattr(criterion, "all", None) or getattr(criterion, "any", None) or ():
        yield from walk_refs(child)
    inner = getattr(criterion, "not_", None)
    if inner is not None:
        yield from walk_refs(inner)


def _with_inflammation(
    pack: Pack, context: dict[str, Any], wanted: bool, run: Interpreter
) -> dict[str, Any] | None:
    """The context plus results that make the pack's inflammation pattern hold (or fail)."""
    pattern = pack.inflammation_pattern
    if pattern is None:
        return None
    analytes = {
        pack.thresholds[ref].analyte
        for kind, ref in walk_refs(pack.patterns[pattern].criteria)
        if kind == "threshold" and ref in pack.thresholds
    }
    wanted_status = "consistent" if wanted else "not_consistent"
    for analyte in sorted(a for a in analytes if not is_derived(a)):
        unit = ANALYTES[analyte].canonical_unit
        for edge in pack_edges(pack, analyte):
            for factor in (0.25, 0.5, 2.0, 4.0):
                panel = {**context, analyte: {"value": edge * factor, "unit": unit}}
                try:
                    if run(panel, pack).pattern(pattern).status == wanted_status:
                        return panel
                except LabinterpError:
                    continue
    return None


def cutoff_cases(pack: Pack, run: Interpreter) -> tuple[list[Case], list[str]]:
    """Every cut-off with the patient it applies to, and every context no patient can have."""
    cases: list[Case] = []
    unreachable: list[str] = []
    for tid, spec in pack.thresholds.items():
        entries: list[tuple[When, int, Cutoff | None]]
        entries = [(cut.when, i, cut) for i, cut in enumerate(spec.cutoffs)]
        entries += [(gap.when, -1, None) for gap in spec.not_covered]
        for when, index, cut in entries:
            what = f"cut-off {index + 1}" if cut is not None else "not_covered context"
            context, why = _patient(pack, when, run)
            if context is None:
                unreachable.append(
                    f"threshold {tid!r}, {what} (for {when.describe()}) can never apply: {why}"
                )
            elif cut is not None:
                cases.append(Case(tid, index, spec.analyte, cut, context))
    return cases, unreachable


def _patient(pack: Pack, when: When, run: Interpreter) -> tuple[dict[str, Any] | None, str]:
    context, why = context_for(when, pack)
    if context is None:
        return None, why or "no patient matches it"
    if when.inflammation is None:
        return context, ""
    found = _with_inflammation(pack, context, when.inflammation, run)
    if found is None:
        state = "holds" if when.inflammation else "fails"
        return None, (
            f"no panel found in which the inflammation pattern "
            f"({pack.inflammation_pattern or 'none: the pack names none'}) {state}"
        )
    return found, ""


def value_panel(case: Case, canonical: float) -> dict[str, Any]:
    unit = ANALYTES[case.analyte].canonical_unit
    return {**case.context, case.analyte: {"value": canonical, "unit": unit}}


def leaf_outcomes(result: Interpretation, case: Case) -> set[Outcome]:
    return {leaf.outcome for leaf in cutoff_leaves(result, case.analyte, case.cut)}


def trace_nodes(root: CriterionResult) -> Iterator[CriterionResult]:
    yield root
    for child in root.children:
        yield from trace_nodes(child)


def pattern_statuses(result: Interpretation) -> dict[str, str]:
    return dict(result.statuses())
