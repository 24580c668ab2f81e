"""``check_pack``: the properties every pack must have, checked on a user's own pack.

Edges and contexts are finite, so they are walked exhaustively; the properties over panels
(unit invariance, monotonicity, three-valued soundness, determinism) search with Hypothesis
(``hypothesis.find``, derandomized by default so that a CI run is repeatable) and report the
smallest panel that breaks them, as JSON for ``labinterp interpret``.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from labinterp._analytes import ANALYTES
from labinterp._convert import convert
from labinterp._engine import interpret as labinterp_interpret
from labinterp._errors import LabinterpError, PackError
from labinterp._findings import Interpretation
from labinterp._packs import Cutoff, Pack, When, load_pack
from labinterp._packs import check_pack as check_references
from labinterp._rules import CriterionResult, CutoffUsed, Outcome
from labinterp._units import REL_TOL
from labinterp.testing._edges import (
    EDGE_STEP,
    context_for,
    cutoff_edges,
    cutoff_leaves,
    is_derived,
    rescale,
    same_cutoff,
    trace_roots,
)
from labinterp.testing._strategies import pack_analytes, pack_edges, panels

__all__ = ["DEFAULT_MAX_EXAMPLES", "PROPERTIES", "PackReport", "PropertyResult", "check_pack"]

#: Examples per searched property: the whole check of the default pack takes a few seconds.
DEFAULT_MAX_EXAMPLES = 25
# Attempts to shrink a failing panel: enough to drop the results and context that do not matter,
# bounded so that a failing check reports in seconds, not minutes.
_SHRINK_BUDGET = 150


class _EnoughShrinking(BaseException):
    """Ends a search whose shrink budget is spent (a BaseException: Hypothesis lets it through
    instead of shrinking it as an error of the check)."""


Interpreter = Callable[[Mapping[str, Any], Pack], Interpretation]

PROPERTIES = (
    "valid",
    "reachable contexts",
    "edge exactness",
    "monotonicity",
    "unit invariance",
    "three-valued soundness",
    "determinism",
)


@dataclass(frozen=True)
class PropertyResult:
    """One property's verdict: ``failures`` name the threshold or pattern at fault;
    ``counterexample`` is the smallest panel found that breaks it (None when passed)."""

    name: str
    checked: int = 0
    failures: tuple[str, ...] = ()
    counterexample: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures

    def panel_json(self) -> str | None:
        """The counterexample as panel JSON (``labinterp interpret --pack PACK -`` reads it)."""
        if self.counterexample is None:
            return None
        return json.dumps(self.counterexample, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PackReport:
    """What :func:`check_pack` found, one :class:`PropertyResult` per property."""

    pack: str
    results: tuple[PropertyResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> PropertyResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no property {name!r}; the properties are {', '.join(PROPERTIES)}")

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(f"{r.name}: {f}" for r in self.results for f in r.failures)

    def __str__(self) -> str:
        lines = [f"check_pack({self.pack}): {'passed' if self.passed else 'FAILED'}"]
        for r in self.results:
            lines.append(f"  {'ok  ' if r.passed else 'FAIL'} {r.name} ({r.checked} checked)")
            lines += [f"       {f}" for f in r.failures[:10]]
            if len(r.failures) > 10:
                lines.append(f"       ... and {len(r.failures) - 10} more")
            shown = r.panel_json()
            if shown is not None:
                lines.append(f"       panel (labinterp interpret --pack PACK -): {shown}")
            lines += [f"       note: {n}" for n in r.notes]
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise AssertionError with the whole report when any property failed."""
        if not self.passed:
            raise AssertionError(str(self))


# --- the pack and the patients its cut-offs apply to -----------------------------------------


def _loaded(pack: Pack | str | Path) -> tuple[Pack | None, PropertyResult]:
    try:
        chosen = pack if isinstance(pack, Pack) else load_pack(pack)
        # A Pack built directly (Pack(...), model_construct) has skipped the loaders' checks:
        # overlapping or missing cut-offs, unknown references.
        check_references(chosen)
    except LabinterpError as exc:
        return None, PropertyResult("valid", 1, (str(exc),))
    return chosen, PropertyResult("valid", 1)


@dataclass(frozen=True)
class _Case:
    """A cut-off and a panel context its patient has (inflammation included)."""

    threshold: str
    index: int
    analyte: str
    cut: Cutoff
    context: Mapping[str, Any]


