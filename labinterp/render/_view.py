"""The view model: what every rendering shows, computed once from an Interpretation.

The renderers (text, Markdown, HTML) only lay this structure out; every choice of what to show
and how a number reads is made here, from the findings, in this order:

1. alerts that hold;
2. the context used (sex, age, pregnancy, reported conditions ...) and what was assumed;
3. the summary: each pattern consistent or that cannot be decided, with one line of why and,
   for an undecided one, what to test next (cited);
4. the reasoning per pattern (full mode only);
5. the results against reference intervals;
6. the legend of every symbol used (and, for learners, a glossary of every term used; a brief
   view has the legend of its summary's symbols and no glossary);
7. the disclaimer.

Numbers are shown in the unit the result was reported in: a cut-off written in another unit in
the pack is converted, with the pack's own value in brackets, and margins are in the result's
unit (percentage points for a percentage). Rounding is for display only (:mod:`_numbers`).

This module assembles the view; its parts live beside it: the records
(:mod:`._view_model`), numbers in the result's unit (:mod:`._view_numbers`), the context and
the legend (:mod:`._view_context`), the reasoning steps (:mod:`._view_reasoning`), the summary
(:mod:`._view_summary`) and the results rows (:mod:`._view_results`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from labinterp._errors import InvalidValueError
from labinterp._findings import Interpretation, PatternFinding, pattern_headings
from labinterp._messages import ENGLISH, Messages
from labinterp._panel import Panel
from labinterp.render._glossary import glossary_for, terms_in
from labinterp.render._view_context import context_items, legend
from labinterp.render._view_model import (
    AUDIENCES,
    MARKS,
    Audience,
    ContextItem,
    NextTest,
    NumberLine,
    PatternView,
    ResultRow,
    Step,
    SummaryItem,
    View,
)
from labinterp.render._view_results import result_row
from labinterp.render._view_summary import Summary, grouped, results_behind, tests_by_source

__all__ = [
    "AUDIENCES",
    "MARKS",
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
    "check_interpretation",
    "pattern_view",
    "tests_by_source",
]


class _FindingsById(Mapping[str, PatternFinding]):
    """An interpretation's findings by id, each built when first looked up."""

    def __init__(self, interp: Interpretation, ids: Mapping[str, str]) -> None:
        self._interp = interp
        self._ids = ids

    def __getitem__(self, pattern_id: str) -> PatternFinding:
        if pattern_id not in self._ids:
            raise KeyError(pattern_id)
        return self._interp.pattern(pattern_id)

    def __contains__(self, pattern_id: object) -> bool:
        return pattern_id in self._ids  # a look-up that builds nothing

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _texts(
    alerts: Iterable[SummaryItem], summary: Iterable[SummaryItem], reasoning: Iterable[PatternView]
) -> Iterator[str]:
    for item in (*alerts, *summary):
        yield from (item.headline, item.why, *item.notes)
    for pattern in reasoning:
        yield from (pattern.headline, pattern.description, *pattern.notes)
        for step in pattern.steps:
            yield from (step.text, *step.details)


def pattern_view(
    finding: PatternFinding, *, audience: Audience = "clinician", messages: Messages | None = None
) -> PatternView:
    """One finding's reasoning on its own (a notebook shows it)."""
    view = Summary(messages or ENGLISH, audience, {})
    view.prepare((finding,))
    return view.pattern(finding)


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
    """The view of ``interp`` for ``audience``; ``brief`` leaves out the reasoning, the results
    and the learner's glossary (its legend explains only the marks and symbols its summary
    shows), ``reasoning=False`` only the reasoning per pattern (the summary already says why)."""
    m = messages if messages is not None else ENGLISH
    if audience not in AUDIENCES:
        raise InvalidValueError(
            f"audience: {audience!r} is not an audience; use 'learner' or 'clinician'",
            field="audience",
            value=audience,
            expected="'learner' or 'clinician'",
        )
    # What each pattern is, without its trace: a trace is built only for a pattern the view
    # explains (the summary names the patterns not supported without explaining them).
    headings = pattern_headings(interp)
    names = {h.id: h.name for h in headings}  # for steps that refer to another pattern
    by_id = _FindingsById(interp, names)
    b = Summary(m, audience, names, by_id, frozenset(interp.panel.measurements))
    # Every finding the view shows (the summary explains those that hold or are undecided;
    # the full reasoning all), so a computed value gets the same figures everywhere.
    b.prepare(
        interp.patterns
        if reasoning and not brief
        else [
            by_id[h.id]
            for h in headings
            if h.status == "consistent" or (h.status == "indeterminate" and h.kind != "alert")
        ]
    )
    alerts = tuple(b.summary_item(f) for f in interp.alerts)
    if alerts:
        b.n.use("[!]")
    summary: list[SummaryItem] = [b.classification_item(c, by_id) for c in interp.classifications]
    not_supported: list[str] = []
    shown_first: list[tuple[int, SummaryItem]] = []
    undecided: list[SummaryItem] = []
    for h in headings:
        if h.classification is not None or h.kind == "alert":
            continue
        if h.status == "not_consistent":
            if h.kind == "pattern":
                not_supported.append(h.name)
            continue
        f = by_id[h.id]
        item = b.summary_item(f)
        if f.status == "consistent":
            shown_first.append((-results_behind(f), item))
        else:
            undecided.append(item)
    # Patterns resting on more results come first (iron deficiency, from ferritin and
    # transferrin saturation, before anemia, from hemoglobin alone); ties keep the pack's
    # order. Notes that apply follow the patterns.
    shown_first.sort(key=lambda pair: pair[0])
    summary += [item for _, item in shown_first]
    summary += grouped(undecided, m)
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
        shown = [f for f in interp.patterns if f.classification is None]
        # The same order as the summary: consistent first, those resting on more results
        # before those resting on fewer.
        shown.sort(key=lambda f: (order[f.status], -results_behind(f)))
        steps = tuple(b.pattern(f) for f in shown)
    if not brief:
        compared = [
            by_id[h.id] for h in headings if h.status != "not_consistent" and h.kind == "pattern"
        ]
        results = tuple(result_row(flag, b.n, m, compared) for flag in interp.flags)
    b.n.term("consistent with")
    if not_supported:
        b.n.term("not supported by these results")
    if any(item.status == "indeterminate" for item in summary):
        b.n.term("cannot be decided")
    glossary: tuple[tuple[str, str], ...] = ()
    if audience == "learner" and not brief:
        # A term used only inside a pack's or the engine's sentence is glossed too. A brief
        # view has no glossary: it is the summary, with only the legend its marks need.
        for term in terms_in("\n".join(_texts(alerts, summary, steps))):
            b.n.term(term)
        descriptions = {h.name: h.description for h in headings if h.description}
        glossary = glossary_for(b.n.terms, m, descriptions)
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
        context=context_items(interp.panel, m),
        assumptions=tuple(interp.assumptions),
        summary=tuple(summary),
        not_supported=tuple(not_supported),
        reasoning=steps,
        results=results,
        legend=legend(b.n.symbols, audience, m),
        glossary=glossary,
        disclaimer=m.gettext(interp.disclaimer),
        symbols=frozenset(b.n.symbols),
        empty_note=empty_note,
    )
