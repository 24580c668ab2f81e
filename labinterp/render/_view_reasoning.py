"""A pattern's reasoning as steps: each criterion, cut-off, value, margin, note and source.

:class:`Reasoning` holds what one rendering shares (the message catalog, the audience, the
numbers and the notes already shown); the summary builds on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set

from labinterp._analytes import ANALYTES
from labinterp._findings import PatternFinding
from labinterp._messages import Messages
from labinterp._rules import CriterionResult, GreyZoneResult, Outcome
from labinterp.render._view_context import because
from labinterp.render._view_model import MARKS, Audience, PatternView, Step
from labinterp.render._view_numbers import Numbers

__all__ = ["Reasoning"]

_OUTCOME_MARK = {Outcome.HELD: "[+]", Outcome.FAILED: "[-]", Outcome.UNDECIDED: "[?]"}


class Reasoning:
    """The steps of a pattern's reasoning, in one rendering's words and numbers."""

    def __init__(
        self,
        messages: Messages,
        audience: Audience,
        names: dict[str, str],
        by_id: Mapping[str, PatternFinding] | None = None,
        measured: Set[str] = frozenset(),
    ) -> None:
        self.m = messages
        self.audience = audience
        self.n = Numbers(messages, audience, measured)
        self.names = names  # pattern id -> display label
        self.notes_shown: set[str] = set()
        # Findings by id, for what a finding refers to (a pattern inside another's criteria).
        self.by_id: Mapping[str, PatternFinding] = by_id if by_id is not None else {}

    def prepare(self, findings: Iterable[PatternFinding]) -> None:
        """Let the numbers see every comparison of the ``findings`` shown, so that a computed
        value reads the same wherever it appears (:meth:`Numbers.prepare`)."""
        for finding in findings:
            for result in (
                finding.criteria,
                *(z.result for z in finding.grey_zones),
                *finding.supporting,
            ):
                self.n.prepare(result.leaves())

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
        observed = (
            n.value(obs, result.cutoffs, result.outcome)
            if obs is not None
            else m.gettext("not measured")
        )
        details: list[str] = []
        if len(result.cutoffs) == 1 or (result.cutoffs and obs is None):
            cut = result.cutoffs[0]
            text = n.cutoff(cut, obs, name)
            if len(result.cutoffs) == 1 and cut.source_id != "lab":
                why = because(cut, m)
                if why:
                    text += f" {why}"
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
