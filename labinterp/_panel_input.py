"""Forgiving readings of panel input, written the way people and spreadsheets write it.

Each helper accepts a common spelling (``sex="F"``, a reference interval ``"15-150 ng/mL"``)
or refuses a common mistake with a message that says what to write instead: a blank or
``"N/A"`` cell means "not measured", which a panel writes as ``null`` (or leaves out); a key
such as ``gender`` or ``weeks`` is patient context, not a misspelt analyte.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labinterp._errors import InvalidValueError, LabinterpError, PanelError, shorten
from labinterp._units import is_boolean

__all__ = [
    "BOOLEAN_WORDS",
    "COMMAND_LINE_WORDS",
    "PYTHON_WORDS",
    "InputWords",
    "context_word_hint",
    "given_twice",
    "is_missing_word",
    "missing_value_error",
    "parse_interval_text",
    "read_age",
    "read_pregnant",
    "read_sex",
]

# Cells that say "no result" in a spreadsheet or LIS export. Compared after strip().lower().
_MISSING_WORDS = frozenset(
    {
        "",
        "-",
        "--",
        "?",
        ".",
        "n/a",
        "na",
        "n.a.",
        "n/d",
        "nd",
        "none",
        "null",
        "nil",
        "nan",
        "unknown",
        "unk",
        "not known",
        "not done",
        "not measured",
        "not available",
        "missing",
        "pending",
    }
)


def is_missing_word(raw: object) -> bool:
    """True for text that stands for a missing value: ``""``, ``"N/A"``, ``"-"``, ``"unknown"``."""
    return isinstance(raw, str) and len(raw) <= 20 and raw.strip().lower() in _MISSING_WORDS


def missing_value_error(field: str, raw: str, *, is_result: bool) -> LabinterpError:
    """The error for a missing-value word: say that null (or leaving the key out) is meant."""
    what = "a result that was not measured" if is_result else "context that is not known"
    error_type: type[LabinterpError] = InvalidValueError if is_result else PanelError
    return error_type(
        f"{field}: {shorten(raw)} is not a value; for {what}, give null (None in Python) "
        "or leave the key out",
        field=field,
        value=raw,
        expected="a value, or null",
        suggestion="null",
    )


_SEXES = {"f": "female", "female": "female", "woman": "female"}
_SEXES |= {"m": "male", "male": "male", "man": "male"}


def read_sex(raw: object) -> object:
    """``"F"``, ``"female"``, ``"Woman"`` ... as ``"female"`` (likewise male); None stays None.

    Text that is not a sex is refused here with the spellings accepted; a value of another
    type is left to the model, whose error names its type.
    """
    if not isinstance(raw, str):
        return raw
    found = _SEXES.get(raw.strip().lower()) if len(raw) <= 20 else None
    if found is not None:
        return found
    if is_missing_word(raw):
        raise missing_value_error("sex", raw, is_result=False)
    raise PanelError(
        f"sex: {shorten(raw)} is not a sex labinterp reads; write 'female' or 'male' (or F, M, "
        "woman, man, in any case), or null when it is not known",
        field="sex",
        value=raw,
        expected="'female', 'male' or null",
    )


#: How true and false are written in text (a CSV cell, a key=value word, a JSON string);
#: compared after strip().lower(). One list for every reader, tables included.
BOOLEAN_WORDS: Mapping[str, bool] = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "1.0": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
    "0.0": False,
}


def read_pregnant(raw: object) -> object:
    """``true``/``yes``/``1`` (any case; :data:`BOOLEAN_WORDS`) as True, ``false``/``no``/``0``
    as False; None stays.

    Text has no booleans (a CSV cell, a word on the command line), so the usual spellings
    are read; anything else is refused here with the spellings accepted.
    """
    if raw is None or isinstance(raw, bool):
        return raw
    if is_boolean(raw):  # numpy's bool_
        return bool(raw)
    if isinstance(raw, str):
        found = BOOLEAN_WORDS.get(raw.strip().lower()) if len(raw) <= 20 else None
        if found is not None:
            return found
        if is_missing_word(raw):
            raise missing_value_error("pregnant", raw, is_result=False)
    raise PanelError(
        f"pregnant: {shorten(raw)} is not a pregnancy status; write true or false (or yes/no, "
        "1/0, in any case), or null when it is not known",
        field="pregnant",
        value=raw,
        expected="true, false or null",
    )


# An age written with a unit of time: "2 months", "30 years", "3 wk". Linear: literals apart.
_AGE_WITH_UNIT = re.compile(
    r"(\d+(?:\.\d+)?) *(years?|yrs?|y|months?|mos?|mths?|weeks?|wks?|w|days?|d)",
    re.ASCII | re.IGNORECASE,
)
_YEARS_PER_UNIT: Mapping[str, float] = {"y": 1.0, "m": 1 / 12, "w": 7 / 365.25, "d": 1 / 365.25}


def read_age(raw: object) -> object:
    """An age as given; text of a number with a unit of time is refused with what to write.

    Ages are in years: "2 months" is refused with its value in years (0.17), so that the
    number is never read in another unit by mistake. Anything else is left to the model.
    """
    match = (
        _AGE_WITH_UNIT.fullmatch(raw.strip()) if isinstance(raw, str) and len(raw) <= 40 else None
    )
    if match is None:
        return raw
    years = float(match.group(1)) * _YEARS_PER_UNIT[match.group(2)[0].lower()]
    shown = f"{years:.2f}".rstrip("0").rstrip(".") if years < 10 else f"{years:.1f}"
    shown = shown.removesuffix(".0")
    raise PanelError(
        f"age: {shorten(raw)} is not a number of years; ages are given in years, so "
        f"{shorten(raw)} is age={shown}",
        field="age",
        value=raw,
        expected="the age in years, as a number",
        suggestion=shown,
    )


def given_twice(field: str, first: object, second: object) -> PanelError:
    """The error for a key given twice, the same on the command line, in JSON and in a mapping."""
    how = "" if first == second else f", as {shorten(first)} and as {shorten(second)}"
    name = field if len(field) <= 40 and field.isprintable() else shorten(field)
    return PanelError(
        f"{name}: given twice{how}; give each key once",
        field=field,
        value=(first, second),
        expected="each key once",
    )


@dataclass(frozen=True, slots=True)
class InputWords:
    """How messages name the ways to give a panel, for the reader at hand.

    A Python caller passes ``ignore_unknown=True`` and a dict; a user of the command line
    writes ``--ignore-unknown`` and a JSON object.
    """

    skip_unknown: str
    panel: str
    type_names: Mapping[type, str]

    def type_name(self, value: object) -> str:
        kind = type(value)
        return self.type_names.get(kind, kind.__name__)


PYTHON_WORDS = InputWords(
    skip_unknown="pass ignore_unknown=True (--ignore-unknown on the command line)",
    panel="a mapping (such as a dict) of analyte names to values",
    type_names={},
)
COMMAND_LINE_WORDS = InputWords(
    skip_unknown="add --ignore-unknown",
    panel="a JSON object of analyte names to values",
    type_names={
        list: "an array",
        dict: "an object",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true or false",
        type(None): "null",
    },
)


# Keys that name patient context in other words; the hint says which panel key to use.
_CONTEXT_WORDS: Mapping[str, str] = {
    "gender": "sex",
    "sex_at_birth": "sex",
    "birth_sex": "sex",
    "pregnancy": "pregnant",
    "is_pregnant": "pregnant",
    "pregnancy_status": "pregnant",
    "weeks": "trimester",
    "gestation": "trimester",
    "gestational_age": "trimester",
    "gestational_weeks": "trimester",
    "weeks_pregnant": "trimester",
    "age_years": "age",
    "years": "age",
    "dob": "age",
    "date_of_birth": "age",
    "birth_date": "age",
    "birthdate": "age",
    "condition": "conditions",
    "diagnosis": "conditions",
    "diagnoses": "conditions",
    "comorbidities": "conditions",
    "medication": "medications",
    "meds": "medications",
    "drugs": "medications",
    "symptom": "symptoms",
    "complaints": "symptoms",
    "diet_type": "diet",
}
_WHY: Mapping[str, str] = {
    "trimester": "the trimester (1, 2 or 3), not weeks of gestation, together with pregnant=true",
    "age": "the age in years",
    "pregnant": "true, false or null",
    "sex": "'female' or 'male'",
}


def context_word_hint(key: str) -> tuple[str, str] | None:
    """For a key that names patient context in other words, (panel key, message); else None."""
    if len(key) > 40:
        return None
    field = _CONTEXT_WORDS.get(key.strip().lower().replace(" ", "_").replace("-", "_"))
    if field is None:
        return None
    what = _WHY.get(field)
    extra = f" ({what})" if what else ""
    return field, (
        f"unknown panel key {shorten(key)}: it names patient context, not a lab result; "
        f"give it as {field!r}{extra}"
    )


# "15-150 ng/mL", "15 to 150 ng/mL" (or an en or em dash); one number with <, <=, > or >= for a
# one-sided interval. Linear: the optional spaces are separated by literals.
_NUM = r"(\d+(?:\.\d+)?|\.\d+)"
_RANGE = re.compile(rf"{_NUM} *(?:-|\u2013|\u2014|to) *{_NUM} *(.*)", re.ASCII | re.DOTALL)
_ONE_SIDED = re.compile(rf"(<=|>=|\u2264|\u2265|<|>) *{_NUM} *(.*)", re.DOTALL)
_UPPER = frozenset({"<", "<=", "\u2264"})
MAX_INTERVAL_TEXT = 60


def parse_interval_text(field: str, text: str) -> dict[str, Any]:
    """A lab's reference interval written as text, as ``{"low", "high", "unit"}``.

    Read: ``"15-150 ng/mL"`` (bounds inclusive, as labs print them), ``"<5 mg/L"`` and
    ``">40 ng/mL"`` (one bound). The unit is required: labinterp never assumes one.
    """
    body = text.strip().replace("\t", " ") if len(text) <= MAX_INTERVAL_TEXT else None
    if body is not None and (match := _RANGE.fullmatch(body)):
        low, high, unit = match.group(1), match.group(2), match.group(3).strip()
        data: dict[str, Any] = {"low": float(low), "high": float(high), "unit": unit}
    elif body is not None and (match := _ONE_SIDED.fullmatch(body)):
        side = "high" if match.group(1) in _UPPER else "low"
        data = {side: float(match.group(2)), "unit": match.group(3).strip()}
    else:
        raise InvalidValueError(
            f"{field}: cannot read {shorten(text)} as a reference interval; write it as "
            "'15-150 ng/mL', '<5 mg/L' or '>40 ng/mL', or as {'low': 15, 'high': 150, "
            "'unit': 'ng/mL'}",
            field=field,
            value=shorten(text),
            expected="'<low>-<high> <unit>', '<<high> <unit>' or '><low> <unit>'",
        )
    if not data["unit"]:
        raise InvalidValueError(
            f"{field}: the reference interval {shorten(text)} has no unit; write it with one, "
            "such as '15-150 ng/mL' (labinterp never assumes a unit)",
            field=field,
            value=shorten(text),
            expected="a reference interval with a unit",
        )
    return data
