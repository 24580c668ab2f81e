"""The error hierarchy.

Every error labinterp raises on bad input derives from :class:`LabinterpError` *and* from the
builtin that fits (``ValueError``, ``KeyError``), so callers can catch either. Each error keeps
its parts as attributes (``field``, ``value``, ``unit``, ``expected``, ``suggestion``) so that
batch tools can report a bad row as data rather than as a string to parse.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "DimensionError",
    "ImplausibleValueError",
    "InvalidValueError",
    "LabinterpError",
    "MissingMolarMassError",
    "PackError",
    "PanelError",
    "UnitError",
    "UnknownAnalyteError",
    "UnknownPatternError",
    "UnknownUnitError",
]


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
    """A value that is not a usable number: negative, NaN, infinite or unparsable."""


class ImplausibleValueError(InvalidValueError):
    """A value no living patient can have in the stated unit; usually a unit mix-up."""


class PanelError(LabinterpError, ValueError):
    """A panel whose structure or context is wrong (duplicate analyte, bad sex or age)."""


class UnknownPatternError(LabinterpError, KeyError):
    """A pattern id that the interpretation's pack does not define."""


class PackError(LabinterpError, ValueError):
    """A threshold pack that does not validate; the message names the file and key path."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest choice to ``word`` or ``None`` when nothing is close."""
    matches = difflib.get_close_matches(word.lower(), sorted(set(choices)), n=1, cutoff=0.6)
    return matches[0] if matches else None
