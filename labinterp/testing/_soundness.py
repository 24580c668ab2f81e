"""Three-valued soundness, searched with Hypothesis: filling in a panel's missing data never
contradicts a status it decided, and can decide each pattern it left indeterminate, unless a
grey zone, a context the source does not cover or the population explains why not."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from labinterp._analytes import ANALYTES
from labinterp._convert import convert
from labinterp._packs import Pack
from labinterp._rules import Outcome
from labinterp.testing._cases import Interpreter, pattern_statuses, trace_nodes
from labinterp.testing._report import PropertyResult
from labinterp.testing._searched import search_property
from labinterp.testing._strategies import pack_analytes, pack_edges, panels


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
    return any(node.not_covered or node.reason for root in roots for node in trace_nodes(root))


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _flip_cause(panel: Mapping[str, Any], full: Mapping[str, Any], found: Any) -> str:
    """Why a pattern decided with data missing is indeterminate once the data is filled in:
    the grey zone that now holds, or the context (often an age the pack assumed) that its
    source does not cover."""
    zones = [z for z in found.grey_zones if z.outcome is not Outcome.FAILED]
    if zones:
        return (
            f"the grey zone {_short(zones[0].result.rule)!r} holds or may hold with the data "
            "filled in, and did not without it (a zone that reads 'missing:' decides on what "
            "was measured)"
        )
    roots = [found.criteria, *(z.result for z in found.grey_zones)]
    uncovered = [u for root in roots for n in trace_nodes(root) for u in n.not_covered]
    context = f"not covered for {uncovered[0].applies_to}" if uncovered else "outside the pack"
    if "age" not in panel and "age" in full:
        return (
            f"the panel without an age was read with the age the pack assumes when none is "
            f"given (when_age_unknown), and the age filled in ({full['age']:g} years) is "
            f"{context}"
        )
    return f"the context filled in is {context}"


_COMPLETIONS = 6


def soundness(pack: Pack, run: Interpreter, config: settings) -> PropertyResult:
    strategy = st.tuples(panels(pack), st.integers(0, 2**32 - 1))
    # pattern id -> why it is indeterminate once the missing data is filled in (first seen)
    flipped: dict[str, str] = {}

    def broken(example: tuple[dict[str, Any], int]) -> str | None:
        panel, seed = example
        before = run(panel, pack)
        statuses = pattern_statuses(before)
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
                    # measured), or put the patient where the source has no cut-off: a choice
                    # of the pack, listed rather than failed.
                    flipped.setdefault(found.id, _flip_cause(panel, full, found))
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

    result = search_property("three-valued soundness", strategy, broken, config)
    # One note per cause, so that a pack extending another keeps the inherited choices to
    # one line and a note about its own change stands out.
    by_cause: dict[str, list[str]] = {}
    for pid in sorted(flipped):
        by_cause.setdefault(flipped[pid], []).append(pid)
    notes = tuple(
        f"{'pattern' if len(pids) == 1 else 'patterns'} {', '.join(map(repr, pids))} "
        f"{'is' if len(pids) == 1 else 'are'} decided with data missing and indeterminate once "
        f"it is filled in: {cause} (a choice of the pack; check that it is meant)"
        for cause, pids in by_cause.items()
    )
    return replace(result, notes=result.notes + notes)
