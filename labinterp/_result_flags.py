"""Each result against its reference interval: low, high, critically low or high, within, or
undetermined (and why), with the HL7 code and the limits used.

The engine calls :func:`flag_result` once per measured analyte; ``labinterp._columnar`` mirrors
the same rules on arrays (a property test keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from labinterp._findings import AnalyteFlag, FlagName, HL7Code
from labinterp._panel import Measurement
from labinterp._rules import (
    CompiledPack,
    Facts,
    FlagBand,
    Outcome,
    RangeUsed,
    band_outcome,
    context_text,
    deciding_context,
    flag_bands,
    match_when,
)

__all__ = ["flag_result", "verdict"]

_Verdict = tuple[FlagName, HL7Code | None] | None


# A censored result inside a limit may still lie past the critical limit beyond it: "<7 g/dL"
# is low, and possibly below the critical 6.5 g/dL. Saying plain "low" would understate it, and
# no single HL7 code (L or LL) is true of every value the result allows, so none is given.
_POSSIBLY_CRITICAL: Mapping[tuple[str, str], FlagName] = {
    ("low", "critically low"): "low, possibly critically low",
    ("high", "critically high"): "high, possibly critically high",
}


def verdict(obs: Measurement, bands: Sequence[FlagBand]) -> _Verdict:
    """The first band the whole result lies in; None when a censored result straddles.

    Bands run most severe first, so a band the result only partly reaches (undecided) before
    the one that holds is a more severe reading the result does not exclude.
    """
    lo, lo_incl, hi, hi_incl = obs.canonical_interval
    straddled: list[str] = []
    for name, code, band in bands:
        outcome = band_outcome(lo, lo_incl, hi, hi_incl, band)
        if outcome is Outcome.HELD:
            for severe in straddled:
                qualified = _POSSIBLY_CRITICAL.get((name, severe))
                if qualified is not None:
                    return qualified, None
            return name, code
        if outcome is Outcome.UNDECIDED:
            straddled.append(name)
    return None


def _uncovered_range(obs: Measurement, rules: CompiledPack, facts: Facts) -> AnalyteFlag | None:
    """The flag when the pack gives no interval for this patient (an adult interval and a
    child): none, or undetermined when the unknown context may be such a one."""
    unknown: set[str] = set()
    for gap in rules.range_gaps.get(obs.analyte, ()):
        applies, missing = match_when(gap.when, facts)
        if applies is True:
            unit = obs.canonical_unit
            return AnalyteFlag(
                obs.analyte, obs, "no reference interval", None, None, None, unit, None
            )
        if applies is None:
            unknown.update(missing)
    if not unknown:
        return None
    return AnalyteFlag(
        obs.analyte,
        obs,
        "undetermined",
        None,
        None,
        None,
        obs.canonical_unit,
        None,
        tuple(sorted(unknown)),
    )


def flag_result(obs: Measurement, rules: CompiledPack, facts: Facts, outside: bool) -> AnalyteFlag:
    """The flag of one result: against the lab's own interval when the caller asked for it,
    else against the pack's intervals for this patient (``outside``: the patient is outside the
    pack's population, so no pack interval applies)."""
    unit = obs.canonical_unit
    lab = obs.canonical_reference_interval
    if facts.use_lab_reference_intervals and lab is not None:
        name, code = verdict(obs, flag_bands(lab[0], lab[1], None, None)) or (
            "undetermined",
            None,
        )
        return AnalyteFlag(
            obs.analyte,
            obs,
            name,
            code,
            lab[0],
            lab[1],
            unit,
            "the laboratory's own reference interval",
        )
    ranges: Sequence[RangeUsed] = () if outside else rules.ranges.get(obs.analyte, ())
    uncovered = _uncovered_range(obs, rules, facts) if ranges else None
    if uncovered is not None:
        return uncovered
    chosen: list[RangeUsed] = []
    verdicts: list[_Verdict] = []
    unknown: set[str] = set()
    for r in ranges:
        applies, missing = match_when(r.when, facts)
        if applies is False:
            continue
        chosen.append(r)
        unknown.update(missing)
        verdicts.append(verdict(obs, r.bands))
    if not chosen:
        return AnalyteFlag(obs.analyte, obs, "no reference interval", None, None, None, unit, None)
    first = verdicts[0]
    agree = all(v == first for v in verdicts)
    # Several intervals still possible: no single low/high, so each context's limits instead.
    possible = _possible_limits(chosen) if len(chosen) > 1 else ()
    if first is not None and agree:
        r = chosen[0]
        same = len(chosen) == 1
        name, code = first
        return AnalyteFlag(
            obs.analyte,
            obs,
            name,
            code,
            r.low if same else None,
            r.high if same else None,
            unit,
            r.critical_source if code in ("LL", "HH") and r.critical_source else r.source,
            possible_limits=possible,
        )
    # Undetermined: the possible contexts disagree (name what decides), or a censored
    # result straddles a limit in every context (no context would help).
    deciding = () if agree else tuple(sorted(deciding_context(chosen, verdicts, unknown)))
    return AnalyteFlag(
        obs.analyte,
        obs,
        "undetermined",
        None,
        None,
        None,
        unit,
        chosen[0].source,
        deciding,
        possible_limits=possible,
    )


def _possible_limits(
    chosen: Sequence[RangeUsed],
) -> tuple[tuple[str, float | None, float | None], ...]:
    """Each possible interval's context and limits, once per distinct context."""
    seen: dict[str, tuple[str, float | None, float | None]] = {}
    for r in chosen:
        label = context_text(r.when)
        seen.setdefault(label, (label, r.low, r.high))
    return tuple(seen.values())
