"""An HTML fragment a teaching page embeds as it is.

Self-contained (a small scoped stylesheet, no script, no external resource) and accessible:
sections with headings, lists, a table with a caption and header cells, ``<details>`` for the
reasoning of each pattern, the alert block as ``role="alert"``, and an SVG number line per
result with a text alternative. Every text is escaped: a display name from a pack or a panel
is shown, never interpreted as markup.
"""

from __future__ import annotations

from html import escape

from labinterp.render._svg import number_line_svg
from labinterp.render._view_model import PatternView, Step, SummaryItem, View
from labinterp.render._view_summary import tests_by_source

__all__ = ["STYLE", "layout_html"]

# Scoped to .li-report, so that it styles nothing else on the page; laid out for 375 px up.
STYLE = (
    ".li-report{font-family:system-ui,sans-serif;line-height:1.45;max-width:100%;"
    "overflow-wrap:break-word;box-sizing:border-box}"
    ".li-report *{box-sizing:border-box}"
    ".li-report h2{font-size:1.2em;margin:.4em 0}"
    ".li-report h3{font-size:1.05em;margin:1em 0 .3em}"
    ".li-report ul{padding-left:1.2em;margin:.2em 0}"
    ".li-report .li-mark{font-family:ui-monospace,monospace;white-space:nowrap}"
    ".li-report .li-alert{border:2px solid #b71c1c;padding:.5em;border-radius:4px}"
    ".li-report .li-why,.li-report .li-detail{color:inherit;opacity:.85}"
    ".li-report .li-scroll{overflow-x:auto;max-width:100%}"
    ".li-report table{border-collapse:collapse;width:100%}"
    ".li-report th,.li-report td{border-bottom:1px solid #ccc;padding:.25em .4em;"
    "text-align:left;vertical-align:top}"
    ".li-report svg.li-line{max-width:100%;height:auto}"
    ".li-report details{margin:.3em 0}"
    ".li-report summary{cursor:pointer}"
    ".li-report dl{display:grid;grid-template-columns:auto 1fr;gap:.1em .8em;margin:.2em 0}"
    ".li-report dt{font-weight:600}.li-report dd{margin:0}"
    ".li-report .li-sr{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}"
    # On a narrow screen each result becomes a block, each cell labelled by its column.
    "@media (max-width:600px){"
    ".li-report .li-table thead{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0)}"
    ".li-report .li-table,.li-report .li-table tbody,.li-report .li-table tr,"
    ".li-report .li-table th,.li-report .li-table td{display:block;width:100%}"
    ".li-report .li-table tr{border-bottom:1px solid #ccc;padding:.4em 0}"
    ".li-report .li-table th,.li-report .li-table td{border:0;padding:.1em 0}"
    '.li-report .li-table td[data-label]::before{content:attr(data-label) ": ";'
    "font-weight:600}}"
)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _mark(mark: str, view: View) -> str:
    meaning = dict(view.legend).get(mark, "")
    label = f' aria-label="{_e(meaning)}"' if meaning else ""
    return f'<span class="li-mark" role="img"{label}>{_e(mark)}</span>'


def _summary_item(item: SummaryItem, view: View) -> str:
    m = view.messages
    parts = [f"<li>{_mark(item.mark, view)} <strong>{_e(item.headline)}</strong>"]
    inner: list[str] = []
    if item.why:
        inner.append(f'<li class="li-why">{_e(m.format("why: {why}", why=item.why))}</li>')
    inner += [f"<li>{_e(m.format('note: {note}', note=n))}</li>" for n in item.notes]
    if item.next_tests:
        tests = "".join(
            f"<li>{_e(', '.join(names))} <cite>{_e(source)}</cite></li>"
            for names, source in tests_by_source(item.next_tests)
        )
        inner.append(f"<li>{_e(m.gettext('what to test next:'))}<ul>{tests}</ul></li>")
    if inner:
        parts.append(f"<ul>{''.join(inner)}</ul>")
    parts.append("</li>")
    return "".join(parts)


def _steps(steps: tuple[Step, ...], view: View) -> str:
    """Nested lists by depth."""
    out: list[str] = []
    depth = 0
    for step in steps:
        while depth < step.depth:
            out.append("<ul>")
            depth += 1
        while depth > step.depth:
            out.append("</ul>")
            depth -= 1
        text = _e(step.text) + (f": <strong>{_e(step.outcome)}</strong>" if step.outcome else "")
        details = "".join(f'<li class="li-detail">{_e(d)}</li>' for d in step.details if d)
        out.append(
            f"<li>{_mark(step.mark, view)} {text}"
            + (f"<ul>{details}</ul>" if details else "")
            + "</li>"
        )
    out += ["</ul>"] * depth
    return "".join(out)


