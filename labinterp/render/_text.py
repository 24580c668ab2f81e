"""Plain text: the view laid out for a terminal, wrapped to a width (80 by default)."""

from __future__ import annotations

import re
import textwrap

from labinterp.render._view_model import PatternView, Step, SummaryItem, View
from labinterp.render._view_summary import tests_by_source

__all__ = ["DEFAULT_WIDTH", "layout_text"]

#: The width text wraps to when none is given (the CLI passes the terminal's).
DEFAULT_WIDTH = 80
_MIN_WIDTH = 30  # narrower than this, nothing readable fits; wrap at this width instead


# A number and its unit stay on one line ("15 %", "30 ng/mL"): the space between them is
# swapped for a placeholder while wrapping.
_NUMBER_UNIT = re.compile(r"(\d) (?=%|fL\b|[^\s/]*/)")
_GLUE = "\x00"


class _Lines:
    def __init__(self, width: int) -> None:
        self.width = max(_MIN_WIDTH, width)
        self.lines: list[str] = []

    def add(self, text: str, indent: int = 0, hang: int = 0) -> None:
        """``text`` wrapped; continuation lines indented ``hang`` more than the first."""
        first = " " * indent
        rest = " " * (indent + hang)
        wrapped = textwrap.wrap(
            _NUMBER_UNIT.sub(rf"\1{_GLUE}", text.replace(_GLUE, " ")),
            width=self.width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=True,
            break_on_hyphens=False,
        )
        self.lines.extend(line.replace(_GLUE, " ") for line in wrapped or [first.rstrip()])

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def heading(self, text: str) -> None:
        self.blank()
        self.lines.append(text)


def _summary_item(out: _Lines, item: SummaryItem, view: View) -> None:
    m = view.messages
    out.add(f"{item.mark} {item.headline}", 2, 4)
    if item.why:
        out.add(m.format("why: {why}", why=item.why), 6, 2)
    for note in item.notes:
        out.add(m.format("note: {note}", note=note), 6, 2)
    if item.next_tests:
        out.add(m.gettext("what to test next:"), 6)
        for names, source in tests_by_source(item.next_tests):
            out.add(
                m.format("- {tests} (source: {source})", tests=", ".join(names), source=source),
                8,
                2,
            )


def _step(out: _Lines, step: Step) -> None:
    indent = 2 + 4 * step.depth
    text = f"{step.mark} {step.text}"
    if step.outcome:
        text += f": {step.outcome}"
    out.add(text, indent, 4)
    for detail in step.details:
        if detail:
            out.add(detail, indent + 4, 2)


def _pattern(out: _Lines, pattern: PatternView, view: View) -> None:
    out.blank()
    out.add(f"{pattern.mark} {pattern.headline}", 2, 4)
    if pattern.description and view.audience == "learner":
        out.add(pattern.description, 6)
    for step in pattern.steps:
        _step(out, step)
    for note in pattern.notes:
        out.add(view.messages.format("note: {note}", note=note), 6, 2)
    for source in pattern.sources:
        out.add(view.messages.format("source: {source}", source=source), 6, 2)


def layout_text(view: View, width: int | None = None) -> str:
    m = view.messages
    out = _Lines(DEFAULT_WIDTH if width is None else width)
    out.add(view.title)
    if view.alerts:
        out.heading(m.gettext("ALERT"))
        for item in view.alerts:
            out.add(f"{item.mark} {item.headline}", 2, 4)
            if item.why:
                out.add(item.why, 6)
        out.add(view.alert_meaning, 2)
    out.heading(m.gettext("Context used"))
    out.add("; ".join(f"{c.term}: {c.value}" for c in view.context), 2, 2)
    for assumption in view.assumptions:
        out.add(m.format("assumed: {what}", what=assumption), 2, 4)
    out.heading(m.gettext("Summary"))
    if view.empty_note:
        out.add(view.empty_note, 2)
    elif not view.summary:
        out.add(m.gettext("No pattern is consistent with these results or left undecided."), 2)
    for item in view.summary:
        _summary_item(out, item, view)
    if view.not_supported:
        out.add(
            m.format(
                "{mark} not supported by these results: {names}",
                mark="[-]",
                names=", ".join(view.not_supported),
            ),
            2,
            4,
        )
    if view.reasoning:
        out.heading(m.gettext("Reasoning per pattern"))
        for pattern in view.reasoning:
            _pattern(out, pattern, view)
    if view.results:
        out.heading(m.gettext("Results against reference intervals"))
        for row in view.results:
            code = f" ({row.code})" if row.code and view.audience == "clinician" else ""
            text = m.format(
                "{name}: {value}; reference {interval}: {flag}{code}",
                name=row.name,
                value=row.value,
                interval=row.interval,
                flag=row.flag,
                code=code,
            )
            out.add(text, 2, 4)
            if view.audience == "clinician":
                details = [row.source] if row.source else []
                if row.loinc:
                    details.append(f"LOINC {row.loinc}")
                if details:
                    out.add("; ".join(details), 6, 2)
    if view.legend:
        out.heading(m.gettext("Legend"))
        for symbol, meaning in view.legend:
            out.add(f"{symbol}  {meaning}", 2, len(symbol) + 2)
    if view.glossary:
        out.heading(m.gettext("Glossary"))
        for term, meaning in view.glossary:
            out.add(f"{term}: {meaning}", 2, 4)
    out.heading(m.gettext("Disclaimer"))
    out.add(view.disclaimer, 2)
    return "\n".join(out.lines).rstrip("\n") + "\n"
