"""The view model: what every rendering shows, computed once from an Interpretation.

The renderers (text, Markdown, HTML) only lay this structure out; every choice of what to show
and how a number reads is made here, from the findings, in this order:

1. alerts that hold;
2. the context used (sex, age, pregnancy, reported conditions ...) and what was assumed;
3. the summary: each pattern consistent or that cannot be decided, with one line of why and,
   for an undecided one, what to test next (cited);
4. the reasoning per pattern (full mode only);
5. the results against reference intervals;
6. the legend of every symbol used (and, for learners, a glossary of every term used);
7. the disclaimer.

Numbers are shown in the unit the result was reported in: a cut-off written in another unit in
the pack is converted, with the pack's own value in brackets, and margins are in the result's
unit (percentage points for a percentage). Rounding is for display only (:mod:`_numbers`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._errors import InvalidValueError, LabinterpError
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    Interpretation,
    PatternFinding,
    Status,
)
from labinterp._messages import ENGLISH, Messages
from labinterp._numbers import MIN_FIGURES, significant_figures
from labinterp._panel import Measurement, Panel
from labinterp._rules import CriterionResult, CutoffUsed, GreyZoneResult, Outcome
from labinterp._units import with_unit
from labinterp.render._glossary import glossary_for, terms_in

__all__ = [
    "Audience",
    "ContextItem",
    "NextTest",
    "NumberLine",
    "PatternView",
    "ResultRow",
    "Step",
    "SummaryItem",
    "View",
    "build_view",
    "pattern_view",
    "tests_by_source",
]

Audience = Literal["learner", "clinician"]
AUDIENCES: tuple[Audience, ...] = ("learner", "clinician")

#: The mark shown before each status and outcome; every one used appears in the legend.
MARKS: dict[str, str] = {
    "consistent": "[+]",
    "not_consistent": "[-]",
    "indeterminate": "[?]",
    "alert": "[!]",
}
_OUTCOME_MARK = {Outcome.HELD: "[+]", Outcome.FAILED: "[-]", Outcome.UNDECIDED: "[?]"}
_COMPARATOR_WORDS = {
    "<": "below",
    "<=": "at or below",
    ">": "above",
    ">=": "at or above",
}


@dataclass(frozen=True, slots=True)
class ContextItem:
    """One piece of the patient's context as it was used: ``sex: female``."""

    term: str
    value: str


@dataclass(frozen=True, slots=True)
class NextTest:
    """A test that would help decide a pattern, with the source that names it."""

    name: str
    source: str


