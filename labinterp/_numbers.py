"""Numbers for people: rounding for display to the precision a result was reported with.

A report that says ``10.2 g/dL`` states three significant figures; converting it to g/L
gives ``102.00000000000001`` in binary floating point. Every view (text, Markdown, HTML,
JSON) shows numbers through this module, so the same value reads the same everywhere and
float noise never reaches a reader. Decisions are never made on rounded numbers: the engine
compares the exact converted values with the project's stated tolerance (``REL_TOL``).
"""

from __future__ import annotations

import math

__all__ = [
    "MAX_FIGURES",
    "MIN_FIGURES",
    "format_number",
    "round_figures",
    "significant_figures",
    "tidy",
]

#: Never show fewer significant figures than this for a derived number (a converted value,
#: a margin, a cut-off in another unit): "1 g/dL" from "10 g/L" would hide the cut-off.
MIN_FIGURES = 2
#: Never more than this: past it, digits are conversion noise, not information.
MAX_FIGURES = 6
#: Digits kept when tidying a number whose precision is not known (a pack's cut-off): enough
#: for every value written in a pack, few enough to drop binary noise (0.1 + 0.2).
_TIDY_FIGURES = 12


def significant_figures(value: float) -> int:
    """How many significant figures a reported number carries, read from its shortest text.

    ``10.2`` has 3, ``120`` has 2 (trailing zeros of an integer are taken as not
    significant, as a lab's "120" is rarely meant as 120 +/- 0.5), ``0.05`` has 1, ``7`` has
    1. The result is clipped to ``[1, MAX_FIGURES]``.
    """
    if not math.isfinite(value) or value == 0:
        return 1
    text = repr(abs(float(value)))
    if "e" in text or "E" in text:
        mantissa = text.lower().split("e")[0]
        digits = mantissa.replace(".", "").lstrip("0")
        return max(1, min(MAX_FIGURES, len(digits.rstrip("0")) or 1))
    whole, _, fraction = text.partition(".")
    if fraction == "0":
        fraction = ""
    # An integer's trailing zeros are taken as placeholders; a decimal's digits all count.
    digits = (whole + fraction).lstrip("0") if fraction else whole.strip("0")
    return max(1, min(MAX_FIGURES, len(digits) or 1))


def round_figures(value: float, figures: int) -> float:
    """``value`` rounded to ``figures`` significant figures (clipped to 1..12).

    More than :data:`MAX_FIGURES` is asked for only to keep a converted cut-off on the right
    side of a value that lies very close to it (``labinterp.render``); twelve figures is the
    precision :func:`tidy` keeps, so even that never shows binary noise.
    """
    if not math.isfinite(value) or value == 0:
        return value
    figures = max(1, min(_TIDY_FIGURES, figures))
    exponent = math.floor(math.log10(abs(value)))
    decimals = figures - 1 - exponent
    rounded = round(value, decimals)
    # round() to a negative number of decimals returns a float such as 120.0; keep it exact.
    return float(rounded)


def tidy(value: float) -> float:
    """Drop binary noise from a number whose precision is unknown (450.00000000000006 -> 450)."""
    if not math.isfinite(value) or value == 0:
        return value
    exponent = math.floor(math.log10(abs(value)))
    return float(round(value, _TIDY_FIGURES - 1 - exponent))


def format_number(value: float, figures: int | None = None) -> str:
    """A number as a reader writes it: no exponent, no trailing ``.0``, no float noise.

    With ``figures`` the value is first rounded to that many significant figures (at least
    :data:`MIN_FIGURES` when the caller derives it from a reported value: pass
    ``max(MIN_FIGURES, significant_figures(reported))``); without, it is only tidied.
    """
    if not math.isfinite(value):
        return repr(value)
    shown = tidy(value) if figures is None else round_figures(value, figures)
    if shown == 0:
        return "0"
    if shown.is_integer() and abs(shown) < 1e15:
        return str(int(shown))
    text = f"{shown:.{_TIDY_FIGURES}f}".rstrip("0").rstrip(".")
    return "-0" if text == "-0" else text
