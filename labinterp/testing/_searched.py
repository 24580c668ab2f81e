"""The properties searched with Hypothesis over panels (``hypothesis.find``, with a bounded
shrink so that a failure reports the smallest panel in seconds): unit invariance,
monotonicity and determinism. Three-valued soundness, searched the same way, is
``_soundness``."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from labinterp._analytes import ANALYTES
from labinterp._convert import convert
from labinterp._errors import LabinterpError
from labinterp._packs import Pack
from labinterp._rules import Outcome
from labinterp._units import REL_TOL
from labinterp.testing._cases import Case, Interpreter, leaf_outcomes, pattern_statuses, value_panel
from labinterp.testing._edges import (
    EDGE_STEP,
    is_derived,
    rescale,
)
from labinterp.testing._report import PropertyResult
from labinterp.testing._strategies import pack_analytes, pack_edges, panels

# Attempts to shrink a failing panel: enough to drop the results and context that do not matter,
# bounded so that a failing check reports in seconds, not minutes.
_SHRINK_BUDGET = 150


class _EnoughShrinking(BaseException):
    """Ends a search whose shrink budget is spent (a BaseException: Hypothesis lets it through
    instead of shrinking it as an error of the check)."""


def search_property(
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


def unit_invariance(pack: Pack, run: Interpreter, config: settings) -> PropertyResult:
    def broken(pair: tuple[dict[str, Any], dict[str, Any]]) -> str | None:
        first, second = pair
        if _near_any_edge(pack, first):
            return None
        a, b = pattern_statuses(run(first, pack)), pattern_statuses(run(second, pack))
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
    return search_property("unit invariance", _two_unit_panels(pack, firsts), broken, config)


def monotonicity(
    pack: Pack, cases: list[Case], run: Interpreter, config: settings
) -> PropertyResult:
    """Past a cut-off in the direction that makes it hold, it keeps holding; an interval holds
    between any two values where it holds."""
    usable = [c for c in cases if not is_derived(c.analyte)]
    if not usable:
        return PropertyResult("monotonicity", 0, notes=("no cut-off on a measured analyte",))

    def values(case: Case) -> st.SearchStrategy[tuple[Case, list[float]]]:
        limits = ANALYTES[case.analyte].plausible
        near = sorted({e * f for e in pack_edges(pack, case.analyte) for f in (0.9, 1.0, 1.1)})
        value = st.sampled_from(near) | st.floats(
            limits.low, min(limits.high, 1e5), allow_nan=False, exclude_min=limits.low_exclusive
        )
        return st.tuples(st.just(case), st.lists(value, min_size=3, max_size=3).map(sorted))

    def broken(example: tuple[Case, list[float]]) -> str | None:
        case, xs = example
        held = []
        for x in xs:
            if x <= 0 and ANALYTES[case.analyte].plausible.low_exclusive:
                return None
            outcomes = leaf_outcomes(run(value_panel(case, x), pack), case)
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
    result = search_property("monotonicity", strategy, broken, config)
    if result.failures and result.counterexample is None:
        return result
    return result


# --- determinism ------------------------------------------------------------------------------


def _reordered(panel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: list(reversed(v)) if isinstance(v, list) else v for k, v in reversed(list(panel.items()))
    }


def determinism(pack: Pack, run: Interpreter, config: settings) -> PropertyResult:
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

    return search_property("determinism", panels(pack), broken, config)
