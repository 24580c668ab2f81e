"""GitHub-flavoured Markdown: the view as headings, lists and tables, readable raw.

Every text that comes from a pack or a panel is escaped, so a display name cannot start a
link, a table cell or an HTML tag. Escapes are CommonMark's backslash before an ASCII
punctuation character (a star, the dot of "10."), the only form a renderer removes: a
backslash before a letter or a digit is shown as it is. What would open a block (a list number, a
quote) is escaped only where a block can open: at the start of a paragraph or of a list
item's text, never inside a sentence or a table cell.
"""

from __future__ import annotations

import re

from labinterp.render._view_model import PatternView, Step, SummaryItem, View
from labinterp.render._view_summary import tests_by_source

__all__ = ["code_span", "escape_markdown", "layout_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
# What opens a block at the start of a line: a quote, a bullet or a setext/thematic line, and
# an ordered list's number ("10. " or "10) "), whose "." or ")" is escaped, not the digits.
_BLOCK_MARK = re.compile(r"^[>+\-=]")
_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def escape_markdown(text: str, *, block_start: bool = False) -> str:
    """``text`` with Markdown's special characters escaped, on one line.

    ``block_start``: the text opens a paragraph or a list item's text, where "10. " would
    start a numbered list and "> " a quote; elsewhere (in a sentence, a heading, a table
    cell) these are plain text and stay unescaped.
    """
    text = " ".join(text.split())
    text = _SPECIAL.sub(r"\\\1", text)
    text = _TAG_START.sub("&lt;", text)
    if block_start:
        text = _BLOCK_MARK.sub(lambda found: "\\" + found.group(0), text)
        text = _LIST_NUMBER.sub(r"\1\\\2", text)
    return text


def _item(text: str) -> str:
    """A list item's text, escaped: it starts a block of its own."""
    return escape_markdown(text, block_start=True)


def code_span(text: str) -> str:
    """``text`` as inline code: taken literally, so escaped by the fence, never by backslashes
    (which a code span would show)."""
    text = " ".join(text.split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _mark(mark: str) -> str:
    return f"`{mark}`"


def _summary_item(lines: list[str], item: SummaryItem, view: View) -> None:
    m = view.messages
    lines.append(f"- {_mark(item.mark)} **{escape_markdown(item.headline)}**")
    if item.why:
        lines.append(f"  - {_item(m.format('why: {why}', why=item.why))}")
    for note in item.notes:
        lines.append(f"  - {_item(m.format('note: {note}', note=note))}")
    if item.next_tests:
        lines.append(f"  - {_item(m.gettext('what to test next:'))}")
        for names, source in tests_by_source(item.next_tests):
            text = m.format("{tests} (source: {source})", tests=", ".join(names), source=source)
            lines.append(f"    - {_item(text)}")


def _step(lines: list[str], step: Step) -> None:
    pad = "  " * (step.depth - 1)
    text = escape_markdown(step.text)
    if step.outcome:
        text += f": **{escape_markdown(step.outcome)}**"
    lines.append(f"{pad}- {_mark(step.mark)} {text}")
    for detail in step.details:
        if detail:
            lines.append(f"{pad}  - {_item(detail)}")


def _pattern(lines: list[str], pattern: PatternView, view: View) -> None:
    lines += ["", f"#### {_mark(pattern.mark)} {escape_markdown(pattern.headline)}", ""]
    if pattern.description and view.audience == "learner":
        lines += [escape_markdown(pattern.description, block_start=True), ""]
    for step in pattern.steps:
        _step(lines, step)
    for note in pattern.notes:
        lines.append(f"- {_item(view.messages.format('note: {note}', note=note))}")
    for source in pattern.sources:
        text = view.messages.format("source: {source}", source=source)
        lines.append(f"- {_item(text)}")


def _results(lines: list[str], view: View) -> None:
    m = view.messages
    clinician = view.audience == "clinician"
    header = [m.gettext("Test"), m.gettext("Value"), m.gettext("Reference interval")]
    header.append(m.gettext("Result"))
    if clinician:
        header += [m.gettext("Source"), "LOINC"]
    lines += [
        "",
        f"### {escape_markdown(m.gettext('Results against reference intervals'))}",
        "",
    ]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in view.results:
        flag = row.flag + (f" ({row.code})" if row.code and clinician else "")
        cells = [row.name, row.value, row.interval, flag]
        if clinician:
            cells += [row.source, row.loinc]
        lines.append("| " + " | ".join(escape_markdown(c) for c in cells) + " |")


def layout_markdown(view: View) -> str:
    m = view.messages
    lines = [f"## {escape_markdown(view.title)}"]
    if view.alerts:
        lines += ["", f"> **{escape_markdown(m.gettext('ALERT'))}**", ">"]
        for item in view.alerts:
            lines.append(f"> - {_mark(item.mark)} **{escape_markdown(item.headline)}**")
            if item.why:
                lines.append(f">   {_item(item.why)}")
        lines += [">", f"> {_item(view.alert_meaning)}"]
    lines += ["", f"### {escape_markdown(m.gettext('Context used'))}", ""]
    lines += [f"- **{escape_markdown(c.term)}:** {escape_markdown(c.value)}" for c in view.context]
    for assumption in view.assumptions:
        lines.append(f"- {_item(m.format('assumed: {what}', what=assumption))}")
    lines += ["", f"### {escape_markdown(m.gettext('Summary'))}", ""]
    if view.empty_note:
        lines.append(escape_markdown(view.empty_note, block_start=True))
    elif not view.summary:
        text = m.gettext("No pattern is consistent with these results or left undecided.")
        lines.append(escape_markdown(text, block_start=True))
    for item in view.summary:
        _summary_item(lines, item, view)
    if view.not_supported:
        text = m.format(
            "not supported by these results: {names}", names=", ".join(view.not_supported)
        )
        lines.append(f"- {_mark('[-]')} {escape_markdown(text)}")
    if view.reasoning:
        lines += ["", f"### {escape_markdown(m.gettext('Reasoning per pattern'))}"]
        for pattern in view.reasoning:
            _pattern(lines, pattern, view)
    if view.results:
        _results(lines, view)
    if view.legend:
        lines += ["", f"### {escape_markdown(m.gettext('Legend'))}", ""]
        lines += [f"| {m.gettext('Symbol')} | {m.gettext('Meaning')} |", "|---|---|"]
        lines += [f"| {_mark(s)} | {escape_markdown(meaning)} |" for s, meaning in view.legend]
    if view.glossary:
        lines += ["", f"### {escape_markdown(m.gettext('Glossary'))}", ""]
        lines += [
            f"- **{escape_markdown(term)}:** {escape_markdown(meaning)}"
            for term, meaning in view.glossary
        ]
    lines += ["", f"### {escape_markdown(m.gettext('Disclaimer'))}", ""]
    lines.append(f"_{escape_markdown(view.disclaimer)}_")
    return "\n".join(lines) + "\n"
