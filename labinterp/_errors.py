"""The error hierarchy.

Every error labinterp raises on bad input derives from :class:`LabinterpError` *and* from the
builtin that fits (``ValueError``, ``KeyError``), so callers can catch either. Each error keeps
its parts as attributes (``field``, ``value``, ``unit``, ``expected``, ``suggestion``) so that
batch tools can report a bad row as data rather than as a string to parse.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Self

__all__ = [
    "CatalogError",
    "DimensionError",
    "ImplausibleValueError",
    "InvalidValueError",
    "LabinterpError",
    "MissingMolarMassError",
    "PackError",
    "PackWarning",
    "PanelError",
    "TableWarning",
    "UnitError",
    "UnknownAnalyteError",
    "UnknownPatternError",
    "UnknownUnitError",
    "shorten",
]

#: How many characters of an input an error message repeats; the rest becomes "...".
SHORT_LIMIT = 60


def shorten(obj: object, limit: int = SHORT_LIMIT) -> str:
    """``repr(obj)`` cut to about ``limit`` characters, for echoing input into a message.

    Messages name the value that was refused, but a megabyte string or a deeply nested list
    must not be copied into every error (or into a log). Long strings and containers are
    cut by :mod:`reprlib` without building their full ``repr`` first.
    """
    short = reprlib.Repr()
    short.maxstring = short.maxother = limit
    short.maxlevel = 2
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = 4
    try:
        text = short.repr(obj)
    except Exception:  # an int past the str() digit limit, or a __repr__ that fails
        text = f"<{type(obj).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class LabinterpError(Exception):
    """Root of every error labinterp raises on bad input or bad data files."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        unit: str | None = None,
        expected: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.unit = unit
        self.expected = expected
        self.suggestion = suggestion

    def __str__(self) -> str:
        # KeyError quotes its argument in str(); keep every error's text readable as written.
        return self.message

    def at(self, field: str) -> Self:
        """The same error addressed to ``field``, e.g. ``ferritin`` -> ``ferritin.value``.

        The message's leading ``<field>: `` (or ``<Model>.<field>: ``) is replaced, so that
        every message starts with the one path that names the input.
        """
        head, sep, body = self.message.partition(": ")
        own = self.field or ""
        if not (sep and own and (head == own or head.endswith("." + own))):
            body = self.message
        return type(self)(
            f"{field}: {body}",
            field=field,
            value=self.value,
            unit=self.unit,
            expected=self.expected,
            suggestion=self.suggestion,
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries in batch work (multiprocessing, Dask); keep the parts.
        return (
            _rebuild,
            (
                type(self),
                self.message,
                self.field,
                self.value,
                self.unit,
                self.expected,
                self.suggestion,
            ),
        )


def _rebuild(
    cls: type[LabinterpError],
    message: str,
    field: str | None,
    value: object,
    unit: str | None,
    expected: str | None,
    suggestion: str | None,
) -> LabinterpError:
    return cls(
        message, field=field, value=value, unit=unit, expected=expected, suggestion=suggestion
    )


class UnknownAnalyteError(LabinterpError, KeyError):
    """An analyte name that is neither an id nor an alias in the catalog."""


class UnitError(LabinterpError, ValueError):
    """A unit that cannot be used for the value at hand."""


class UnknownUnitError(UnitError):
    """A unit spelling labinterp does not recognise."""


class DimensionError(UnitError):
    """A recognised unit of the wrong kind (a volume where a concentration is expected)."""


class MissingMolarMassError(UnitError):
    """A mass <-> amount-of-substance conversion without a known molar mass."""


class InvalidValueError(LabinterpError, ValueError):
    """A value that cannot be used: not a number, negative, NaN, infinite, unparsable, or an
    argument of the wrong kind (a Panel where an Interpretation is expected)."""


class ImplausibleValueError(InvalidValueError):
    """A value no living patient can have in the stated unit; usually a unit mix-up."""


class PanelError(LabinterpError, ValueError):
    """A panel whose structure or context is wrong (duplicate analyte, bad sex or age)."""


class UnknownPatternError(LabinterpError, KeyError):
    """A pattern id that the interpretation's pack does not define."""


class PackError(LabinterpError, ValueError):
    """A threshold pack that does not validate; the message names the file and key path."""


class CatalogError(LabinterpError, ValueError):
    """An analyte catalog file that does not validate; the message names the file and key path."""


class PackWarning(UserWarning):
    """A pack that loads but may not mean what its author expects: a pack that extends
    another replaces an inherited pattern that other inherited patterns refer to, so their
    meaning changes with it. ``overrides: [ids]`` in the pack acknowledges the change."""


class TableWarning(UserWarning):
    """A table that is read, but not all of it: a column that is neither a result, a unit
    nor context (a misspelt analyte), or long-table rows left out; the message says which."""


#: Words longer than this get no suggestion: no name is that long, and comparing a
#: megabyte of text with every choice would take seconds.
SUGGEST_LIMIT = 100


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest choice to ``word`` or ``None`` when nothing is close."""
    if not isinstance(word, str) or len(word) > SUGGEST_LIMIT:
        return None
    matches = difflib.get_close_matches(word.lower(), sorted(set(choices)), n=1, cutoff=0.6)
    return matches[0] if matches else None
