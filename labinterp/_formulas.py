"""The formulas of labinterp's derived indices, by name: code, never expressions in data.

A catalog entry with a ``derived:`` block names one of these formulas. Each formula states
the analytes it reads and the canonical unit it reads each in; the catalog loader checks both
against the catalog, so that a change of an input's canonical unit cannot silently change an
index. A formula returns the index, or the reason it cannot be computed from these values
(``log10`` of a ferritin at or below 1 ug/L, for example).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from labinterp._units import is_close

__all__ = ["BELOW_STEP", "BOUND_WIDENING", "FORMULAS", "Formula", "bound_points", "maturation_days"]

#: How far (relative) a bound computed over an unmeasured input is widened outwards. A step
#: function's value just below a step is read at a point a millionth below it, which falls
#: short of the true limit by about that much; widening by ten times more keeps every bound
#: on the safe side, so that a comparison it settles is settled for every possible value.
BOUND_WIDENING = 1e-5
#: How far below a step point (relative) the limit of the band below it is read.
BELOW_STEP = 1e-6


@dataclass(frozen=True, slots=True)
class Formula:
    """A derived index: its inputs (analyte id, canonical unit) and its function.

    ``compute`` takes the inputs' canonical values by analyte id and returns the index, or a
    text saying why these values give none. ``describe`` writes the arithmetic with the
    values, for traces: ``MCV 65 fL / RBC 5.6 10*12/L``.

    ``monotone_between`` names the inputs the formula is monotone in between the given points
    (in the input's canonical unit; no points: monotone throughout), the others held fixed.
    For those inputs the index can be bounded when the input was not measured: its extremes
    over the input's plausible range lie at the range's ends or at those points (see
    :func:`bound_points`).
    """

    name: str
    inputs: tuple[tuple[str, str], ...]
    compute: Callable[[Mapping[str, float]], float | str]
    describe: Callable[[Mapping[str, float]], str]
    monotone_between: Mapping[str, tuple[float, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def input_ids(self) -> tuple[str, ...]:
        return tuple(analyte for analyte, _ in self.inputs)


def bound_points(formula: Formula, input_id: str, low: float, high: float) -> tuple[float, ...]:
    """The values of ``input_id`` in ``[low, high]`` at which the formula's extremes over that
    range lie: the ends, each step point, and a point just below each step (the limit of the
    band below it). Empty when the formula does not declare ``input_id`` monotone."""
    steps = formula.monotone_between.get(input_id)
    if steps is None:
        return ()
    points = [low, high]
    for step in steps:
        if low < step <= high:
            points.extend((step, max(low, step * (1.0 - BELOW_STEP))))
    return tuple(sorted(set(points)))


def _mentzer(v: Mapping[str, float]) -> float | str:
    # The catalog refuses a red cell count of zero, so the division is always defined.
    return v["mcv"] / v["rbc"]


def _describe_mentzer(v: Mapping[str, float]) -> str:
    return f"MCV {v['mcv']:g} fL / RBC {v['rbc']:g} 10*12/L"


def maturation_days(hematocrit_percent: float) -> float:
    """Days a reticulocyte circulates before maturing, by hematocrit (Merck Manuals' RPI
    calculator, after Hutchinson and Davey): 1.0 at >= 40 %, 1.5 at [30, 40), 2.0 at
    [20, 30), 2.5 below 20 %. A band's lower edge belongs to it, within tolerance."""
    for edge, days in ((40.0, 1.0), (30.0, 1.5), (20.0, 2.0)):
        if hematocrit_percent > edge or is_close(hematocrit_percent, edge):
            return days
    return 2.5


def _rpi(v: Mapping[str, float]) -> float | str:
    hct = v["hematocrit"]
    return v["reticulocytes"] * (hct / 45.0) / maturation_days(hct)


def _describe_rpi(v: Mapping[str, float]) -> str:
    hct = v["hematocrit"]
    return (
        f"reticulocytes {v['reticulocytes']:g} % x (hematocrit {hct:g} % / 45 %) / "
        f"{maturation_days(hct):g} days maturation"
    )


def _transferrin_saturation(v: Mapping[str, float]) -> float | str:
    tibc = v["tibc"]
    if tibc <= 0.0:
        return f"transferrin saturation needs a TIBC above 0 umol/L (got {tibc:g})"
    return v["iron"] / tibc * 100.0


def _describe_transferrin_saturation(v: Mapping[str, float]) -> str:
    return f"serum iron {v['iron']:.4g} umol/L / TIBC {v['tibc']:.4g} umol/L x 100"


def _stfr_index(v: Mapping[str, float]) -> float | str:
    ferritin = v["ferritin"]
    if ferritin < 1.0 or is_close(ferritin, 1.0):
        return (
            f"the sTfR/log ferritin index needs ferritin above 1 ug/L (log10 of {ferritin:g} "
            "is not positive)"
        )
    return v["stfr"] / math.log10(ferritin)


def _describe_stfr_index(v: Mapping[str, float]) -> str:
    return f"sTfR {v['stfr']:g} mg/L / log10(ferritin {v['ferritin']:g} ug/L)"


FORMULAS: Mapping[str, Formula] = MappingProxyType(
    {
        f.name: f
        for f in (
            Formula(
                "mentzer_index",
                (("mcv", "fL"), ("rbc", "10*12/L")),
                _mentzer,
                _describe_mentzer,
                # Not bounded: the index only means something for a measured small cell size,
                # so it is never ranged over a cell count or an MCV that was not measured.
            ),
            Formula(
                "reticulocyte_production_index",
                (("reticulocytes", "%"), ("hematocrit", "%")),
                _rpi,
                _describe_rpi,
                # Linear in reticulocytes; in hematocrit it rises within each maturation band
                # and steps at the bands' edges.
                MappingProxyType({"reticulocytes": (), "hematocrit": (20.0, 30.0, 40.0)}),
            ),
            Formula(
                "transferrin_saturation",
                (("iron", "umol/L"), ("tibc", "umol/L")),
                _transferrin_saturation,
                _describe_transferrin_saturation,
                # Rising in iron, falling in TIBC (a TIBC of 0 gives no saturation at all).
                MappingProxyType({"iron": (), "tibc": ()}),
            ),
            Formula(
                "stfr_ferritin_index",
                (("stfr", "mg/L"), ("ferritin", "ug/L")),
                _stfr_index,
                _describe_stfr_index,
            ),
        )
    }
)