def _pattern(pattern: PatternView, view: View) -> str:
    m = view.messages
    body = []
    if pattern.description and view.audience == "learner":
        body.append(f"<p>{_e(pattern.description)}</p>")
    body.append(_steps(pattern.steps, view))
    extra = [f"<li>{_e(m.format('note: {note}', note=n))}</li>" for n in pattern.notes]
    extra += [f"<li><cite>{_e(s)}</cite></li>" for s in pattern.sources]
    if extra:
        body.append(f"<ul>{''.join(extra)}</ul>")
    return (
        f"<details><summary>{_mark(pattern.mark, view)} {_e(pattern.headline)}</summary>"
        f"{''.join(body)}</details>"
    )


def _results(view: View) -> str:
    m = view.messages
    clinician = view.audience == "clinician"
    heads = [m.gettext("Test"), m.gettext("Value"), m.gettext("Reference interval")]
    heads += [m.gettext("Result"), m.gettext("Where the value sits")]
    if clinician:
        heads += [m.gettext("Source")]
    rows = []
    for row in view.results:
        flag = row.flag + (f" ({row.code})" if row.code and clinician else "")
        svg = number_line_svg(row.line, row.name, row.value, row.flag, m) if row.line else ""
        values = [row.value, row.interval, flag]
        cells = [f'<th scope="row">{_e(row.name)}</th>']
        cells += [
            f'<td data-label="{_e(head)}">{_e(value)}</td>'
            for head, value in zip(heads[1:4], values, strict=True)
        ]
        cells.append(f"<td>{svg}</td>")
        if clinician:
            loinc = f" (LOINC {_e(row.loinc)})" if row.loinc else ""
            cells.append(f"<td><cite>{_e(row.source)}</cite>{loinc}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    title = _e(m.gettext("Results against reference intervals"))
    return (
        f'<section class="li-results"><h3>{title}</h3><div class="li-scroll">'
        f'<table class="li-table"><caption class="li-sr">{title}</caption>'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def layout_html(view: View) -> str:
    m = view.messages
    out = [
        f'<section class="li-report" lang="{_e(m.language)}" aria-label="{_e(view.title)}">',
        f"<style>{STYLE}</style>",
        f"<h2>{_e(view.title)}</h2>",
    ]
    if view.alerts:
        items = "".join(
            f"<li>{_mark(a.mark, view)} <strong>{_e(a.headline)}</strong>"
            + (f"<br>{_e(a.why)}" if a.why else "")
            + "</li>"
            for a in view.alerts
        )
        out.append(
            f'<section class="li-alert" role="alert"><h3>{_e(m.gettext("ALERT"))}</h3>'
            f"<ul>{items}</ul><p>{_e(view.alert_meaning)}</p></section>"
        )
    context = "".join(f"<dt>{_e(c.term)}</dt><dd>{_e(c.value)}</dd>" for c in view.context)
    out.append(f'<section class="li-context"><h3>{_e(m.gettext("Context used"))}</h3>')
    out.append(f"<dl>{context}</dl>")
    if view.assumptions:
        assumed = "".join(
            f"<li>{_e(m.format('assumed: {what}', what=a))}</li>" for a in view.assumptions
        )
        out.append(f"<ul>{assumed}</ul>")
    out.append("</section>")
    out.append(f'<section class="li-summary"><h3>{_e(m.gettext("Summary"))}</h3><ul>')
    if view.empty_note:
        out.append(f"<li>{_e(view.empty_note)}</li>")
    elif not view.summary:
        none = m.gettext("No pattern is consistent with these results or left undecided.")
        out.append(f"<li>{_e(none)}</li>")
    out += [_summary_item(item, view) for item in view.summary]
    if view.not_supported:
        text = m.format(
            "not supported by these results: {names}", names=", ".join(view.not_supported)
        )
        out.append(f"<li>{_mark('[-]', view)} {_e(text)}</li>")
    out.append("</ul></section>")
    if view.reasoning:
        out.append(
            f'<section class="li-reasoning"><h3>{_e(m.gettext("Reasoning per pattern"))}</h3>'
        )
        out += [_pattern(p, view) for p in view.reasoning]
        out.append("</section>")
    if view.results:
        out.append(_results(view))
    if view.legend:
        items = "".join(
            f'<dt><span class="li-mark">{_e(s)}</span></dt><dd>{_e(meaning)}</dd>'
            for s, meaning in view.legend
        )
        out.append(
            f'<section class="li-legend"><h3>{_e(m.gettext("Legend"))}</h3>'
            f"<dl>{items}</dl></section>"
        )
    if view.glossary:
        items = "".join(f"<dt>{_e(t)}</dt><dd>{_e(d)}</dd>" for t, d in view.glossary)
        out.append(
            f'<section class="li-glossary"><h3>{_e(m.gettext("Glossary"))}</h3>'
            f"<dl>{items}</dl></section>"
        )
    out.append(
        f'<section class="li-disclaimer"><h3>{_e(m.gettext("Disclaimer"))}</h3>'
        f"<p>{_e(view.disclaimer)}</p></section>"
    )
    out.append("</section>")
    return "\n".join(out) + "\n"
