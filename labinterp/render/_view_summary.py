"""The summary: one item per pattern consistent or undecided, with why and what to test next.

Tests to do next are only those labinterp can read, each cited by the source whose cut-off or
grey zone uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._errors import LabinterpError
from labinterp._findings import ClassificationFinding, PatternFinding
from labinterp._messages import Messages
from labinterp._rules import CriterionResult, Outcome
from labinterp.render._view_model import MARKS, NextTest, SummaryItem
from labinterp.render._view_reasoning import Reasoning

__all__ = ["Summary", "grouped", "results_behind", "tests_by_source"]


class Summary(Reasoning):
    """The summary items of one rendering (and, inherited, the reasoning steps)."""

    def why_consistent(self, result: CriterionResult) -> str:
        parts = [self.reason_part(leaf) for leaf in held_leaves(result)]
        return "; ".join(p for p in parts if p)

    def reason_part(self, leaf: CriterionResult) -> str:
        if leaf.kind == "pattern":
            pid = leaf.rule.removeprefix("pattern ")
            return self.m.consistent_with(self.names.get(pid, pid.replace("_", " ")))
        if leaf.kind in ("threshold", "reference") and leaf.observed is not None and leaf.cutoffs:
            rule = self.n.cutoff(leaf.cutoffs[0], leaf.observed, self.analyte_name(leaf.analyte))
            value = self.n.value(leaf.observed, leaf.cutoffs, leaf.outcome)
            return self.m.format("{rule}: {value}", rule=rule, value=value)
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
        cited = test_sources(findings, self.by_id)
        default = next(iter(fallback), self.m.gettext("this pack"))
        found: list[NextTest] = []
        for name in dict.fromkeys(tests):
            readable = readable_test(name)
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
        self, found: ClassificationFinding, by_id: Mapping[str, PatternFinding]
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


def results_behind(finding: PatternFinding) -> int:
    """How many results a consistent finding rests on; notes and alerts come after patterns."""
    if finding.kind != "pattern":
        return -1
    return len({leaf.analyte for leaf in held_leaves(finding.criteria) if leaf.analyte})


def grouped(items: list[SummaryItem], m: Messages) -> list[SummaryItem]:
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


def held_leaves(result: CriterionResult) -> Iterator[CriterionResult]:
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
        yield from held_leaves(child)


def tests_by_source(tests: Iterable[NextTest]) -> list[tuple[tuple[str, ...], str]]:
    """The tests grouped by the source that cites them, in first-named order."""
    groups: dict[str, list[str]] = {}
    for test in tests:
        groups.setdefault(test.source, []).append(test.name)
    return [(tuple(names), source) for source, names in groups.items()]


def test_sources(
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
                readable = readable_test(test)
                if readable is not None:
                    cited.setdefault(readable, zone.source)
    return cited


# Memoised: the catalog is fixed, and a name outside it costs a search for a near spelling
# (the error's "did you mean"), which was most of a brief rendering's time.
@lru_cache(maxsize=1024)
def readable_test(name: str) -> str | None:
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
