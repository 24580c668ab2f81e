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
from dataclasses import dataclass
from types import MappingProxyType

from labinterp._units import is_close

__all__ = ["FORMULAS", "Formula", "maturation_days"]


@dataclass(frozen=True, slots=True)
class Formula:
    """A derived index: its inputs (analyte id, canonical unit) and its function.

    ``compute`` takes the inputs' canonical values by analyte id and returns the index, or a
    text saying why these values give none. ``describe`` writes the arithmetic with the
    values, for traces: ``MCV 65 fL / RBC 5.6 10*12/L``.
    """

    name: str
    inputs: tuple[tuple[str, str], ...]
    compute: Callable[[Mapping[str, float]], float | str]
    describe: Callable[[Mapping[str, float]], str]

    @property
    def input_ids(self) -> tuple[str, ...]:
        return tuple(analyte for analyte, _ in self.inputs)


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
            ),
            Formula(
                "reticulocyte_production_index",
                (("reticulocytes", "%"), ("hematocrit", "%")),
                _rpi,
                _describe_rpi,
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
