"""Reading a result as a report writes it: an optional comparator, a number, a unit.

A small scanner, not one regular expression: strip, take a comparator, match a number, and
the rest is the unit. The regular expression it replaces had optional whitespace runs side by
side and took quadratic time on long blank input (40 000 spaces took 38 s). Text is also
refused above :data:`MAX_RESULT_TEXT` characters before any work, so no input is slow.

Two readings share the scanner:

* report text, ``"<5 ug/L"``: the rest after the number is the unit;
* the ``value`` field of a ``{"value": ..., "unit": ...}`` mapping, ``"<5"``: a number with an
  optional comparator, and nothing else. A unit written there must be the unit given under
  ``unit``; any other text after the number ("12-15", "12 000", "1_2") is refused, never
  dropped.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal, NamedTuple

from labinterp._analytes import ANALYTES, Analyte
from labinterp._errors import InvalidValueError, LabinterpError, UnitError, shorten
from labinterp._units import normalize_unit

__all__ = [
    "MAX_RESULT_TEXT",
    "Comparator",
    "parse_measurement_text",
    "parse_plain_number",
    "parse_value_field",
    "unitless_error",
]

Comparator = Literal["<", "<=", ">", ">="]

#: The longest result text read, in characters. Real reports write a few dozen at most
#: ("<= 1500.5 ng/mL"); longer text is refused before it is scanned.
MAX_RESULT_TEXT = 200

# Two-character comparators first, so that "<=" is not read as "<" followed by "=".
_COMPARATORS: tuple[tuple[str, Comparator], ...] = (
    ("<=", "<="),
    (">=", ">="),
    ("\u2264", "<="),
    ("\u2265", ">="),
    ("<", "<"),
    (">", ">"),
)
# Linear: no nested or adjacent repeats, and matched at one position only. ASCII digits only:
# a footnote mark such as "12¹" is not a digit.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_COMMA_HINT = "; write the decimal separator as '.' (a ',' may be a thousands separator)"


class _Scanned(NamedTuple):
    comparator: Comparator | None
    number: str
    rest: str  # what follows the number, stripped


def _scan(text: str) -> _Scanned | None:
    """Split ``text`` (already length-checked) into comparator, number and the rest."""
    body = text.strip()
    comparator: Comparator | None = None
    for written, meaning in _COMPARATORS:
        if body.startswith(written):
            comparator, body = meaning, body[len(written) :].lstrip()
            break
    match = _NUMBER.match(body)
    if match is None:
        return None
    return _Scanned(comparator, match.group(), body[match.end() :].strip())


def _check_length(field: str, text: str) -> None:
    if len(text) > MAX_RESULT_TEXT:
        raise InvalidValueError(
            f"{field}: {shorten(text)} is {len(text)} characters long; a result is read "
            f"from at most {MAX_RESULT_TEXT}",
            field=field,
            value=shorten(text),
            expected=f"at most {MAX_RESULT_TEXT} characters, such as '12 ng/mL'",
        )


def _comma_hint(scanned: _Scanned | None) -> str:
    """A hint for "12,5": a comma right after the digits is likely a decimal comma."""
    if scanned is not None and scanned.rest[:1] == "," and scanned.rest[1:2].isdigit():
        return _COMMA_HINT
    return ""


def parse_measurement_text(field: str, text: str) -> tuple[Comparator | None, float, str]:
    """Split ``"<7 g/dL"`` into comparator, value and unit (the unit is not checked here)."""
    if isinstance(text, str):
        if len(text) > MAX_RESULT_TEXT:
            _check_length(field, text)  # raises
        # Fast path for the common "12.5 ng/mL"; anything unusual goes through the scanner.
        head, sep, unit = text.strip().partition(" ")
        if sep and head.isascii() and head[:1].isdigit() and head.replace(".", "", 1).isdigit():
            unit = unit.strip()
            if unit and not unit.startswith(","):
                return None, float(head), unit
    scanned = _scan(text) if isinstance(text, str) else None
    if scanned is None or scanned.rest.startswith(","):
        raise InvalidValueError(
            f"{field}: cannot read {shorten(text)} as a value with a unit, such as '12 ng/mL' "
            f"or '<5 ug/L'{_comma_hint(scanned)}",
            field=field,
            value=text,
            expected="'<number> <unit>' with an optional <, <=, > or >=",
        )
    if not scanned.rest:
        raise unitless_error(field, shorten(text), scanned.number, text)
    return scanned.comparator, float(scanned.number), scanned.rest


def unitless_error(field: str, shown: str, number: str, value: object) -> InvalidValueError:
    """The error for a number given without a unit, with spellings that keep its meaning.

    ``shown`` is the input as the message echoes it, ``number`` its number as text. For a
    percentage analyte a bare number may be a fraction (0.09 for 9 %) as well as a
    percentage; a suggestion of '0.09 %' would turn a fraction into a value 100 times too
    low, so each reading that is plausible is spelled out with what it means.
    """
    analyte = ANALYTES[field]
    if float(number) < 0:
        # Said first: a unit would not save it, so suggesting one ("write it as '-3 ug/L'")
        # only leads to a second refusal.
        return InvalidValueError(
            f"{field}: {shown} is negative (and has no unit); a result is never below 0: "
            f"check the value, and give it with its unit ({', '.join(analyte.common_units)})",
            field=field,
            value=value,
            expected="a finite, non-negative number with a unit",
        )
    head = f"{field}: {shown} has no unit"
    tail = " (labinterp never assumes a unit)"
    expected = f"a unit such as {', '.join(analyte.common_units)}"
    readings = _percent_readings(analyte, number)
    if readings is None:
        example = f"'{number} {analyte.canonical_unit}'"
        return InvalidValueError(
            f"{head}; write it as e.g. {example}{tail}",
            field=field,
            value=value,
            expected=expected,
            suggestion=analyte.canonical_unit,
        )
    message, suggestion = readings
    return InvalidValueError(
        f"{head}{message}{tail}",
        field=field,
        value=value,
        expected=expected,
        suggestion=suggestion,
    )


def _percent_readings(analyte: Analyte, number: str) -> tuple[str, str | None] | None:
    """For an analyte kept in %, the plausible readings of a bare number as text, and the one
    unit that is safe to apply (None when both readings are plausible); None otherwise."""
    if analyte.canonical_unit != "%":
        return None
    value = float(number)
    as_percent = analyte.is_plausible(value)
    as_fraction = value >= 0 and analyte.is_plausible(value * 100)
    if not (as_percent or as_fraction):
        return None  # neither: the plain example, which the plausibility guard then explains
    percent = f"'{number} %'"
    if not as_fraction:
        return f"; write it as e.g. {percent}", "%"
    fraction_unit = _fraction_unit(analyte)
    hundredfold = format((Decimal(number).scaleb(2)).normalize(), "f")
    spellings = [f"'{hundredfold} %'"]
    if fraction_unit is not None:
        spellings.insert(0, f"'{number} {fraction_unit}'")
    as_fraction_text = f"as a fraction (= {hundredfold} %) write {' or '.join(spellings)}"
    if as_percent:
        return (
            f", and it may be a fraction or a percentage: {as_fraction_text}; as a "
            f"percentage write {percent}",
            None,
        )
    why = f"{number} % is not a plausible {analyte.display_name}"
    return f" ({why}); {as_fraction_text}", fraction_unit or "%"


def _fraction_unit(analyte: Analyte) -> str | None:
    """The catalog's unit for this analyte as a fraction ('1', 'L/L'), if it lists one."""
    for unit in analyte.common_units:
        if unit != "%" and analyte.resolve_unit(unit).to_canonical == 100:
            return unit
    return None


