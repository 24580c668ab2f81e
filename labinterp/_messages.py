"""The message catalog: every word labinterp shows a reader, in one place.

gettext-style and class based: each message is written once, in English, as its own message
id; :meth:`Messages.gettext` looks the id up in :attr:`Messages.translations` and falls back
to the English text. Nothing is installed globally: a teaching tool that wants another
language (or other wording) subclasses :class:`Messages`, fills ``translations`` and passes an
instance as ``messages=`` to :func:`labinterp.render.render`. Placeholders are
``str.format`` fields (``{name}``), so a translation may reorder them.

The status labels of findings ("consistent with iron deficiency") are built here too, by the
engine, so the labels in the JSON and the words of every renderer come from one catalog.

This module sits low in the layers (it imports only :mod:`labinterp._numbers`), so that the
rules, the engine and the renderers can all read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from labinterp._numbers import format_number

__all__ = ["ENGLISH", "Messages"]

_EMPTY: Mapping[str, str] = MappingProxyType({})


class Messages:
    """English messages; subclass and set :attr:`translations` to translate.

    ``decimal_separator`` changes how numbers are written (``","`` for a decimal comma);
    decisions never depend on it: only the text shown changes.
    """

    #: Message id (the English text) -> the text to show. Empty: English.
    translations: ClassVar[Mapping[str, str]] = _EMPTY
    #: The decimal separator numbers are written with.
    decimal_separator: ClassVar[str] = "."
    #: The language of the words (a BCP 47 tag), for HTML's ``lang`` attribute.
    language: ClassVar[str] = "en"

    # --- the gettext part ---------------------------------------------------------------------

    def gettext(self, msgid: str) -> str:
        """The text for ``msgid``: its translation, or the English id itself."""
        return self.translations.get(msgid, msgid)

    def format(self, msgid: str, /, **values: object) -> str:
        """``gettext(msgid)`` with its ``{placeholders}`` filled in."""
        return self.gettext(msgid).format(**values)

    def number(self, value: float, figures: int | None = None) -> str:
        """A number for display (see :func:`labinterp._numbers.format_number`), written with
        this catalog's decimal separator."""
        text = format_number(value, figures)
        return text if self.decimal_separator == "." else text.replace(".", self.decimal_separator)

    # --- a computed range, by the end that settles a comparison --------------------------------

    def at_most(self, high: str) -> str:
        return self.format("at most {high}", high=high)

    def at_least(self, low: str) -> str:
        return self.format("at least {low}", low=low)

    def between(self, low: str, high: str) -> str:
        return self.format("between {low} and {high}", low=low, high=high)

    def whatever(self, bound: str, unmeasured: str) -> str:
        """For a learner: ``at most 1.7 whatever the hematocrit`` (the result not measured)."""
        return self.format("{bound} whatever the {unmeasured}", bound=bound, unmeasured=unmeasured)

    # --- status labels (the engine builds findings' labels with these) ------------------------

    def consistent_with(self, name: str) -> str:
        return self.format("consistent with {name}", name=name)

    def not_supported(self, name: str) -> str:
        # "not consistent" is said the way a reader understands it: these results do not
        # support the pattern. It is not "ruled out": other results might.
        return self.format("{name}: not supported by these results", name=name)

    def cannot_be_decided(self, name: str, why: str) -> str:
        """``why`` is "without ..." or "from these results ..."."""
        return self.format("{name} cannot be decided {why}", name=name, why=why)

    def note_label(self, status: str, name: str) -> str:
        msgid = {
            "consistent": "note applies: {name}",
            "not_consistent": "note does not apply: {name}",
        }.get(status, "note on {name}")
        return self.format(msgid, name=name)

    def alert_label(self, status: str, name: str) -> str:
        msgid = {
            "consistent": "alert: {name}",
            "not_consistent": "no alert: {name}",
        }.get(status, "alert on {name}")
        return self.format(msgid, name=name)

    def classification_chosen(self, name: str, chosen: str) -> str:
        return self.format("{name}: consistent with {chosen}", name=name, chosen=chosen)

    def classification_undecided(self, name: str, between: str, why: str) -> str:
        return self.format(
            "{name}: cannot be decided between {between} {why}", name=name, between=between, why=why
        )

    def join_and(self, items: list[str]) -> str:
        """``a``, ``a and b``, ``a, b and c``."""
        if len(items) <= 1:
            return "".join(items)
        return self.format(
            "{items} and {last}", items=self.gettext(", ").join(items[:-1]), last=items[-1]
        )

    def join_or(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return self.format(
            "{items} or {last}", items=self.gettext(", ").join(items[:-1]), last=items[-1]
        )


#: The English catalog labinterp ships and uses by default.
ENGLISH = Messages()
