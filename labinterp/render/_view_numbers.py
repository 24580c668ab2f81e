"""Numbers as a rendering shows them: in the result's unit, tidied, with the symbols used.

A cut-off written in another unit in the pack is converted to the unit the result was reported
in, with the pack's own value in brackets; margins are in the result's unit (percentage points
for a percentage). Rounding is for display only (:mod:`labinterp._numbers`). The one
:class:`Numbers` of a rendering records every symbol, term and unit it shows, for the legend
and the glossary.
"""

from __future__ import annotations

import math

from labinterp._analytes import ANALYTES
from labinterp._messages import Messages
from labinterp._numbers import MIN_FIGURES, significant_figures
from labinterp._panel import Measurement
from labinterp._rules import CriterionResult, CutoffUsed
from labinterp._units import with_unit
from labinterp.render._view_model import Audience

__all__ = ["Numbers", "decimals"]

_COMPARATOR_WORDS = {
    "<": "below",
    "<=": "at or below",
    ">": "above",
    ">=": "at or above",
}


class Numbers:
    """Shows numbers for one rendering, and records the symbols and terms used."""

    def __init__(self, messages: Messages, audience: Audience) -> None:
        self.m = messages
        self.audience = audience
        self.symbols: dict[str, None] = {}
        self.terms: dict[str, None] = {}
        self.units: set[str] = set()

    def use(self, symbol: str) -> str:
        self.symbols[symbol] = None
        return symbol

    def term(self, word: str) -> str:
        self.terms[word] = None
        return word

    def unit(self, unit: str) -> str:
        if unit not in ("", "1"):
            self.units.add(unit)
            self.term(unit)
        return unit

    def value(self, m: Measurement) -> str:
        """The result as reported, its number tidied: ``12 ng/mL``, ``<5 ug/L``."""
        self.unit(m.unit)
        if m.derived_from is not None:
            # Computed by labinterp: the number (or the range an unmeasured input allows,
            # labinterp._derived) and the arithmetic.
            low, _, high, _ = m.canonical_interval
            shown = (
                f"{self.m.number(low, 3)} to {self.m.number(high, 3)}"
                if low < high
                else self.m.number(m.value, 3)
            )
            return f"{with_unit(shown, m.unit)} ({m.derived_from})"
        if m.comparator:
            self.use(m.comparator)
        number = self.m.number(m.value, significant_figures(m.value))
        return with_unit(f"{m.comparator or ''}{number}", m.unit)

    def figures(self, m: Measurement | None, pack_value: float | None) -> int:
        reported = significant_figures(m.value) if m is not None else 0
        given = significant_figures(pack_value) if pack_value is not None else 0
        return max(MIN_FIGURES, reported, given)

    def in_unit(self, value: float, cut: CutoffUsed, m: Measurement | None) -> tuple[str, str]:
        """A pack number (in ``cut.unit``) in the result's unit, and the unit shown."""
        if m is None or m.derived_from is not None or m.unit == cut.unit:
            return self.m.number(value), cut.unit
        factor = cut.to_canonical / ANALYTES[m.analyte].resolve_unit(m.unit).to_canonical
        if math.isclose(factor, 1.0):
            return self.m.number(value), m.unit
        return self.m.number(value * factor, self.figures(None, value)), m.unit

    def cutoff(self, cut: CutoffUsed, m: Measurement | None, name: str) -> str:
        """``ferritin < 30 ng/mL [30 ug/L]``: in the result's unit, the pack's in brackets."""
        unit_shown = self.in_unit(1.0, cut, m)[1]
        if cut.comparator is not None and cut.value is not None:
            shown, _ = self.in_unit(cut.value, cut, m)
            if self.audience == "learner":
                rule = f"{name} {self.m.gettext(_COMPARATOR_WORDS[cut.comparator])} {shown}"
            else:
                rule = f"{name} {self.use(cut.comparator)} {shown}"
            pack = self.m.number(cut.value)
        else:
            low = None if cut.low is None else self.in_unit(cut.low, cut, m)[0]
            high = None if cut.high is None else self.in_unit(cut.high, cut, m)[0]
            rule = self._interval_rule(cut, name, low, high)
            pack = "-".join(self.m.number(x) for x in (cut.low, cut.high) if x is not None)
        text = with_unit(rule, unit_shown)
        if unit_shown != cut.unit and cut.unit not in ("", "1"):
            text += f" [{with_unit(pack, cut.unit)}]"
            self.use("[ ]")
            self.unit(cut.unit)
        self.unit(unit_shown)
        return text

    def _interval_rule(self, cut: CutoffUsed, name: str, low: str | None, high: str | None) -> str:
        position = cut.rule.split(" ")[1] if cut.comparator is None and " " in cut.rule else ""
        if position in ("below", "above"):
            # A reference position: "serum iron below its reference interval (50-170 ug/dL)".
            interval = "-".join(x for x in (low, high) if x is not None)
            self.term("reference interval")
            return self.m.format(
                "{name} {position} its reference interval {interval}",
                name=name,
                position=self.m.gettext(position),
                interval=interval,
            )
        plain = self.audience == "learner" or (cut.low_inclusive and cut.high_inclusive)
        if plain and low is not None and high is not None:
            return self.m.format("{name} from {low} to {high}", name=name, low=low, high=high)
        parts = []
        if low is not None:
            parts.append(f"{low} {self.use('<=' if cut.low_inclusive else '<')}")
        parts.append(name)
        if high is not None:
            parts.append(f"{self.use('<=' if cut.high_inclusive else '<')} {high}")
        return " ".join(parts)

    def margin(self, result: CriterionResult) -> str | None:
        """The distance to the cut-off in the result's unit; percentage points for a %."""
        if result.margin is None or not result.cutoffs or result.observed is None:
            return None
        cut, m = result.cutoffs[0], result.observed
        factor = 1.0
        unit = cut.unit
        if m.derived_from is None and m.unit != cut.unit:
            factor = cut.to_canonical / ANALYTES[m.analyte].resolve_unit(m.unit).to_canonical
            unit = m.unit
        value = result.margin * factor
        # To the decimal place the result was reported with: 10.2 vs 12 is 1.8 apart.
        number = self.m.number(round(abs(value), decimals(m.value)))
        if unit == "%":
            unit_text = self.term(self.m.gettext("percentage points"))
            shown = f"{number} {unit_text}"
        else:
            shown = with_unit(number, unit)
        if value == 0:
            return self.m.gettext("at the cut-off")
        side = "below the cut-off" if value < 0 else "above the cut-off"
        self.term("cut-off")
        return self.m.format("{amount} {side}", amount=shown, side=self.m.gettext(side))


def decimals(value: float) -> int:
    """The decimal places a reported number carries (``10.2`` -> 1, ``120`` -> 0)."""
    if not math.isfinite(value) or value == 0:
        return 0
    figures = significant_figures(value)
    return max(0, figures - 1 - math.floor(math.log10(abs(value))))
