"""An inline SVG number line: where a value sits against its reference interval and cut-offs.

Drawn in the unit the result was reported in. The line spans the values shown with some room
either side; the reference interval is a shaded band, each cut-off a tick, the value a dot.
The drawing carries a text alternative (``<title>`` and ``<desc>``, and ``aria-label``), so a
screen reader says the same as the picture.
"""

from __future__ import annotations

import math
from html import escape

from labinterp._messages import Messages
from labinterp.render._view_model import NumberLine

__all__ = ["number_line_svg"]

_WIDTH = 240.0
_HEIGHT = 44.0
_LEFT, _RIGHT = 10.0, 230.0
_AXIS_Y = 24.0


def _span(line: NumberLine) -> tuple[float, float]:
    points = [line.value, *(v for v, _ in line.cutoffs)]
    points += [x for x in (line.low, line.high) if x is not None]
    points = [p for p in points if math.isfinite(p)]
    lo, hi = min(points), max(points)
    if hi == lo:
        lo, hi = lo - (abs(lo) or 1.0) * 0.5, hi + (abs(hi) or 1.0) * 0.5
    pad = (hi - lo) * 0.12
    low = lo - pad
    if lo >= 0 > low:
        low = 0.0  # a concentration has no negative side to show
    return low, hi + pad


def _x(value: float, span: tuple[float, float]) -> float:
    lo, hi = span
    return round(_LEFT + (value - lo) / (hi - lo) * (_RIGHT - _LEFT), 1)


def describe(line: NumberLine, name: str, value_text: str, flag: str, m: Messages) -> str:
    """The drawing in words: the text alternative."""
    parts = [m.format("{name}: {value}", name=name, value=value_text)]
    # The limits as the table beside the drawing shows them (a converted limit is rounded
    # there); a line built without them shows the numbers tidied.
    low = line.low_text or (m.number(line.low) if line.low is not None else "")
    high = line.high_text or (m.number(line.high) if line.high is not None else "")
    if line.low is not None and line.high is not None:
        parts.append(
            m.format(
                "reference interval {low} to {high} {unit}",
                low=low,
                high=high,
                unit=line.unit,
            )
        )
    elif line.low is not None:
        # One limit only: named as that limit, not as an interval (as the reasoning does).
        parts.append(m.format("lower reference limit {low} {unit}", low=low, unit=line.unit))
    elif line.high is not None:
        parts.append(m.format("upper reference limit {high} {unit}", high=high, unit=line.unit))
    if line.cutoffs:
        parts.append(
            m.format(
                "cut-offs at {values} {unit}",
                values=", ".join(label for _, label in line.cutoffs),
                unit=line.unit,
            )
        )
    parts.append(m.format("flag: {flag}", flag=flag))
    return "; ".join(parts)


def number_line_svg(line: NumberLine, name: str, value_text: str, flag: str, m: Messages) -> str:
    """An accessible inline SVG for one result (every text escaped)."""
    span = _span(line)
    alt = escape(describe(line, name, value_text, flag, m))
    parts = [
        f'<svg class="li-line" role="img" aria-label="{alt}" viewBox="0 0 {_WIDTH:g} {_HEIGHT:g}" '
        f'width="{_WIDTH:g}" height="{_HEIGHT:g}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(m.format('Number line for {name}', name=name))}</title>",
        f"<desc>{alt}</desc>",
        f'<line x1="{_LEFT:g}" y1="{_AXIS_Y:g}" x2="{_RIGHT:g}" y2="{_AXIS_Y:g}" '
        'stroke="currentColor" stroke-width="1"/>',
    ]
    if line.low is not None or line.high is not None:
        x1 = _x(line.low, span) if line.low is not None else _LEFT
        x2 = _x(line.high, span) if line.high is not None else _RIGHT
        parts.append(
            f'<rect class="li-ri" x="{x1:g}" y="{_AXIS_Y - 5:g}" width="{max(1.0, x2 - x1):g}" '
            'height="10" fill="#2e7d32" fill-opacity="0.25"/>'
        )
    for value, label in line.cutoffs:
        x = _x(value, span)
        parts.append(
            f'<line x1="{x:g}" y1="{_AXIS_Y - 9:g}" x2="{x:g}" y2="{_AXIS_Y + 9:g}" '
            'stroke="#b26a00" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x:g}" y="{_HEIGHT - 2:g}" font-size="9" text-anchor="middle" '
            f'fill="currentColor">{escape(label)}</text>'
        )
    x = _x(line.value, span)
    top, bottom = _AXIS_Y - 5, _AXIS_Y + 5
    if line.comparator in ("<", "<="):
        marker = (
            f'<path d="M{x:g} {top:g} L{x - 8:g} {_AXIS_Y:g} L{x:g} {bottom:g} Z" fill="#1565c0"/>'
        )
    elif line.comparator in (">", ">="):
        marker = (
            f'<path d="M{x:g} {top:g} L{x + 8:g} {_AXIS_Y:g} L{x:g} {bottom:g} Z" fill="#1565c0"/>'
        )
    else:
        marker = f'<circle cx="{x:g}" cy="{_AXIS_Y:g}" r="4.5" fill="#1565c0"/>'
    parts.append(marker)
    parts.append(
        f'<text x="{min(max(x, 20.0), 220.0):g}" y="10" font-size="10" text-anchor="middle" '
        f'fill="currentColor">{escape(value_text)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
