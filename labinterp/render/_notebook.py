"""What a notebook shows for labinterp's objects: ``_repr_html_`` and ``_repr_markdown_``.

The objects (Interpretation, PatternFinding, Panel, Pack) sit below the renderers in the
layers, so their methods import this package lazily and call :func:`notebook_html` or
:func:`notebook_markdown`.
"""

from __future__ import annotations

from html import escape

from labinterp._analytes import ANALYTES
from labinterp._findings import Interpretation, PatternFinding
from labinterp._messages import ENGLISH
from labinterp._packs import Pack
from labinterp._panel import Panel
from labinterp.render._html import STYLE, layout_html
from labinterp.render._markdown import code_span, escape_markdown, layout_markdown
from labinterp.render._view import MARKS, build_view, pattern_view

__all__ = ["notebook_html", "notebook_markdown"]


def _e(text: str) -> str:
    return escape(text, quote=True)


def _panel_rows(panel: Panel) -> list[tuple[str, str, str]]:
    rows = []
    for analyte, m in panel.measurements.items():
        canonical = f"{m.comparator or ''}{ENGLISH.number(m.canonical_value, 6)}"
        rows.append((ANALYTES[analyte].display_name, m.as_given, f"{canonical} {m.canonical_unit}"))
    return rows


def _panel_context(panel: Panel) -> str:
    parts = [
        f"{k}: {v}"
        for k in ("sex", "age", "pregnant", "trimester", "diet")
        if (v := getattr(panel, k)) is not None
    ]
    parts += [
        f"{k}: {', '.join(ids)}"
        for k in ("conditions", "medications", "symptoms")
        if (ids := getattr(panel, k))
    ]
    return "; ".join(parts) or ENGLISH.gettext("none given")


def notebook_markdown(obj: object) -> str:
    """Markdown for a notebook cell: a brief interpretation, a finding, a panel or a pack."""
    if isinstance(obj, Interpretation):
        return layout_markdown(build_view(obj, brief=True))
    if isinstance(obj, PatternFinding):
        view = pattern_view(obj)
        lines = [f"**`{view.mark}` {escape_markdown(view.headline)}**", ""]
        for step in view.steps:
            pad = "  " * (step.depth - 1)
            outcome = f": {escape_markdown(step.outcome)}" if step.outcome else ""
            lines.append(f"{pad}- `{step.mark}` {escape_markdown(step.text)}{outcome}")
        return "\n".join(lines) + "\n"
    if isinstance(obj, Panel):
        lines = ["| test | as given | canonical |", "|---|---|---|"]
        lines += [
            "| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in _panel_rows(obj)
        ]
        lines += ["", f"context: {escape_markdown(_panel_context(obj))}"]
        return "\n".join(lines) + "\n"
    if isinstance(obj, Pack):
        lines = [f"**{escape_markdown(obj.title)}** ({code_span(obj.name)} {obj.version})"]
        lines += ["", escape_markdown(obj.description, block_start=True)] if obj.description else []
        lines.append("")
        lines += [
            f"- {escape_markdown(spec.label, block_start=True)} ({spec.kind})"
            for spec in obj.patterns.values()
        ]
        return "\n".join(lines) + "\n"
    raise TypeError(f"no notebook view for {type(obj).__name__}")


def notebook_html(obj: object) -> str:
    """An HTML fragment for a notebook cell (the same fragment a teaching page embeds)."""
    if isinstance(obj, Interpretation):
        return layout_html(build_view(obj))
    if isinstance(obj, PatternFinding):
        view = pattern_view(obj)
        items = "".join(
            f"<li>{_e(s.mark)} {_e(s.text)}{': ' + _e(s.outcome) if s.outcome else ''}</li>"
            for s in view.steps
        )
        return (
            f'<section class="li-report"><style>{STYLE}</style>'
            f"<p><strong>{_e(MARKS[obj.status])} {_e(view.headline)}</strong></p>"
            f"<ul>{items}</ul></section>"
        )
    if isinstance(obj, Panel):
        rows = "".join(
            f'<tr><th scope="row">{_e(a)}</th><td>{_e(b)}</td><td>{_e(c)}</td></tr>'
            for a, b, c in _panel_rows(obj)
        )
        return (
            f'<section class="li-report"><style>{STYLE}</style><table>'
            '<thead><tr><th scope="col">test</th><th scope="col">as given</th>'
            f'<th scope="col">canonical</th></tr></thead><tbody>{rows}</tbody></table>'
            f"<p>context: {_e(_panel_context(obj))}</p></section>"
        )
    if isinstance(obj, Pack):
        items = "".join(
            f"<li>{_e(spec.label)} ({_e(spec.kind)})</li>" for spec in obj.patterns.values()
        )
        description = f"<p>{_e(obj.description)}</p>" if obj.description else ""
        return (
            f'<section class="li-report"><style>{STYLE}</style>'
            f"<p><strong>{_e(obj.title)}</strong> ({_e(obj.name)} {_e(obj.version)})</p>"
            f"{description}<ul>{items}</ul></section>"
        )
    raise TypeError(f"no notebook view for {type(obj).__name__}")
