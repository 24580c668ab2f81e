"""Renderers: views of an :class:`~labinterp.Interpretation`. They read findings; they decide
nothing.

One view model (:mod:`labinterp.render._view`) is computed from the interpretation; each format
lays it out: plain text, GitHub-flavoured Markdown, and an accessible HTML fragment with an SVG
number line per result. JSON is the interpretation's own :meth:`~labinterp.Interpretation.to_json`.

Every rendering reads top-down: alerts, the context used, a summary (what is consistent, what
cannot be decided and what to test next), the reasoning per pattern (full mode), the results
against reference intervals, a legend of the symbols used, and the disclaimer.
"""

from __future__ import annotations

from typing import Literal

from labinterp._findings import Interpretation
from labinterp._messages import ENGLISH, Messages
from labinterp._panel import Panel
from labinterp.render._html import layout_html
from labinterp.render._markdown import layout_markdown
from labinterp.render._notebook import notebook_html, notebook_markdown
from labinterp.render._text import DEFAULT_WIDTH, layout_text
from labinterp.render._view import Audience, build_view, check_interpretation

__all__ = [
    "DEFAULT_WIDTH",
    "Audience",
    "Format",
    "Messages",
    "notebook_html",
    "notebook_markdown",
    "render",
    "render_html",
    "render_markdown",
    "render_panel_text",
    "render_text",
]

Format = Literal["text", "markdown", "html", "json"]
_FORMATS: tuple[Format, ...] = ("text", "markdown", "html", "json")


def render(
    interpretation: Interpretation,
    *,
    format: Format = "text",
    audience: Audience = "clinician",
    brief: bool = False,
    reasoning: bool = False,
    width: int | None = None,
    messages: Messages | None = None,
) -> str:
    """``interpretation`` as ``format`` for ``audience``.

    By default: any alert, the context used, the summary (each pattern with one line of why
    and what to test next), the results against their reference intervals, the legend and the
    disclaimer. ``reasoning=True`` adds every pattern's full reasoning (each criterion, cut-off,
    source and margin); ``brief`` shows the summary only (with any alert, the context and the
    disclaimer);
    ``width`` wraps text (80 when None; other formats ignore it); ``messages`` replaces the
    English message catalog (a subclass of :class:`Messages`). ``format="json"`` is
    :meth:`Interpretation.to_json`.
    """
    interp = check_interpretation(interpretation, "render")
    if format == "json":
        return interp.to_json()
    if format == "text":
        return render_text(
            interp,
            audience=audience,
            brief=brief,
            reasoning=reasoning,
            width=width,
            messages=messages,
        )
    if format == "markdown":
        return render_markdown(
            interp, audience=audience, brief=brief, reasoning=reasoning, messages=messages
        )
    if format == "html":
        return render_html(
            interp, audience=audience, brief=brief, reasoning=reasoning, messages=messages
        )
    from labinterp._errors import InvalidValueError

    raise InvalidValueError(
        f"format: {format!r} is not a format; use one of {', '.join(_FORMATS)}",
        field="format",
        value=format,
        expected=" or ".join(_FORMATS),
    )


def render_text(
    interp: Interpretation,
    *,
    verbose: bool = True,
    audience: Audience = "clinician",
    brief: bool | None = None,
    reasoning: bool = True,
    width: int | None = None,
    messages: Messages | None = None,
) -> str:
    """A plain-text report wrapped to ``width`` (80 when None), with every pattern's
    reasoning unless ``reasoning=False``.

    ``verbose=False`` is the older spelling of ``brief=True``: the summary only.
    """
    interp = check_interpretation(interp, "render_text")
    view = build_view(
        interp,
        audience=audience,
        brief=(not verbose) if brief is None else brief,
        messages=messages,
        reasoning=reasoning,
    )
    return layout_text(view, width)


def render_markdown(
    interp: Interpretation,
    *,
    audience: Audience = "clinician",
    brief: bool = False,
    reasoning: bool = True,
    messages: Messages | None = None,
) -> str:
    """GitHub-flavoured Markdown, readable as it is."""
    interp = check_interpretation(interp, "render_markdown")
    view = build_view(
        interp, audience=audience, brief=brief, messages=messages, reasoning=reasoning
    )
    return layout_markdown(view)


def render_html(
    interp: Interpretation,
    *,
    audience: Audience = "clinician",
    brief: bool = False,
    reasoning: bool = True,
    messages: Messages | None = None,
) -> str:
    """A self-contained, accessible HTML fragment (no script), every text escaped."""
    interp = check_interpretation(interp, "render_html")
    view = build_view(
        interp, audience=audience, brief=brief, messages=messages, reasoning=reasoning
    )
    return layout_html(view)


def render_panel_text(panel: Panel, *, messages: Messages | None = None) -> str:
    """Each value as given and in its canonical unit, then the context given."""
    m = messages if messages is not None else ENGLISH
    lines = []
    for name, meas in panel.measurements.items():
        # The canonical value to six figures: a conversion's noise never shows, its digits do.
        shown = m.number(meas.canonical_value, 6)
        lines.append(
            f"{name:<24} {meas.as_given:<16} -> {meas.comparator or ''}{shown} "
            f"{meas.canonical_unit}"
        )
    context = {k: getattr(panel, k) for k in ("sex", "age", "pregnant", "trimester", "diet")}
    given = ", ".join(f"{k}={v}" for k, v in context.items() if v is not None)
    reported = [
        f"{k}={','.join(ids)}"
        for k in ("conditions", "medications", "symptoms")
        if (ids := getattr(panel, k))
    ]
    given = ", ".join(part for part in (given, *reported) if part)
    lines.append(m.format("context: {given}", given=given or m.gettext("none given")))
    return "\n".join(lines) + "\n"