def parse_value_field(field: str, text: str, unit: object) -> tuple[Comparator | None, float]:
    """Read the text of a mapping's ``value`` field: ``"12"``, ``"<5"``, ``"<= 5"``, ``"≥200"``.

    ``field`` names the value (``ferritin.value``). A unit after the number is allowed only
    when it is the mapping's ``unit`` (the same UCUM code); anything else is refused.
    """
    _check_length(field, text)
    scanned = _scan(text)
    if scanned is None or (scanned.rest and not _same_unit(field, text, scanned.rest, unit)):
        raise InvalidValueError(
            f"{field}: cannot read {shorten(text)} as a number; a value is a number with an "
            f"optional <, <=, > or >=, such as 12 or '<5', and the unit goes under "
            f"'unit'{_comma_hint(scanned)}",
            field=field,
            value=text,
            expected="a number, optionally after <, <=, > or >=",
        )
    return scanned.comparator, float(scanned.number)


def _same_unit(field: str, text: str, written: str, unit: object) -> bool:
    """True when ``written`` (after the number) is the mapping's unit; refused if another.

    False when ``written`` is no unit at all, so the caller refuses the text as a number.
    """
    try:
        code = normalize_unit(written, field=field)
    except LabinterpError:
        return False
    try:
        given = normalize_unit(unit, field=field)  # type: ignore[arg-type]
    except LabinterpError:
        return True  # the unit field itself is refused when the measurement is built
    if code != given:
        raise UnitError(
            f"{field}: {shorten(text)} carries the unit {shorten(written)}, but the unit "
            f"given is {shorten(unit)}; give the unit once, under 'unit'",
            field=field,
            value=text,
            unit=written,
            expected=f"no unit in the value, or {shorten(unit)}",
        )
    return True


def parse_plain_number(text: str) -> float | None:
    """``text`` as a float when it is a plain number ("12", " 4.5 ", "1e3"), else ``None``.

    Stricter than ``float()``, which also reads "1_2", "nan" and "infinity".
    """
    if len(text) > MAX_RESULT_TEXT:
        return None
    scanned = _scan(text)
    if scanned is None or scanned.comparator is not None or scanned.rest:
        return None
    return float(scanned.number)
