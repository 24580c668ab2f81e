"""The results against their reference intervals, each with a number line for the picture."""

from __future__ import annotations

from collections.abc import Iterable

from labinterp._analytes import ANALYTES
from labinterp._findings import AnalyteFlag, PatternFinding
from labinterp._messages import Messages
from labinterp._panel import Measurement
from labinterp._units import with_unit
from labinterp.render._view_model import NumberLine, ResultRow
from labinterp.render._view_numbers import Numbers, display_unit

__all__ = ["result_row"]


def result_row(
    flag: AnalyteFlag, n: Numbers, m: Messages, compared: Iterable[PatternFinding]
) -> ResultRow:
    """``flag`` as a row; its number line marks the cut-offs of the ``compared`` findings
    (the consistent and undecided patterns)."""
    obs = flag.observed
    entry = ANALYTES[flag.analyte]
    factor = 1.0
    if obs.derived_from is None and obs.unit != flag.unit:
        factor = ANALYTES[flag.analyte].resolve_unit(obs.unit).to_canonical
    low = None if flag.low is None else flag.low / factor
    high = None if flag.high is None else flag.high / factor
    # Shown as a cut-off is (Numbers.beside): a limit as written stays as written (11.5
    # beside a result of 17); a converted one (the interval is kept in the canonical unit,
    # so even a result in that unit sees 132.8050643) gets the figures that keep it on the
    # right side of the result, the same figures as the same number gets as a cut-off.
    parts = [n.beside(x, obs) for x in (low, high) if x is not None]
    unit = display_unit(obs.unit)
    if low is not None and high is not None:
        interval = with_unit("-".join(parts), unit)
    elif low is not None:
        interval = with_unit(f"{n.use('>=')} {parts[0]}", unit)
    elif high is not None:
        interval = with_unit(f"{n.use('<=')} {parts[0]}", unit)
    else:
        # Several intervals applied (the context is not known) and agreed on the flag.
        interval = (
            m.gettext("none")
            if flag.flag == "no reference interval"
            else m.gettext("varies with the context, every possible one agrees")
        )
    if flag.missing_context:
        words = [m.gettext(c) for c in flag.missing_context]
        interval = m.format("depends on {what}", what=m.join_and(words))
    if flag.code and n.audience == "clinician":
        n.use(flag.code)  # only the clinician's table shows the HL7 code, so only its legend
    self_line = NumberLine(
        unit,
        obs.value,
        obs.comparator,
        low,
        high,
        _cutoffs_for(flag.analyte, obs, n, compared),
        *(n.beside(x, obs) if x is not None else "" for x in (low, high)),
    )
    loinc = entry.loinc[0].code if entry.loinc else ""
    return ResultRow(
        flag.analyte,
        n.term(entry.display_name),
        n.value(obs),
        interval,
        m.gettext(flag.flag),
        flag.code,
        flag.interval_source or "",
        loinc,
        self_line,
    )


def _cutoffs_for(
    analyte: str, obs: Measurement, n: Numbers, compared: Iterable[PatternFinding]
) -> tuple[tuple[float, str], ...]:
    """The cut-offs the consistent and undecided patterns compared this result with."""
    found: dict[float, str] = {}
    for finding in compared:
        for leaf in finding.criteria.leaves():
            if leaf.analyte != analyte or len(leaf.cutoffs) != 1:
                continue
            cut = leaf.cutoffs[0]
            for v in (cut.value, cut.low, cut.high):
                if v is None:
                    continue
                factor = cut.to_canonical / ANALYTES[analyte].resolve_unit(obs.unit).to_canonical
                shown = v * factor
                found.setdefault(round(shown, 9), n.beside(shown, obs))
    return tuple(sorted(found.items()))