@dataclass(frozen=True, slots=True)
class SummaryItem:
    """One line of the summary: a pattern consistent or undecided, why, and what next."""

    id: str
    status: Status
    mark: str
    headline: str
    why: str
    notes: tuple[str, ...] = ()
    next_tests: tuple[NextTest, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a pattern's reasoning, indented by ``depth``; ``details`` go under it."""

    depth: int
    mark: str
    text: str
    outcome: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PatternView:
    """A pattern's reasoning: its steps, grey zones, supporting criteria and notes."""

    id: str
    status: Status
    mark: str
    headline: str
    description: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NumberLine:
    """Where a value sits, in the result's unit: the reference interval and the cut-offs."""

    unit: str
    value: float
    comparator: str | None
    low: float | None
    high: float | None
    cutoffs: tuple[tuple[float, str], ...]  # (value, label) in the result's unit


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A measured result against its reference interval."""

    analyte: str
    name: str
    value: str
    interval: str
    flag: str
    code: str | None
    source: str
    loinc: str
    line: NumberLine | None


@dataclass(frozen=True, slots=True)
class View:
    """Everything a rendering shows, in reading order."""

    title: str
    audience: Audience
    brief: bool
    messages: Messages
    alerts: tuple[SummaryItem, ...]
    alert_meaning: str
    context: tuple[ContextItem, ...]
    assumptions: tuple[str, ...]
    summary: tuple[SummaryItem, ...]
    not_supported: tuple[str, ...]
    reasoning: tuple[PatternView, ...]
    results: tuple[ResultRow, ...]
    legend: tuple[tuple[str, str], ...]
    glossary: tuple[tuple[str, str], ...]
    disclaimer: str
    symbols: frozenset[str] = field(default_factory=frozenset)
    #: Said instead of the summary when the panel gives no result at all.
    empty_note: str = ""


# --- numbers in the result's unit ---------------------------------------------------------------


class _Numbers:
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
        if m.comparator:
            self.use(m.comparator)
        if m.derived_from is not None:
            return f"{self.m.number(m.value, 3)} ({m.derived_from})"
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
        number = self.m.number(round(abs(value), _decimals(m.value)))
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


# --- context ------------------------------------------------------------------------------------


def _context_items(panel: Panel, m: Messages) -> tuple[ContextItem, ...]:
    not_given = m.gettext("not given")
    items = [
        ContextItem(m.gettext("sex"), m.gettext(panel.sex) if panel.sex else not_given),
        ContextItem(
            m.gettext("age"),
            m.format("{age} years", age=m.number(panel.age))
            if panel.age is not None
            else not_given,
        ),
        ContextItem(
            m.gettext("pregnant"),
            not_given
            if panel.pregnant is None
            else m.gettext("yes")
            if panel.pregnant
            else m.gettext("no"),
        ),
    ]
    if panel.trimester is not None:
        items.append(ContextItem(m.gettext("trimester"), str(panel.trimester)))
    if panel.diet is not None:
        items.append(ContextItem(m.gettext("diet"), _context_name("diet", panel.diet)))
    for name in ("conditions", "medications", "symptoms"):
        ids: tuple[str, ...] = getattr(panel, name)
        if ids:
            items.append(
                ContextItem(m.gettext(name), ", ".join(_context_name(name, i) for i in ids))
            )
    if not any(getattr(panel, n) for n in ("conditions", "medications", "symptoms")):
        items.append(ContextItem(m.gettext("conditions"), m.gettext("none reported")))
    return tuple(items)


def _context_name(field_name: str, item: str) -> str:
    """A reported id as words: ``chronic_kidney_disease`` -> ``chronic kidney disease``."""
    del field_name  # ids are plain English words joined by "_"
    return item.replace("_", " ")


def _because(cut: CutoffUsed, m: Messages) -> str | None:
    """Why the context chose this cut-off: "because inflammation is present"."""
    when = cut.when
    parts: list[str] = []
    if when.sex is not None:
        parts.append(m.format("the sex is {sex}", sex=m.gettext(when.sex)))
    if when.pregnant is True:
        parts.append(m.gettext("the person is pregnant"))
    elif when.pregnant is False:
        parts.append(m.gettext("the person is not pregnant"))
    if when.trimester:
        parts.append(
            m.format("the trimester is {t}", t=m.join_or([str(t) for t in when.trimester]))
        )
    if when.age_min is not None:
        parts.append(m.format("the age is {age} years or more", age=m.number(when.age_min)))
    if when.age_max is not None:
        parts.append(m.format("the age is under {age} years", age=m.number(when.age_max)))
    if when.inflammation is True:
        parts.append(m.gettext("inflammation is present"))
    elif when.inflammation is False:
        parts.append(m.gettext("no inflammation is present"))
    for name, ids in when.reported():
        words = m.join_or([_context_name(name, i) for i in ids])
        parts.append(m.format("{what} is reported", what=words))
    if not parts:
        return None
    return m.format("because {why}", why=m.join_and(parts))


# --- reasoning ----------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        interp: Interpretation | None,
        messages: Messages,
        audience: Audience,
        names: dict[str, str],
    ) -> None:
        self.interp = interp
        self.m = messages
        self.audience = audience
        self.n = _Numbers(messages, audience)
        self.names = names  # pattern id -> display label
        self.notes_shown: set[str] = set()
        self.by_id: dict[str, PatternFinding] = {}

    def outcome(self, outcome: Outcome) -> str:
        if self.audience == "learner":
            word = {Outcome.HELD: "yes", Outcome.FAILED: "no", Outcome.UNDECIDED: "not known"}
        else:
            word = {
                Outcome.HELD: "holds",
                Outcome.FAILED: "does not hold",
                Outcome.UNDECIDED: "undecided",
            }
        return self.m.gettext(word[outcome])

    def mark(self, outcome: Outcome) -> str:
        return self.n.use(_OUTCOME_MARK[outcome])

    def analyte_name(self, analyte: str | None) -> str:
        if analyte is None:
            return ""
        return self.n.term(ANALYTES[analyte].display_name)

    def steps(self, result: CriterionResult, depth: int) -> Iterator[Step]:
        if result.kind in ("all", "any", "not"):
            head = {
                "all": "all of these:",
                "any": "at least one of these:",
                "not": "not the following:",
            }[result.kind]
            yield Step(depth, self.mark(result.outcome), self.m.gettext(head), "")
            for child in result.children:
                yield from self.steps(child, depth + 1)
            return
        yield self.leaf(result, depth)

    def leaf(self, result: CriterionResult, depth: int) -> Step:
        m = self.m
        mark, outcome = self.mark(result.outcome), self.outcome(result.outcome)
        if result.kind == "pattern":
            pid = result.rule.removeprefix("pattern ")
            name = self.names.get(pid, pid.replace("_", " "))
            details = (result.reason,) if result.reason else ()
            return Step(depth, mark, m.format("pattern: {name}", name=name), outcome, details)
        if result.kind == "missing":
            name = self.analyte_name(result.analyte)
            return Step(
                depth,
                mark,
                m.format("{name} not measured", name=name),
                outcome,
                (result.reason or "",),
            )
        if result.kind == "context":
            asked = result.rule.removeprefix("context(").removesuffix(")").replace("_", " ")
            used = (result.reason or "").replace("_", " ")
            text = m.format("context: {asked}", asked=asked)
            return Step(depth, mark, text, outcome, (m.format("here: {used}", used=used),))
        return self.measured_leaf(result, depth, mark, outcome)

    def measured_leaf(self, result: CriterionResult, depth: int, mark: str, outcome: str) -> Step:
        m, n = self.m, self.n
        name = self.analyte_name(result.analyte)
        obs = result.observed
        observed = n.value(obs) if obs is not None else m.gettext("not measured")
        details: list[str] = []
        if len(result.cutoffs) == 1 or (result.cutoffs and obs is None):
            cut = result.cutoffs[0]
            text = n.cutoff(cut, obs, name)
            if len(result.cutoffs) == 1 and cut.source_id != "lab":
                because = _because(cut, m)
                if because:
                    text += f" {because}"
        else:
            text = m.format("{name}: a cut-off chosen by context", name=name)
            for cut, cut_outcome in zip(result.cutoffs, result.cutoff_outcomes, strict=False):
                details.append(
                    m.format(
                        "if {context}: {rule}: {outcome}",
                        context=cut.applies_to,
                        rule=n.cutoff(cut, obs, name),
                        outcome=self.outcome(cut_outcome),
                    )
                )
        margin = n.margin(result)
        value_line = m.format("value: {value}", value=observed)
        if margin:
            value_line += f" ({margin})"
        details.insert(0, value_line)
        if result.reason:
            details.append(result.reason.replace("_", " "))
        for cut in result.cutoffs[:1] if len(result.cutoffs) == 1 else ():
            if cut.note and cut.note not in self.notes_shown:
                # A pack's note is shown under the first use of its cut-off, not repeated.
                self.notes_shown.add(cut.note)
                details.append(m.format("note: {note}", note=cut.note))
            if self.audience == "clinician":
                details.append(
                    m.format(
                        "source: {source} [{confidence}]",
                        source=cut.source,
                        confidence=cut.confidence,
                    )
                )
        return Step(depth, mark, text, outcome, tuple(details))

    def grey_zone(self, zone: GreyZoneResult) -> Iterator[Step]:
        self.n.term("grey zone")
        head = self.m.format("grey zone: {reason}", reason=zone.reason)
        details = (self.m.format("source: {source}", source=zone.source),)
        yield Step(2, self.mark(zone.outcome), head, self.outcome(zone.outcome), details)
        # A grey zone that does not hold is one line; one that holds or may hold shows why.
        if zone.outcome is not Outcome.FAILED:
            yield from self.steps(zone.result, 3)

    def pattern(self, finding: PatternFinding) -> PatternView:
        steps = list(self.steps(finding.criteria, 1))
        for zone in finding.grey_zones:
            steps += self.grey_zone(zone)
        for support in finding.supporting:
            s = self.leaf(support, 1) if not support.children else next(self.steps(support, 1))
            steps.append(
                Step(
                    1,
                    s.mark,
                    self.m.format("supporting: {text}", text=s.text),
                    s.outcome,
                    s.details,
                )
            )
        notes = (finding.note,) if finding.note else ()
        return PatternView(
            finding.id,
            finding.status,
            self.n.use(MARKS[finding.status]),
            self.headline(finding),
            finding.description,
            tuple(steps),
            notes,
            finding.sources if self.audience == "clinician" else (),
        )

    def headline(self, finding: PatternFinding) -> str:
        m = self.m
        if finding.kind == "note":
            return m.note_label(finding.status, finding.name)
        if finding.kind == "alert":
            return m.alert_label(finding.status, finding.name)
        if finding.status == "consistent":
            return m.consistent_with(self.n.term(finding.name))
        if finding.status == "not_consistent":
            return m.not_supported(finding.name)
        return m.format("{name}: cannot be decided", name=finding.name)

    # --- summary --------------------------------------------------------------------------------

    def why_consistent(self, result: CriterionResult) -> str:
        parts = [self.reason_part(leaf) for leaf in _held_leaves(result)]
        return "; ".join(p for p in parts if p)

    def reason_part(self, leaf: CriterionResult) -> str:
        if leaf.kind == "pattern":
            pid = leaf.rule.removeprefix("pattern ")
            return self.m.consistent_with(self.names.get(pid, pid.replace("_", " ")))
        if leaf.kind in ("threshold", "reference") and leaf.observed is not None and leaf.cutoffs:
            rule = self.n.cutoff(leaf.cutoffs[0], leaf.observed, self.analyte_name(leaf.analyte))
            return self.m.format("{rule}: {value}", rule=rule, value=self.n.value(leaf.observed))
        if leaf.kind == "context":
            return (leaf.reason or "").replace("_", " ")
        return ""

    def why_undecided(self, finding: PatternFinding) -> str:
        prefix = f"{finding.name} cannot be decided "
        return finding.label.removeprefix(prefix) if finding.label.startswith(prefix) else ""

    def next_tests(
        self, tests: Iterable[str], findings: Iterable[PatternFinding], fallback: Iterable[str]
    ) -> tuple[NextTest, ...]:
        """The tests to do next, each cited by the source whose cut-off or grey zone uses it."""
        cited = _test_sources(findings, self.by_id)
        default = next(iter(fallback), self.m.gettext("this pack"))
        found: list[NextTest] = []
        for name in dict.fromkeys(tests):
            readable = _readable_test(name)
            if readable is not None:
                found.append(NextTest(self.n.term(readable), cited.get(readable, default)))
        return tuple(found)

    def summary_item(self, finding: PatternFinding) -> SummaryItem:
        notes = (finding.note,) if finding.note and self.audience == "clinician" else ()
        if finding.status == "consistent":
            why = self.why_consistent(finding.criteria)
            if finding.kind != "pattern" and finding.description:
                why = finding.description
            mark = MARKS["alert"] if finding.kind == "alert" else MARKS["consistent"]
            return SummaryItem(
                finding.id,
                finding.status,
                self.n.use(mark),
                self.headline(finding),
                why,
                notes,
            )
        return SummaryItem(
            finding.id,
            finding.status,
            self.n.use(MARKS["indeterminate"]),
            self.headline(finding),
            self.why_undecided(finding),
            notes,
            self.next_tests(finding.decisive_tests, (finding,), finding.sources),
        )

    def classification_item(
        self, found: ClassificationFinding, by_id: dict[str, PatternFinding]
    ) -> SummaryItem:
        if found.chosen is not None:
            member = by_id.get(f"{found.id}.{found.chosen}")
            why = self.why_consistent(member.criteria) if member is not None else ""
            return SummaryItem(
                found.id, "consistent", self.n.use(MARKS["consistent"]), found.label, why
            )
        prefix = f"{found.name}: "
        headline = found.label.removeprefix(prefix)
        members = [f for k in found.possible if (f := by_id.get(f"{found.id}.{k}"))]
        sources = [s for f in members for s in f.sources]
        return SummaryItem(
            found.id,
            "indeterminate",
            self.n.use(MARKS["indeterminate"]),
            self.m.format("{name}: cannot be decided", name=found.name),
            headline.removeprefix("cannot be decided "),
            (),
            self.next_tests(found.decisive_tests, members, [*sources, *found.sources]),
        )

    # --- results --------------------------------------------------------------------------------

    def result_row(self, flag: AnalyteFlag) -> ResultRow:
        m, n = self.m, self.n
        obs = flag.observed
        entry = ANALYTES[flag.analyte]
        factor = 1.0
        if obs.derived_from is None and obs.unit != flag.unit:
            factor = ANALYTES[flag.analyte].resolve_unit(obs.unit).to_canonical
        low = None if flag.low is None else flag.low / factor
        high = None if flag.high is None else flag.high / factor
        # A limit in the pack's own numbers when no conversion happened (11.5 stays 11.5
        # beside a result of 17); a converted limit to the result's figures, at least three.
        figures = None if math.isclose(factor, 1.0) else max(3, n.figures(obs, None))
        parts = [m.number(x, figures) for x in (low, high) if x is not None]
        if low is not None and high is not None:
            interval = with_unit("-".join(parts), obs.unit)
        elif low is not None:
            interval = with_unit(f"{n.use('>=')} {parts[0]}", obs.unit)
        elif high is not None:
            interval = with_unit(f"{n.use('<=')} {parts[0]}", obs.unit)
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
        if flag.code:
            n.use(flag.code)
        self_line = NumberLine(
            obs.unit,
            obs.value,
            obs.comparator,
            low,
            high,
            self.cutoffs_for(flag.analyte, obs),
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

    def cutoffs_for(self, analyte: str, obs: Measurement) -> tuple[tuple[float, str], ...]:
        """The cut-offs the consistent and undecided patterns compared this result with."""
        found: dict[float, str] = {}
        for finding in self.interp.patterns if self.interp is not None else ():
            if finding.status == "not_consistent" or finding.kind != "pattern":
                continue
            for leaf in finding.criteria.leaves():
                if leaf.analyte != analyte or len(leaf.cutoffs) != 1:
                    continue
                cut = leaf.cutoffs[0]
                for v in (cut.value, cut.low, cut.high):
                    if v is None:
                        continue
                    factor = (
                        cut.to_canonical / ANALYTES[analyte].resolve_unit(obs.unit).to_canonical
                    )
                    shown = v * factor
                    found.setdefault(round(shown, 9), self.m.number(shown, self.n.figures(None, v)))
        return tuple(sorted(found.items()))


def _texts(
    alerts: Iterable[SummaryItem], summary: Iterable[SummaryItem], reasoning: Iterable[PatternView]
) -> Iterator[str]:
    for item in (*alerts, *summary):
        yield from (item.headline, item.why, *item.notes)
    for pattern in reasoning:
        yield from (pattern.headline, pattern.description, *pattern.notes)
        for step in pattern.steps:
            yield from (step.text, *step.details)


def _results_behind(finding: PatternFinding) -> int:
    """How many results a consistent finding rests on; notes and alerts come after patterns."""
    if finding.kind != "pattern":
        return -1
    return len({leaf.analyte for leaf in _held_leaves(finding.criteria) if leaf.analyte})


def _grouped(items: list[SummaryItem], m: Messages) -> list[SummaryItem]:
    """Undecided items with the same reason and the same tests to do, as one item."""
    groups: dict[tuple[str, tuple[str, ...]], list[SummaryItem]] = {}
    for item in items:
        key = (item.why, tuple(t.name for t in item.next_tests))
        groups.setdefault(key, []).append(item)
    merged: list[SummaryItem] = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        names = [item.headline.removesuffix(": cannot be decided") for item in group]
        first = group[0]
        merged.append(
            SummaryItem(
                ",".join(item.id for item in group),
                first.status,
                first.mark,
                m.format("{names}: cannot be decided", names=m.join_and(names)),
                first.why,
                tuple(dict.fromkeys(n for item in group for n in item.notes)),
                first.next_tests,
            )
        )
    return merged


def _decimals(value: float) -> int:
    """The decimal places a reported number carries (``10.2`` -> 1, ``120`` -> 0)."""
    if not math.isfinite(value) or value == 0:
        return 0
    figures = significant_figures(value)
    return max(0, figures - 1 - math.floor(math.log10(abs(value))))


def _held_leaves(result: CriterionResult) -> Iterator[CriterionResult]:
    """The leaves that make a held criterion hold: of an "any", only the branches that held."""
    if result.outcome is not Outcome.HELD:
        return
    if result.kind == "not":
        return
    if not result.children:
        if result.kind != "missing":
            yield result
        return
    for child in result.children:
        yield from _held_leaves(child)


def tests_by_source(tests: Iterable[NextTest]) -> list[tuple[tuple[str, ...], str]]:
    """The tests grouped by the source that cites them, in first-named order."""
    groups: dict[str, list[str]] = {}
    for test in tests:
        groups.setdefault(test.source, []).append(test.name)
    return [(tuple(names), source) for source, names in groups.items()]


def _test_sources(
    findings: Iterable[PatternFinding], by_id: Mapping[str, PatternFinding]
) -> dict[str, str]:
    """Each test's display name -> the source of the cut-off or grey zone that uses it,
    following the patterns a finding refers to (CRP through the inflammation pattern)."""
    cited: dict[str, str] = {}
    todo = list(findings)
    seen: set[str] = set()
    while todo:
        finding = todo.pop(0)
        if finding.id in seen:
            continue
        seen.add(finding.id)
        for result in (finding.criteria, *(z.result for z in finding.grey_zones)):
            for leaf in result.leaves():
                if leaf.kind == "pattern" and leaf.rule.removeprefix("pattern ") in by_id:
                    todo.append(by_id[leaf.rule.removeprefix("pattern ")])
                if not leaf.cutoffs:
                    continue
                for analyte in (leaf.analyte, *leaf.missing_analytes):
                    if analyte is not None:
                        cited.setdefault(ANALYTES[analyte].display_name, leaf.cutoffs[0].source)
        for zone in finding.grey_zones:
            for test in zone.decisive_tests:
                readable = _readable_test(test)
                if readable is not None:
                    cited.setdefault(readable, zone.source)
    return cited


def _readable_test(name: str) -> str | None:
    """``name`` by its display name when labinterp reads it as input; None otherwise.

    Computed indices are not inputs (their inputs are named instead), and a test outside the
    catalog cannot be given to labinterp, so neither is suggested.
    """
    try:
        entry = ANALYTES[resolve_analyte_id(name)]
    except LabinterpError:
        by_name = {a.display_name: a for a in ANALYTES.values()}
        found = by_name.get(name)
        if found is None:
            return None
        entry = found
    if entry.derived is not None:
        return None
    return entry.display_name


def _legend(symbols: Iterable[str], audience: Audience, m: Messages) -> tuple[tuple[str, str], ...]:
    meanings = {
        "[!]": "an alert: prompt medical assessment is worth considering",
        "[+]": "consistent with the pattern, or the criterion holds",
        "[-]": 'not supported by these results ("not consistent"), or the criterion does not hold',
        "[?]": "cannot be decided from the results and context given",
        "<": "below",
        "<=": "at or below",
        ">": "above",
        ">=": "at or above",
        "[ ]": "the cut-off as the pack writes it, in the pack's unit",
        "L": "HL7 code: low",
        "LL": "HL7 code: critically low",
        "H": "HL7 code: high",
        "HH": "HL7 code: critically high",
        "N": "HL7 code: normal (within the reference interval)",
    }
    return tuple((s, m.gettext(meanings[s])) for s in meanings if s in symbols)


def pattern_view(
    finding: PatternFinding, *, audience: Audience = "clinician", messages: Messages | None = None
) -> PatternView:
    """One finding's reasoning on its own (a notebook shows it)."""
    return _Builder(None, messages or ENGLISH, audience, {}).pattern(finding)


def check_interpretation(interp: object, what: str) -> Interpretation:
    """``interp`` when it is an Interpretation; a typed error that says what to pass otherwise."""
    if isinstance(interp, Interpretation):
        return interp
    panel_hint = (
        "; for a panel, use render_panel_text(panel) or render_text(interpret(panel))"
        if isinstance(interp, Panel)
        else ""
    )
    raise InvalidValueError(
        f"interp: {what} takes an Interpretation from labinterp.interpret(), got "
        f"{type(interp).__name__}{panel_hint}",
        field="interp",
        value=type(interp).__name__,
        expected="an Interpretation",
    )


def build_view(
    interp: Interpretation,
    *,
    audience: Audience = "clinician",
    brief: bool = False,
    messages: Messages | None = None,
    reasoning: bool = True,
) -> View:
    """The view of ``interp`` for ``audience``; ``brief`` leaves out the reasoning and results,
    ``reasoning=False`` only the reasoning per pattern (the summary already says why)."""
    m = messages if messages is not None else ENGLISH
    if audience not in AUDIENCES:
        raise InvalidValueError(
            f"audience: {audience!r} is not an audience; use 'learner' or 'clinician'",
            field="audience",
            value=audience,
            expected="'learner' or 'clinician'",
        )
    # The names of patterns, for steps that refer to another pattern.
    findings = interp.patterns
    names = {f.id: f.name for f in findings}
    b = _Builder(interp, m, audience, names)
    b.by_id = {f.id: f for f in findings}
    by_id = {f.id: f for f in findings}
    alerts = tuple(b.summary_item(f) for f in interp.alerts)
    if alerts:
        b.n.use("[!]")
    summary: list[SummaryItem] = [b.classification_item(c, by_id) for c in interp.classifications]
    not_supported: list[str] = []
    shown_first: list[tuple[int, SummaryItem]] = []
    undecided: list[SummaryItem] = []
    for f in findings:
        if f.classification is not None or f.kind == "alert":
            continue
        if f.status == "not_consistent":
            if f.kind == "pattern":
                not_supported.append(f.name)
            continue
        item = b.summary_item(f)
        if f.status == "consistent":
            shown_first.append((-_results_behind(f), item))
        else:
            undecided.append(item)
    # Patterns resting on more results come first (iron deficiency, from ferritin and
    # transferrin saturation, before anemia, from hemoglobin alone); ties keep the pack's
    # order. Notes that apply follow the patterns.
    shown_first.sort(key=lambda pair: pair[0])
    summary += [item for _, item in shown_first]
    summary += _grouped(undecided, m)
    empty_note = ""
    if not interp.panel.measurements:
        # Without any result every pattern is undecided for the same reason: one line says
        # so. What the context alone decides (a note that applies) is still shown.
        empty_note = m.gettext(
            "No results were given, so there is nothing to interpret yet; give at least one "
            "result, such as hemoglobin or ferritin."
        )
        summary = [item for item in summary if item.status == "consistent"]
        not_supported = []
        b.n.symbols.pop("[?]", None)  # no undecided item is shown
    if not_supported:
        b.n.use("[-]")
    steps: tuple[PatternView, ...] = ()
    results: tuple[ResultRow, ...] = ()
    if reasoning and not brief:
        order = {"consistent": 0, "indeterminate": 1, "not_consistent": 2}
        shown = [f for f in findings if f.classification is None]
        # The same order as the summary: consistent first, those resting on more results
        # before those resting on fewer.
        shown.sort(key=lambda f: (order[f.status], -_results_behind(f)))
        steps = tuple(b.pattern(f) for f in shown)
    if not brief:
        results = tuple(b.result_row(flag) for flag in interp.flags)
    b.n.term("consistent with")
    if not_supported:
        b.n.term("not supported by these results")
    if any(item.status == "indeterminate" for item in summary):
        b.n.term("cannot be decided")
    if audience == "learner":
        # A term used only inside a pack's or the engine's sentence is glossed too.
        for term in terms_in("\n".join(_texts(alerts, summary, steps))):
            b.n.term(term)
    descriptions = {f.name: f.description for f in findings if f.description}
    glossary = glossary_for(b.n.terms, m, descriptions, b.n.units) if audience == "learner" else ()
    title = m.format(
        "labinterp: interpretation with the {pack} pack ({version})",
        pack=interp.pack.name,
        version=interp.pack.version,
    )
    return View(
        title=title,
        audience=audience,
        brief=brief,
        messages=m,
        alerts=alerts,
        alert_meaning=m.gettext(
            "An alert means that prompt medical assessment is worth considering. It is "
            "educational and is not a diagnosis."
        ),
        context=_context_items(interp.panel, m),
        assumptions=tuple(interp.assumptions),
        summary=tuple(summary),
        not_supported=tuple(not_supported),
        reasoning=steps,
        results=results,
        legend=_legend(b.n.symbols, audience, m),
        glossary=glossary,
        disclaimer=m.gettext(interp.disclaimer),
        symbols=frozenset(b.n.symbols),
        empty_note=empty_note,
    )
