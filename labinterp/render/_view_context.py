"""The context used, why a context chose a cut-off, and the legend of the symbols shown."""

from __future__ import annotations

from collections.abc import Iterable

from labinterp._messages import Messages
from labinterp._panel import Panel
from labinterp._rules import CutoffUsed
from labinterp.render._view_model import Audience, ContextItem

__all__ = ["because", "context_items", "context_name", "legend"]


def context_items(panel: Panel, m: Messages) -> tuple[ContextItem, ...]:
    not_given = m.gettext("not given")
    items = [
        ContextItem(m.gettext("sex"), m.gettext(panel.sex) if panel.sex else not_given),
        ContextItem(
            m.gettext("age"),
            m.format("{age} years", age=m.number(panel.age))
            if panel.age is not None
            else not_given,
        ),
        ContextItem(
            m.gettext("pregnant"),
            not_given
            if panel.pregnant is None
            else m.gettext("yes")
            if panel.pregnant
            else m.gettext("no"),
        ),
    ]
    if panel.trimester is not None:
        items.append(ContextItem(m.gettext("trimester"), str(panel.trimester)))
    if panel.diet is not None:
        items.append(ContextItem(m.gettext("diet"), context_name("diet", panel.diet)))
    for name in ("conditions", "medications", "symptoms"):
        ids: tuple[str, ...] = getattr(panel, name)
        if ids:
            items.append(
                ContextItem(m.gettext(name), ", ".join(context_name(name, i) for i in ids))
            )
    if not any(getattr(panel, n) for n in ("conditions", "medications", "symptoms")):
        items.append(ContextItem(m.gettext("conditions"), m.gettext("none reported")))
    return tuple(items)


def context_name(field_name: str, item: str) -> str:
    """A reported id as words: ``chronic_kidney_disease`` -> ``chronic kidney disease``."""
    del field_name  # ids are plain English words joined by "_"
    return item.replace("_", " ")


def because(cut: CutoffUsed, m: Messages) -> str | None:
    """Why the context chose this cut-off: "because inflammation is present"."""
    when = cut.when
    parts: list[str] = []
    if when.sex is not None:
        parts.append(m.format("the sex is {sex}", sex=m.gettext(when.sex)))
    if when.pregnant is True:
        parts.append(m.gettext("the person is pregnant"))
    elif when.pregnant is False:
        parts.append(m.gettext("the person is not pregnant"))
    if when.trimester:
        parts.append(
            m.format("the trimester is {t}", t=m.join_or([str(t) for t in when.trimester]))
        )
    if when.age_min is not None:
        parts.append(m.format("the age is {age} years or more", age=m.number(when.age_min)))
    if when.age_max is not None:
        parts.append(m.format("the age is under {age} years", age=m.number(when.age_max)))
    if when.inflammation is True:
        parts.append(m.gettext("inflammation is present"))
    elif when.inflammation is False:
        parts.append(m.gettext("no inflammation is present"))
    for name, ids in when.reported():
        words = m.join_or([context_name(name, i) for i in ids])
        parts.append(m.format("{what} is reported", what=words))
    if not parts:
        return None
    return m.format("because {why}", why=m.join_and(parts))


def legend(symbols: Iterable[str], audience: Audience, m: Messages) -> tuple[tuple[str, str], ...]:
    meanings = {
        "[!]": "an alert: prompt medical assessment is worth considering",
        "[+]": "consistent with the pattern, or the criterion holds",
        "[-]": 'not supported by these results ("not consistent"), or the criterion does not hold',
        "[?]": "cannot be decided from the results and context given",
        "<": "below",
        "<=": "at or below",
        ">": "above",
        ">=": "at or above",
        "[ ]": "the cut-off as the pack writes it, in the pack's unit",
        "L": "HL7 code: low",
        "LL": "HL7 code: critically low",
        "H": "HL7 code: high",
        "HH": "HL7 code: critically high",
        "N": "HL7 code: normal (within the reference interval)",
    }
    return tuple((s, m.gettext(meanings[s])) for s in meanings if s in symbols)
