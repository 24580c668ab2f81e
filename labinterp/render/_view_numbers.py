"""Numbers as a rendering shows them: in the result's unit, tidied, with the symbols used.

A cut-off written in another unit in the pack is converted to the unit the result was reported
in, with the pack's own value in brackets; margins are in the result's unit (percentage points
for a percentage). Rounding is for display only (:mod:`labinterp._numbers`). The one
:class:`Numbers` of a rendering records every symbol, term and unit it shows, for the legend
and the glossary.

How a converted number is shown beside a result (:func:`cutoff_figures`, stated for readers
in docs/rendering.md): a number with at most four significant figures is shown as it is (it
is exact: 12 g/dL is 120 g/L); a longer one (30 ug/L is 67.416 pmol/L) gets the fewest
figures that reach the result's own last digit (at least two, at first at most five), and
more only while the shown cut-off and the shown result would otherwise stand in a different
order than the exact numbers. So a result below its cut-off is always shown below it, never
equal to it unless the two are equal within the engine's tolerance, and a margin read off the
two shown numbers is never 0 unless the result is at the cut-off.

A value labinterp computed (an index, a transferrin saturation from iron and TIBC) has no
reported precision; it is shown the other way round (:func:`computed_figures`): the cut-off
as the pack writes it, the value with at least three figures and as many more as keep it on
the same side of every cut-off the report compares it with. A range (an index bounded over
an input not measured) is shown by the end that settles the comparison: "at most 1.7"
beside "< 2".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Set
from decimal import Decimal
from functools import lru_cache

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError
from labinterp._messages import Messages
from labinterp._numbers import (
    MIN_FIGURES,
    format_number,
    round_figures,
    significant_figures,
    tidy,
)
from labinterp._panel import Measurement
from labinterp._rules import CriterionResult, CutoffUsed, Outcome
from labinterp._units import is_close, normalize_unit, with_unit
from labinterp.render._view_model import Audience

__all__ = ["Numbers", "computed_figures", "cutoff_figures", "display_unit", "shown_cutoff"]

_COMPARATOR_WORDS = {
    "<": "below",
    "<=": "at or below",
    ">": "above",
    ">=": "at or above",
}

_LEARNER_INTERVALS = {
    (True, False): "{name} from {low} to under {high}",
    (False, True): "{name} over {low} and up to {high}",
    (False, False): "{name} over {low} and under {high}",
}

#: (the edge is the upper limit, the value is below it) -> the side of a reference limit.
_LIMIT_SIDES = {
    (True, True): "below the upper reference limit",
    (True, False): "above the upper reference limit",
    (False, True): "below the lower reference limit",
    (False, False): "above the lower reference limit",
}

#: A number this short is shown as it is, converted or not: it is exact, so it cannot sit on
#: the wrong side of a result, and rounding it (11.5 to 12 beside a result of 17) would hide a
#: digit the source wrote.
_WRITTEN_FIGURES = 4
#: A converted cut-off starts with at most this many figures (the result's own precision
#: may ask for more); it gets more only where fewer would misstate its order with the result.
_FIRST_FIGURES_MOST = 5
#: The figures tried before giving up: past twelve, a difference is below the engine's
#: tolerance (REL_TOL), and the two numbers are taken as equal anyway.
_FIGURES_MOST = 12
#: A computed value is shown with at least this many figures (an index, a saturation).
_COMPUTED_FIGURES = 3


@lru_cache(maxsize=256)
def display_unit(unit: str) -> str:
    """The one spelling a report shows a unit in: its UCUM code, as the packs write it.

    ``ug/dl``, ``µg/dL`` and ``mcg/dL`` all read ``ug/dL``, so a result, its reference
    interval and the cut-offs beside it never show two spellings of one unit. A unit
    labinterp does not know (it was read, so this does not happen) is shown as written.
    """
    try:
        return normalize_unit(unit)
    except LabinterpError:
        return unit


def _last_digit(value: float) -> int:
    """The power of ten of the last significant digit of a reported number (7.44 -> -2)."""
    return math.floor(math.log10(abs(value))) - significant_figures(value) + 1


def _order(a: float, b: float) -> int:
    return 0 if is_close(a, b) else (1 if a > b else -1)


def computed_figures(value: float, edges: Iterable[float]) -> int:
    """The significant figures to show a computed ``value`` with beside cut-offs whose edges
    (in the value's unit) are ``edges``, each shown as the pack writes it (only tidied).

    At least three; more only while the shown value would stand on another side of an edge
    than the exact value, or equal to it (14.99 %, not 15 %, beside "< 15 %"). A value equal
    to an edge within the engine's tolerance is shown equal to it.
    """
    if not math.isfinite(value) or value == 0:
        return _COMPUTED_FIGURES
    finite = [e for e in edges if math.isfinite(e)]
    for figures in range(_COMPUTED_FIGURES, _FIGURES_MOST + 1):
        shown = round_figures(value, figures)
        if all(_same_side(value, shown, edge) for edge in finite):
            return figures
    return _FIGURES_MOST


def _same_side(value: float, shown: float, edge: float) -> bool:
    edge_shown = tidy(edge)
    if is_close(value, edge):
        return shown == edge_shown
    return shown != edge_shown and _order(shown, edge_shown) == _order(value, edge)


def _edges(cutoffs: Iterable[CutoffUsed]) -> set[float]:
    """The finite edges of the cut-offs' bands, in the canonical unit (a computed value's)."""
    return {e for cut in cutoffs for e in (cut.band.low, cut.band.high) if math.isfinite(e)}


def _range_end(cutoffs: tuple[CutoffUsed, ...], outcome: Outcome | None) -> str:
    """Which end of a computed range settles its comparison: "high" ("at most 1.7" beside
    "< 2" that holds, or "> 3" that does not), "low", or "both" (a two-sided band, an
    undecided comparison, cut-offs that differ)."""
    sides = {
        ("upper" if math.isinf(c.band.low) else "lower")
        for c in cutoffs
        if math.isinf(c.band.low) != math.isinf(c.band.high)
    }
    if (
        outcome not in (Outcome.HELD, Outcome.FAILED)
        or len(sides) != 1
        or any(math.isfinite(c.band.low) and math.isfinite(c.band.high) for c in cutoffs)
    ):
        return "both"
    below_edge = (sides == {"upper"}) == (outcome is Outcome.HELD)
    return "high" if below_edge else "low"


def cutoff_figures(number: float, value: float | None) -> int | None:
    """The significant figures to show ``number`` (a cut-off or a limit, in the result's
    unit) with beside the reported ``value``; None to show it as it is (only tidied).

    The shown number and the shown value stand in the order of the exact numbers (equal only
    when they are equal within the engine's tolerance); within that, as few figures as reach
    the value's last digit, at least :data:`MIN_FIGURES`.
    """
    if not math.isfinite(number) or number == 0:
        return None
    if significant_figures(tidy(number)) <= _WRITTEN_FIGURES:
        return None
    if value is None or not math.isfinite(value) or value == 0:
        return max(MIN_FIGURES, 3)
    magnitude = math.floor(math.log10(abs(number)))
    if is_close(number, value):
        # At the cut-off: shown to the value's own last digit, so the two read the same.
        return max(1, magnitude - _last_digit(value) + 1)
    shown_value = float(format_number(value, significant_figures(value)))
    exact = _order(number, value)
    first = max(MIN_FIGURES, min(_FIRST_FIGURES_MOST, magnitude - _last_digit(value) + 1))
    for figures in range(first, _FIGURES_MOST + 1):
        shown = float(format_number(number, figures))
        if _order(shown, shown_value) == exact and shown != shown_value:
            return figures
    return _FIGURES_MOST


def shown_cutoff(number: float, value: float | None) -> str:
    """``number`` as :func:`cutoff_figures` shows it beside ``value`` (a "." decimal point)."""
    return format_number(number, cutoff_figures(number, value))


class Numbers:
    """Shows numbers for one rendering, and records the symbols and terms used."""

    def __init__(
        self, messages: Messages, audience: Audience, measured: Set[str] = frozenset()
    ) -> None:
        self.m = messages
        self.audience = audience
        self.symbols: dict[str, None] = {}
        self.terms: dict[str, None] = {}
        self.units: set[str] = set()
        # The results measured (analyte ids), to name the input a computed range lacks.
        self.measured = measured
        # Each computed index -> the cut-off edges the report compares it with, so that it
        # is shown with the same figures everywhere in one report (prepare()).
        self.computed_edges: dict[str, set[float]] = {}

    def prepare(self, results: Iterable[CriterionResult]) -> None:
        """Record the cut-offs each computed value is compared with in the ``results`` (the
        leaves of every trace the rendering shows), before any is shown."""
        for leaf in results:
            obs = leaf.observed
            if obs is not None and obs.derived_from is not None:
                edges = self.computed_edges.setdefault(obs.analyte, set())
                edges |= _edges(leaf.cutoffs)

    def _computed(self, m: Measurement, number: float, cutoffs: Iterable[CutoffUsed]) -> int:
        edges = self.computed_edges.get(m.analyte, set()) | _edges(cutoffs)
        return computed_figures(number, edges)

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

    def value(
        self,
        m: Measurement,
        cutoffs: tuple[CutoffUsed, ...] = (),
        outcome: Outcome | None = None,
    ) -> str:
        """The result as reported, its number tidied: ``12 ng/mL``, ``<5 ug/L``; a computed
        value beside the ``cutoffs`` it is compared with (that comparison's ``outcome``)."""
        unit = self.unit(display_unit(m.unit))
        if m.derived_from is not None:
            # Computed by labinterp: the number (or the range an unmeasured input allows,
            # labinterp._derived) and the arithmetic.
            low, _, high, _ = m.canonical_interval
            if low < high:
                shown = self._range(m, low, high, cutoffs, outcome, unit)
            else:
                figures = self._computed(m, m.value, cutoffs)
                shown = with_unit(self.m.number(m.value, figures), unit)
            return f"{shown} ({m.derived_from})"
        if m.comparator:
            self.use(m.comparator)
        number = self.m.number(m.value, significant_figures(m.value))
        return with_unit(f"{m.comparator or ''}{number}", unit)

    def _range(
        self,
        m: Measurement,
        low: float,
        high: float,
        cutoffs: tuple[CutoffUsed, ...],
        outcome: Outcome | None,
        unit: str,
    ) -> str:
        """A computed range by the end that settles the comparison: "at most 1.7"."""
        end = _range_end(cutoffs, outcome)
        words = self.m
        low_text = with_unit(words.number(low, self._computed(m, low, cutoffs)), unit)
        high_text = with_unit(words.number(high, self._computed(m, high, cutoffs)), unit)
        if end == "high":
            shown = words.at_most(high_text)
        elif end == "low":
            shown = words.at_least(low_text)
        else:
            shown = words.between(words.number(low, self._computed(m, low, cutoffs)), high_text)
        derivation = ANALYTES[m.analyte].derived
        absent = [i for i in derivation.inputs if i not in self.measured] if derivation else []
        if self.audience == "learner" and self.measured and len(absent) == 1:
            # Plain words for the learner: the bound holds whatever the missing result is.
            shown = words.whatever(shown, self.term(ANALYTES[absent[0]].display_name))
        return shown

    def beside(self, number: float, m: Measurement | None) -> str:
        """A number in the unit of ``m``, shown beside its value (:func:`cutoff_figures`):
        on the same side of the value as the exact number, and the same wherever shown."""
        reported = m.value if m is not None and m.derived_from is None else None
        return self.m.number(number, cutoff_figures(number, reported))

    def in_unit(self, value: float, cut: CutoffUsed, m: Measurement | None) -> tuple[str, str]:
        """A pack number (in ``cut.unit``) in the result's unit, and the unit shown."""
        if m is None or m.derived_from is not None or display_unit(m.unit) == cut.unit:
            return self.m.number(value), cut.unit
        factor = cut.to_canonical / ANALYTES[m.analyte].resolve_unit(m.unit).to_canonical
        if math.isclose(factor, 1.0):
            return self.m.number(value), display_unit(m.unit)
        return self.beside(value * factor, m), display_unit(m.unit)

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
            # A reference position: "serum iron below its reference interval 50-170 ug/dL";
            # with one limit only, that limit: "above its upper reference limit 19 umol/L".
            if low is None or high is None:
                return self._one_limit(name, position, low, high)
            self.term("reference interval")
            return self.m.format(
                "{name} {position} its reference interval {interval}",
                name=name,
                position=self.m.gettext(position),
                interval=f"{low}-{high}",
            )
        if low is not None and high is not None:
            ends = (bool(cut.low_inclusive), bool(cut.high_inclusive))
            if ends == (True, True):
                return self.m.format("{name} from {low} to {high}", name=name, low=low, high=high)
            if self.audience == "learner":
                # In words, saying which end is left out: "from 8 to under 11 g/dL".
                words = _LEARNER_INTERVALS[ends]
                return self.m.format(words, name=name, low=low, high=high)
        parts = []
        if low is not None:
            parts.append(f"{low} {self.use('<=' if cut.low_inclusive else '<')}")
        parts.append(name)
        if high is not None:
            parts.append(f"{self.use('<=' if cut.high_inclusive else '<')} {high}")
        return " ".join(parts)

    def _one_limit(self, name: str, position: str, low: str | None, high: str | None) -> str:
        self.term("reference limit")
        limit = self.m.gettext("lower reference limit" if high is None else "upper reference limit")
        return self.m.format(
            "{name} {position} its {limit} {number}",
            name=name,
            position=self.m.gettext(position),
            limit=limit,
            number=low if high is None else high,
        )

    def margin(self, result: CriterionResult) -> str | None:
        """The distance to the cut-off in the result's unit; percentage points for a %.

        It is the difference of the two numbers as shown (133 and 132.8 are 0.2 apart), so a
        reader's own subtraction agrees with it; 0 is said as "at the cut-off".
        """
        if result.margin is None or not result.cutoffs or result.observed is None:
            return None
        cut, m = result.cutoffs[0], result.observed
        factor = 1.0
        unit = cut.unit
        converted = m.derived_from is None and display_unit(m.unit) != cut.unit
        if converted:
            factor = cut.to_canonical / ANALYTES[m.analyte].resolve_unit(m.unit).to_canonical
            unit = display_unit(m.unit)
        distance = result.margin * factor
        if result.margin == 0:
            return self.m.gettext("at the cut-off")
        # The edge the engine measured from: the pack's number nearest to value - margin (not
        # that difference itself, which carries float noise, and the JSON's rounding of the
        # margin once read back), shown as the cut-off itself is shown.
        ends = [x for x in (cut.value, cut.low, cut.high) if x is not None]
        if not ends:
            return None
        edge = min(ends, key=lambda x: abs(x * factor - (m.value - distance)))
        if converted and not math.isclose(factor, 1.0):
            edge_text = shown_cutoff(edge * factor, m.value)
        else:  # as in_unit shows it: the pack's own number
            edge_text = format_number(edge)
        if m.derived_from is None:
            value_text = format_number(m.value, significant_figures(m.value))
        else:
            value_text = format_number(m.value, self._computed(m, m.value, result.cutoffs))
        difference = Decimal(value_text) - Decimal(edge_text)
        if difference == 0:
            return self.m.gettext("at the cut-off")
        number = self.m.number(abs(float(difference)))
        if unit == "%":
            self.term("percentage points")
            points = "percentage point" if abs(difference) == 1 else "percentage points"
            shown = f"{number} {self.m.gettext(points)}"
        else:
            shown = with_unit(number, unit)
        side = self._side(cut, edge, difference)
        return self.m.format("{amount} {side}", amount=shown, side=side)

    def _side(self, cut: CutoffUsed, edge: float, difference: Decimal) -> str:
        """ "above the cut-off"; for a reference position, the limit it is measured from:
        "above the upper reference limit", "below the lower reference limit"."""
        below = difference < 0
        if cut.comparator is None and cut.rule.split(" ")[1:2] in (["below"], ["above"]):
            self.term("reference limit")
            upper = cut.high is not None and math.isclose(edge, cut.high)
            return self.m.gettext(_LIMIT_SIDES[upper, below])
        self.term("cut-off")
        return self.m.gettext("below the cut-off" if below else "above the cut-off")
