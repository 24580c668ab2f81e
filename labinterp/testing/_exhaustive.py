"""The properties walked exhaustively, over every cut-off and its patient: every cut-off
applies to a patient it is written for (reachable contexts), and every edge compares as
written in every accepted unit (edge exactness)."""

from __future__ import annotations

from typing import Any

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError
from labinterp._packs import Pack
from labinterp._rules import CutoffUsed, Outcome
from labinterp.testing._cases import (
    Case,
    Interpreter,
    leaf_outcomes,
    trace_nodes,
    value_panel,
    walk_refs,
)
from labinterp.testing._edges import (
    cutoff_edges,
    is_derived,
    rescale,
    same_cutoff,
    trace_roots,
)
from labinterp.testing._report import PropertyResult


def reachability(
    pack: Pack, cases: list[Case], unreachable: list[str], run: Interpreter
) -> PropertyResult:
    """Every cut-off applies to its patient: the traces show it applied alone."""
    failures = list(unreachable)
    for case in cases:
        if is_derived(case.analyte):
            continue  # computed from inputs: which cut-off applies is traced by the engine's tests
        edge = case.cut.value if case.cut.value is not None else case.cut.interval.low  # type: ignore[union-attr]  # a cut-off is a value or an interval
        canonical = rescale(
            case.analyte, edge, case.cut.unit, ANALYTES[case.analyte].canonical_unit
        )
        # Which cut-off applies does not depend on the value; a plausible one is needed (an
        # edge out of reach is reported by edge exactness).
        limits = ANALYTES[case.analyte].plausible
        value = min(max(canonical, limits.low), limits.high, 1e5) or (limits.low + 1.0)
        try:
            result = run(value_panel(case, value), pack)
        except LabinterpError:
            continue  # a wrapper that refuses the panel: edge exactness reports it
        in_trace = [
            node
            for root in trace_roots(result)
            for node in trace_nodes(root)
            if node.kind == "threshold" and any(_is_case(c, case) for c in node.cutoffs)
        ]
        if not in_trace and _threshold_traced(pack, case.threshold):
            failures.append(
                f"threshold {case.threshold!r}, cut-off {case.index + 1} (for "
                f"{case.cut.when.describe()}) was not applied to a patient it is written for"
            )
    notes = tuple(
        f"threshold {tid!r} is used by no pattern or grey zone, so no panel can show it"
        for tid in pack.thresholds
        if not _threshold_traced(pack, tid)
    )
    return PropertyResult("reachable contexts", len(cases), tuple(failures), notes=notes)


def _is_case(used: CutoffUsed, case: Case) -> bool:
    return same_cutoff(used, case.cut)


def _threshold_traced(pack: Pack, threshold: str) -> bool:
    for spec in pack.patterns.values():
        criteria = [spec.criteria, *spec.supporting, *(z.if_ for z in spec.grey_zones)]
        if any(("threshold", threshold) in set(walk_refs(c)) for c in criteria):
            return True
    for classification in pack.classifications.values():
        if any(
            ("threshold", threshold) in set(walk_refs(k.criteria)) for k in classification.classes
        ):
            return True
    return False


# --- edge exactness ---------------------------------------------------------------------------


# --- edge exactness ---------------------------------------------------------------------------


def edge_exactness(pack: Pack, cases: list[Case], run: Interpreter) -> PropertyResult:
    failures: list[str] = []
    checked = 0
    counterexample: dict[str, Any] | None = None
    for case in cases:
        if is_derived(case.analyte):
            continue
        edges = cutoff_edges(pack, case.threshold, case.index, case.context)
        failures += [
            f"threshold {case.threshold!r}, cut-off {case.index + 1}: {lost}" for lost in edges.lost
        ]
        for edge in edges.values:
            checked += 1
            panel = edge.panel()
            try:
                outcomes = leaf_outcomes(run(panel, pack), case)
            except LabinterpError as exc:
                failures.append(
                    f"threshold {case.threshold!r}: {edge.describe()} was refused: {exc}"
                )
                counterexample = counterexample or panel
                continue
            wanted = Outcome.HELD if edge.expected else Outcome.FAILED
            if outcomes and outcomes != {wanted}:
                got = "/".join(sorted(o.value for o in outcomes))
                failures.append(
                    f"threshold {case.threshold!r}, cut-off {case.index + 1}: "
                    f"{edge.describe()} compared as {got}, expected {wanted.value}"
                )
                counterexample = counterexample or panel
    return PropertyResult("edge exactness", checked, tuple(failures), counterexample)
