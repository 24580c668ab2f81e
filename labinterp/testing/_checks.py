"""``check_pack``: the properties every pack must have, checked on a user's own pack.

Edges and contexts are finite, so they are walked exhaustively; the properties over panels
(unit invariance, monotonicity, three-valued soundness, determinism) search with Hypothesis
(``hypothesis.find``, derandomized by default so that a CI run is repeatable) and report the
smallest panel that breaks them, as JSON for ``labinterp interpret``.

This module runs the check; the properties are checked in ``_exhaustive`` (reachable
contexts, edge exactness), ``_searched`` (unit invariance, monotonicity, determinism) and
``_soundness`` (three-valued soundness), on the cases of ``_cases``; ``_report`` holds
what is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from labinterp._engine import interpret as labinterp_interpret
from labinterp._errors import LabinterpError, PackError
from labinterp._findings import Interpretation
from labinterp._packs import Pack, load_pack
from labinterp._packs import check_pack as check_references
from labinterp.testing._cases import Interpreter, cutoff_cases
from labinterp.testing._exhaustive import edge_exactness, reachability
from labinterp.testing._report import PROPERTIES, PackReport, PropertyResult
from labinterp.testing._scale import cutoff_scale
from labinterp.testing._searched import determinism, monotonicity, unit_invariance
from labinterp.testing._soundness import soundness

__all__ = ["DEFAULT_MAX_EXAMPLES", "PROPERTIES", "PackReport", "PropertyResult", "check_pack"]

#: Examples per searched property: the whole check of the default pack takes a few seconds.
DEFAULT_MAX_EXAMPLES = 25


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


# --- the whole check --------------------------------------------------------------------------


def _default_interpret(panel: Mapping[str, Any], pack: Pack) -> Interpretation:
    return labinterp_interpret(panel, pack=pack)


def _checked_interpreter(interpret: Interpreter) -> Interpreter:
    """The caller's ``interpret=`` made to say so when it returns something else than an
    Interpretation, instead of failing deep inside a property."""
    if not callable(interpret):
        raise PackError(
            f"check_pack: interpret= must be a callable (panel_mapping, pack) -> "
            f"Interpretation, got {type(interpret).__name__}",
            field="interpret",
            value=interpret,
            expected="a callable (panel_mapping, pack) -> Interpretation",
        )

    def run(panel: Mapping[str, Any], pack: Pack) -> Interpretation:
        result = interpret(panel, pack)
        if not isinstance(result, Interpretation):
            raise PackError(
                f"check_pack: interpret= returned {type(result).__name__}, expected an "
                "Interpretation (return what labinterp.interpret returns)",
                field="interpret",
                value=type(result).__name__,
                expected="an Interpretation",
            )
        return result

    return run


def _probe(run: Interpreter, pack: Pack) -> None:
    """Call the caller's interpret= once, so that one returning something else than an
    Interpretation stops the check with that message, instead of failing every property."""
    try:
        run({"hemoglobin": {"value": 13.0, "unit": "g/dL"}, "sex": "female", "age": 40}, pack)
    except PackError as exc:
        if exc.field == "interpret":
            raise
    except LabinterpError:
        pass  # the wrapper refuses this panel: the properties report its refusals


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
    run = _default_interpret if interpret is None else _checked_interpreter(interpret)
    chosen, valid = _loaded(pack)
    label = chosen.name if chosen is not None else str(pack)[:80]
    if chosen is None:
        skipped = tuple(
            PropertyResult(name, notes=("not checked: the pack is not valid",), skipped=True)
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
    if interpret is not None:
        _probe(run, chosen)
    cases, unreachable = cutoff_cases(chosen, run)
    checks: dict[str, Callable[[], PropertyResult]] = {
        "reachable contexts": lambda: reachability(chosen, cases, unreachable, run),
        "edge exactness": lambda: edge_exactness(chosen, cases, run),
        "cut-off scale": lambda: cutoff_scale(chosen),
        "monotonicity": lambda: monotonicity(chosen, cases, run, config),
        "unit invariance": lambda: unit_invariance(chosen, run, config),
        "three-valued soundness": lambda: soundness(chosen, run, config),
        "determinism": lambda: determinism(chosen, run, config),
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