def _walk_refs(criterion: Any) -> Iterator[tuple[str, str]]:
    """(kind, id) of every threshold and pattern a criterion refers to."""
    if hasattr(criterion, "threshold"):
        yield "threshold", criterion.threshold
    if hasattr(criterion, "pattern"):
        yield "pattern", criterion.pattern
    for child in getattr(criterion, "all", None) or getattr(criterion, "any", None) or ():
        yield from _walk_refs(child)
    inner = getattr(criterion, "not_", None)
    if inner is not None:
        yield from _walk_refs(inner)


def _with_inflammation(
    pack: Pack, context: dict[str, Any], wanted: bool, run: Interpreter
) -> dict[str, Any] | None:
    """The context plus results that make the pack's inflammation pattern hold (or fail)."""
    pattern = pack.inflammation_pattern
    if pattern is None:
        return None
    analytes = {
        pack.thresholds[ref].analyte
        for kind, ref in _walk_refs(pack.patterns[pattern].criteria)
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


def _cases(pack: Pack, run: Interpreter) -> tuple[list[_Case], list[str]]:
    """Every cut-off with the patient it applies to, and every context no patient can have."""
    cases: list[_Case] = []
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
                cases.append(_Case(tid, index, spec.analyte, cut, context))
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


def _value_panel(case: _Case, canonical: float) -> dict[str, Any]:
    unit = ANALYTES[case.analyte].canonical_unit
    return {**case.context, case.analyte: {"value": canonical, "unit": unit}}


def _leaf_outcomes(result: Interpretation, case: _Case) -> set[Outcome]:
    return {leaf.outcome for leaf in cutoff_leaves(result, case.analyte, case.cut)}


def _reachability(
    pack: Pack, cases: list[_Case], unreachable: list[str], run: Interpreter
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
            result = run(_value_panel(case, value), pack)
        except LabinterpError:
            continue  # a wrapper that refuses the panel: edge exactness reports it
        in_trace = [
            node
            for root in trace_roots(result)
            for node in _nodes(root)
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


def _nodes(root: CriterionResult) -> Iterator[CriterionResult]:
    yield root
    for child in root.children:
        yield from _nodes(child)


def _is_case(used: CutoffUsed, case: _Case) -> bool:
    return same_cutoff(used, case.cut)


def _threshold_traced(pack: Pack, threshold: str) -> bool:
    for spec in pack.patterns.values():
        criteria = [spec.criteria, *spec.supporting, *(z.if_ for z in spec.grey_zones)]
        if any(("threshold", threshold) in set(_walk_refs(c)) for c in criteria):
            return True
    for classification in pack.classifications.values():
        if any(
            ("threshold", threshold) in set(_walk_refs(k.criteria)) for k in classification.classes
        ):
            return True
    return False


# --- edge exactness ---------------------------------------------------------------------------


def _edge_exactness(pack: Pack, cases: list[_Case], run: Interpreter) -> PropertyResult:
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
                outcomes = _leaf_outcomes(run(panel, pack), case)
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


# --- searched properties ----------------------------------------------------------------------


def _search(
    name: str,
    strategy: st.SearchStrategy[Any],
    broken: Callable[[Any], str | None],
    config: settings,
) -> PropertyResult:
    """Search for an example ``broken`` describes (None: the example keeps the property)."""
    count = 0

    def described(example: Any) -> str | None:
        try:
            return broken(example)
        except LabinterpError as exc:
            # A panel the strategies make is always valid: a refusal is the wrapper's.
            return f"the panel was refused: {str(exc)[:300]}"

    failing = 0
    smallest: list[Any] = []

    def fails(example: Any) -> bool:
        nonlocal count, failing
        if failing:
            # Shrinking: every attempt runs the checks again, so it has its own budget; then
            # the smallest failure so far is reported.
            failing += 1
            if failing > _SHRINK_BUDGET:
                raise _EnoughShrinking
            if described(example) is None:
                return False
            smallest[:] = [example]
            return True
        count += 1
        if described(example) is None:
            return False
        failing = 1
        smallest[:] = [example]
        return True

    try:
        found = find(strategy, fails, settings=config)
    except NoSuchExample:
        return PropertyResult(name, count)
    except _EnoughShrinking:
        found = smallest[0]
    message = described(found) or "failed while searching"
    panel = found[0] if isinstance(found, tuple) else found
    return PropertyResult(name, count, (message,), panel if isinstance(panel, dict) else None)


def _statuses(result: Interpretation) -> dict[str, str]:
    return dict(result.statuses())


def _near_any_edge(pack: Pack, panel: Mapping[str, Any]) -> bool:
    """A value within 10^-6 (relative) of an edge but not on it: converting it to another unit
    may move it across "equal within REL_TOL", which is the tolerance, not a defect."""
    for analyte, entry in panel.items():
        if analyte not in ANALYTES or not isinstance(entry, dict):
            continue
        canonical = rescale(
            analyte, entry["value"], entry["unit"], ANALYTES[analyte].canonical_unit
        )
        for edge in pack_edges(pack, analyte):
            gap = abs(canonical - edge)
            if REL_TOL / 10 < gap <= EDGE_STEP * max(abs(edge), abs(canonical)):
                return True
    return False


@st.composite
def _two_unit_panels(
    draw: st.DrawFn, pack: Pack, firsts: st.SearchStrategy[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    first = draw(firsts)
    second = dict(first)
    for analyte in pack_analytes(pack):
        entry = first.get(analyte)
        if entry is None:
            continue
        unit = draw(st.sampled_from(ANALYTES[analyte].common_units))
        value = (
            convert(entry["value"], entry["unit"], unit, analyte=analyte) if entry["value"] else 0.0
        )
        second[analyte] = {"value": value, "unit": unit}
    return first, second


def _unit_invariance(pack: Pack, run: Interpreter, config: settings) -> PropertyResult:
    def broken(pair: tuple[dict[str, Any], dict[str, Any]]) -> str | None:
        first, second = pair
        if _near_any_edge(pack, first):
            return None
        a, b = _statuses(run(first, pack)), _statuses(run(second, pack))
        changed = sorted(k for k in a if a[k] != b.get(k))
        if not changed:
            return None
        return (
            f"pattern {changed[0]!r} is {a[changed[0]]} with the values in the units given "
            f"and {b.get(changed[0])} with them converted to {json.dumps(second, sort_keys=True)}"
        )

    # The panel strategy is built once: building it is what costs (Hypothesis reads the
    # source of every composite strategy it labels).
    firsts = panels(pack, censored=False)
    return _search("unit invariance", _two_unit_panels(pack, firsts), broken, config)


def _monotonicity(
    pack: Pack, cases: list[_Case], run: Interpreter, config: settings
) -> PropertyResult:
    """Past a cut-off in the direction that makes it hold, it keeps holding; an interval holds
    between any two values where it holds."""
    usable = [c for c in cases if not is_derived(c.analyte)]
    if not usable:
        return PropertyResult("monotonicity", 0, notes=("no cut-off on a measured analyte",))

    def values(case: _Case) -> st.SearchStrategy[tuple[_Case, list[float]]]:
        limits = ANALYTES[case.analyte].plausible
        near = sorted({e * f for e in pack_edges(pack, case.analyte) for f in (0.9, 1.0, 1.1)})
        value = st.sampled_from(near) | st.floats(
            limits.low, min(limits.high, 1e5), allow_nan=False, exclude_min=limits.low_exclusive
        )
        return st.tuples(st.just(case), st.lists(value, min_size=3, max_size=3).map(sorted))

    def broken(example: tuple[_Case, list[float]]) -> str | None:
        case, xs = example
        held = []
        for x in xs:
            if x <= 0 and ANALYTES[case.analyte].plausible.low_exclusive:
                return None
            outcomes = _leaf_outcomes(run(_value_panel(case, x), pack), case)
            if not outcomes:
                return None  # the threshold is in no trace: reachable contexts says so
            held.append(outcomes == {Outcome.HELD})
        if case.cut.comparator in ("<", "<="):
            bad = (held[2] and not held[0]) or (held[1] and not held[0])
        elif case.cut.comparator in (">", ">="):
            bad = (held[0] and not held[2]) or (held[0] and not held[1])
        else:
            bad = held[0] and held[2] and not held[1]
        if not bad:
            return None
        unit = ANALYTES[case.analyte].canonical_unit
        shown = ", ".join(
            f"{x!r} {unit}: {'held' if h else 'not held'}" for x, h in zip(xs, held, strict=True)
        )
        return f"threshold {case.threshold!r}, cut-off {case.index + 1} is not monotonic: {shown}"

    # Built once per cut-off (building strategies during the search is what costs).
    strategy = st.one_of([values(case) for case in usable])
    result = _search("monotonicity", strategy, broken, config)
    if result.failures and result.counterexample is None:
        return result
    return result


# --- three-valued soundness -------------------------------------------------------------------

_CONTEXT_KEYS = ("sex", "pregnant", "trimester", "age")


def _complete(pack: Pack, panel: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    """The panel with every missing result measured, every censored one replaced by a value
    it allows, and every unknown part of the context given."""
    out = dict(panel)
    for analyte in pack_analytes(pack):
        limits = ANALYTES[analyte].plausible
        unit = ANALYTES[analyte].canonical_unit
        entry = out.get(analyte)
        candidates = [e * f for e in pack_edges(pack, analyte) for f in (0.5, 0.99, 1.0, 1.01, 2.0)]
        candidates = [c for c in candidates if limits.low < c <= limits.high] or [limits.low + 1.0]
        if entry is None:
            out[analyte] = {"value": rng.choice(candidates), "unit": unit}
        elif "comparator" in entry:
            bound = convert(entry["value"], entry["unit"], unit, analyte=analyte)
            allowed = [c for c in candidates if _allows(entry["comparator"], bound, c)]
            if entry["comparator"] in ("<=", ">=") and bound > 0:
                allowed.append(bound)
            # Halfway to the plausible limit on the censored side: a value the result allows.
            far = limits.low if entry["comparator"].startswith("<") else min(limits.high, 4 * bound)
            fallback = (bound + far) / 2
            value = rng.choice(allowed) if allowed else fallback
            out[analyte] = {"value": value, "unit": unit}
    if "age" not in out:
        low = pack.population.age_min or 0.0
        high = pack.population.age_max or 130.0
        choices = [a for a in (10.0, 15.0, 40.0, 80.0) if low <= a < high]
        if out.get("pregnant") is True or "trimester" in out:
            # interpret refuses a pregnancy outside the pack's pregnancy ages.
            ages = pack.population.pregnancy_ages
            choices = [a for a in choices if ages.min <= a <= ages.max] or [max(low, ages.min)]
        out["age"] = rng.choice(choices or [low])
    if "sex" not in out:
        pregnancy_stated = out.get("pregnant") is True or "trimester" in out
        out["sex"] = "female" if pregnancy_stated else rng.choice(["female", "male"])
    # Outside the pack's pregnancy ages an unstated pregnancy is taken as "not pregnant" (a
    # stated assumption of the pack), so a completion does not contradict it.
    ages = pack.population.pregnancy_ages
    asked = ages.min <= out["age"] <= ages.max
    if out["sex"] == "female" and "pregnant" not in out:
        out["pregnant"] = rng.choice([True, False]) if asked else False
    if out.get("pregnant") and "trimester" not in out:
        out["trimester"] = rng.choice([1, 2, 3])
    return out


def _allows(comparator: str, bound: float, value: float) -> bool:
    return {
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
    }[comparator] and not math.isclose(value, bound, rel_tol=1e-9)


def _explained(found: Any) -> bool:
    """Indeterminate for a reason no result can remove: a grey zone that holds or may hold,
    a context the source does not cover, or a patient outside the pack's population."""
    if any(zone.outcome is not Outcome.FAILED for zone in found.grey_zones):
        return True
    roots = [found.criteria, *(z.result for z in found.grey_zones)]
    return any(node.not_covered or node.reason for root in roots for node in _nodes(root))


_COMPLETIONS = 6


def _soundness(pack: Pack, run: Interpreter, config: settings) -> PropertyResult:
    strategy = st.tuples(panels(pack), st.integers(0, 2**32 - 1))
    undecided_by_grey_zone: set[str] = set()

    def broken(example: tuple[dict[str, Any], int]) -> str | None:
        panel, seed = example
        before = run(panel, pack)
        statuses = _statuses(before)
        undecided = {f.id for f in before.patterns if f.status == "indeterminate"}
        rng = random.Random(seed)
        resolved: set[str] = set()
        for _ in range(_COMPLETIONS):
            full = _complete(pack, panel, rng)
            after = run(full, pack)
            for found in after.patterns:
                was = statuses[found.id]
                if was != "indeterminate" and found.status == "indeterminate" and _explained(found):
                    # More data raised a grey zone that reads "missing:" (decides on what was
                    # measured): a choice of the pack, listed rather than failed.
                    undecided_by_grey_zone.add(found.id)
                elif was != "indeterminate" and found.status != was:
                    return (
                        f"pattern {found.id!r} is {was} with data missing, and {found.status} "
                        f"once it is filled in: {json.dumps(full, sort_keys=True)}"
                    )
                if found.id in undecided and (found.status != "indeterminate" or _explained(found)):
                    resolved.add(found.id)
        left = sorted(pid for pid in undecided - resolved if not _explained(before.pattern(pid)))
        if left:
            return (
                f"pattern {left[0]!r} is indeterminate, yet none of {_COMPLETIONS} completions of "
                "the missing data decides it, and no grey zone, uncovered context or population "
                "explains it"
            )
        return None

    result = _search("three-valued soundness", strategy, broken, config)
    notes = tuple(
        f"pattern {pid!r} is decided with results missing and indeterminate once they are "
        "measured, through a grey zone: the grey zone reads 'missing:', so that it decides on "
        "what was measured (a choice of the pack; check that it is meant)"
        for pid in sorted(undecided_by_grey_zone)
    )
    return replace(result, notes=result.notes + notes)


# --- determinism ------------------------------------------------------------------------------


def _reordered(panel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: list(reversed(v)) if isinstance(v, list) else v for k, v in reversed(list(panel.items()))
    }


def _determinism(pack: Pack, run: Interpreter, config: settings) -> PropertyResult:
    twin = copy.deepcopy(pack)  # compiled afresh: the output must not depend on the compile

    def broken(panel: dict[str, Any]) -> str | None:
        first = run(panel, pack).to_json()
        for label, again in (
            ("the same panel a second time", run(panel, pack)),
            ("its keys and reported lists in reverse order", run(_reordered(panel), pack)),
            ("a copy of the pack", run(panel, twin)),
        ):
            if again.to_json() != first:
                return f"the JSON differs for {label}"
        return None

    return _search("determinism", panels(pack), broken, config)


# --- the whole check --------------------------------------------------------------------------


def _default_interpret(panel: Mapping[str, Any], pack: Pack) -> Interpretation:
    return labinterp_interpret(panel, pack=pack)


def check_pack(
    pack: Pack | str | Path,
    *,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    derandomize: bool = True,
    interpret: Interpreter | None = None,
    properties: Sequence[str] | None = None,
) -> PackReport:
    """Check a pack (a :class:`labinterp.Pack`, a bundled pack's name or a pack file) for every
    property: it is valid; every cut-off applies to some patient; every edge compares as
    written in every accepted unit; cut-offs are monotonic; statuses do not depend on units;
    filling in missing data never contradicts a decided status and can decide (or explains)
    an undecided one; the JSON is deterministic.

    ``max_examples`` is the number of panels tried per searched property; ``derandomize``
    (default) makes runs repeatable. ``interpret`` checks a wrapper instead of
    :func:`labinterp.interpret`: a callable ``(panel_mapping, pack) -> Interpretation``.
    ``properties`` limits the run to some of :data:`PROPERTIES` ("valid" always runs).
    Returns a :class:`PackReport`; ``check_pack(pack).assert_ok()`` fails a test with it.
    """
    wanted = _wanted(properties)
    if not isinstance(max_examples, int) or isinstance(max_examples, bool) or max_examples < 1:
        raise PackError(
            f"check_pack: max_examples must be a positive integer, got {max_examples!r}"[:200],
            field="max_examples",
            value=max_examples,
            expected="an integer of at least 1",
        )
    run = interpret or _default_interpret
    chosen, valid = _loaded(pack)
    label = chosen.name if chosen is not None else str(pack)[:80]
    if chosen is None:
        skipped = tuple(
            PropertyResult(name, notes=("not checked: the pack is not valid",))
            for name in wanted
            if name != "valid"
        )
        return PackReport(label, (valid, *skipped))
    config = settings(
        max_examples=max_examples,
        derandomize=derandomize,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    cases, unreachable = _cases(chosen, run)
    checks: dict[str, Callable[[], PropertyResult]] = {
        "reachable contexts": lambda: _reachability(chosen, cases, unreachable, run),
        "edge exactness": lambda: _edge_exactness(chosen, cases, run),
        "monotonicity": lambda: _monotonicity(chosen, cases, run, config),
        "unit invariance": lambda: _unit_invariance(chosen, run, config),
        "three-valued soundness": lambda: _soundness(chosen, run, config),
        "determinism": lambda: _determinism(chosen, run, config),
    }
    return PackReport(label, (valid, *(checks[name]() for name in wanted if name != "valid")))


def _wanted(properties: Sequence[str] | None) -> list[str]:
    if properties is None:
        return list(PROPERTIES)
    unknown = (
        [p for p in properties if p not in PROPERTIES]
        if not isinstance(properties, str)
        else [properties]
    )
    if unknown:
        raise PackError(
            f"check_pack: unknown properties {unknown!r}"[:200]
            + f"; the properties are {', '.join(PROPERTIES)}",
            field="properties",
            value=properties,
            expected="a list of property names",
        )
    return [p for p in PROPERTIES if p in properties]
