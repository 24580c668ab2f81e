"""Cut-off scale, a heuristic: a cut-off 100 times or more away from every edge the bundled
default pack has for the same analyte is named, as a note rather than a failure.

A unit slip of 1000 (``45 mg/L`` written for ``45 ug/L`` ferritin) or a fraction written as a
percentage (``0.15 %``) can stay inside the plausible range, so edge exactness does not see
it. Cut-offs of different sources differ, but rarely by a factor of 100 for one analyte; a
pack may mean such a cut-off, so nothing here fails.
"""

from __future__ import annotations

from labinterp._analytes import ANALYTES
from labinterp._packs import Cutoff, Pack, default_pack
from labinterp._units import normalize_unit
from labinterp.testing._edges import rescale
from labinterp.testing._report import PropertyResult
from labinterp.testing._strategies import pack_edges

#: How far from every default edge a cut-off must lie to be named (either way).
SCALE_FACTOR = 100.0
# Where the same number in another unit lies this close to a default edge, that unit is named.
_NEAR_FACTOR = 10.0


def _distance(value: float, edges: list[float]) -> tuple[float, float]:
    """How many times ``value`` is away from the nearest of ``edges`` (>= 1), and that edge."""
    return min((max(value / e, e / value), e) for e in edges)


def _fits(analyte: str, number: float, unit: str, edges: list[float]) -> list[str]:
    canonical = ANALYTES[analyte].canonical_unit
    return [
        other
        for other in ANALYTES[analyte].common_units
        if normalize_unit(other) != normalize_unit(unit)
        and _distance(rescale(analyte, number, other, canonical), edges)[0] < _NEAR_FACTOR
    ]


def _bounds(cut: Cutoff) -> list[float]:
    found = [cut.value] if cut.interval is None else [cut.interval.low, cut.interval.high]
    return [b for b in found if b is not None and b > 0]


def _default_edges(reference: Pack, threshold_id: str, analyte: str) -> tuple[list[float], str]:
    """The default's cut-offs of the threshold of the same id (the same meaning), else every
    edge it has for the analyte (cut-offs and reference limits), in the canonical unit."""
    canonical = ANALYTES[analyte].canonical_unit
    spec = reference.thresholds.get(threshold_id)
    if spec is not None and spec.analyte == analyte:
        same = [rescale(analyte, b, c.unit, canonical) for c in spec.cutoffs for b in _bounds(c)]
        if same:
            return same, f"cut-off of {threshold_id!r} in the default pack"
    found = [e for e in pack_edges(reference, analyte) if e > 0]
    return found, f"{analyte} edge of the default pack"


def cutoff_scale(pack: Pack) -> PropertyResult:
    """Each positive cut-off bound compared with the default pack's edges of its analyte."""
    reference = default_pack()
    notes: list[str] = []
    checked = 0
    for threshold_id, spec in pack.thresholds.items():
        canonical = ANALYTES[spec.analyte].canonical_unit
        edges, what = _default_edges(reference, threshold_id, spec.analyte)
        if not edges:
            continue  # the default pack has no cut-off for this analyte to compare with
        for index, cut in enumerate(spec.cutoffs):
            for bound in _bounds(cut):
                checked += 1
                value = rescale(spec.analyte, bound, cut.unit, canonical)
                times, nearest = _distance(value, edges)
                if times < SCALE_FACTOR:
                    continue
                fits = _fits(spec.analyte, bound, cut.unit, edges)
                shown = [f"{u} (a fraction)" if u == "1" else u for u in fits]
                hint = (
                    f"a unit slip? {bound:g} would fit in {' or '.join(shown)}"
                    if fits
                    else "check the value and its unit"
                )
                same_unit = normalize_unit(cut.unit) == normalize_unit(canonical)
                restated = "" if same_unit else f" ({value:g} {canonical})"
                notes.append(
                    f"threshold {threshold_id!r}, cut-off {index + 1}: {bound:g} {cut.unit}"
                    f"{restated} is {times:.0f} times away from the nearest {what} "
                    f"({nearest:g} {canonical}); {hint} (a heuristic, not a failure)"
                )
    return PropertyResult("cut-off scale", checked, notes=tuple(notes))
