"""A bare number for a percentage analyte: the suggested spellings keep the number's meaning.

Regression for review4 #1: ``tsat=0.09`` was told to write '0.09 %', which is then read as
0.09 % although the number was most likely a fraction (9 %).
"""

from __future__ import annotations

import re

import pytest

from labinterp import ANALYTES, Panel
from labinterp._errors import InvalidValueError, LabinterpError
from labinterp._units import is_close

# Every analyte a caller may give that the catalog lists with '%'.
PERCENT_ANALYTES = [a.id for a in ANALYTES.values() if a.derived is None and "%" in a.common_units]
NUMBERS = ["0.009", "0.09", "0.31", "0.5", "1", "1.5", "9", "31", "150"]
_SPELLING = re.compile(r"'([0-9.eE+-]+ [^']+)'")


def _plausible_readings(analyte_id: str, number: str) -> list[float]:
    """The canonical values (in %) the bare number can mean: a percentage or a fraction."""
    analyte = ANALYTES[analyte_id]
    value = float(number)
    return [v for v in (value, value * 100) if analyte.is_plausible(v)]


def _suggested_values(analyte_id: str, message: str) -> list[float]:
    """What each quoted spelling in ``message`` means when it is given literally."""
    found = []
    for spelling in _SPELLING.findall(message):
        try:
            panel = Panel.from_mapping({analyte_id: spelling})
        except LabinterpError:
            continue  # refused, never silently read
        measurement = panel.get(analyte_id)
        assert measurement is not None
        found.append(measurement.canonical_value)
    return found


def _covers(values: list[float], expected: list[float]) -> bool:
    return all(any(is_close(v, e) for v in values) for e in expected) and all(
        any(is_close(v, e) for e in expected) for v in values
    )


def test_every_percent_analyte_is_checked() -> None:
    assert {"transferrin_saturation", "reticulocytes", "hematocrit", "rdw"} <= set(PERCENT_ANALYTES)


@pytest.mark.parametrize("analyte_id", PERCENT_ANALYTES)
@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("form", ["text", "number"])
def test_suggested_spellings_keep_the_meaning(analyte_id: str, number: str, form: str) -> None:
    raw: object = number if form == "text" else float(number)
    with pytest.raises(InvalidValueError, match="has no unit") as caught:
        Panel.from_mapping({analyte_id: raw})
    message = str(caught.value)
    expected = _plausible_readings(analyte_id, number)
    suggested = _suggested_values(analyte_id, message)
    if not expected:
        return  # no reading is plausible: any spelling offered is refused in turn
    # Every spelling offered means a plausible reading, and every plausible reading is offered:
    # an ambiguous number is never steered to one of its readings.
    assert _covers(suggested, expected), (message, suggested, expected)
    if len(expected) == 2:
        assert caught.value.suggestion is None  # no one unit is safe to apply blindly
    elif caught.value.suggestion is not None:
        applied = Panel.from_mapping({analyte_id: f"{number} {caught.value.suggestion}"})
        measurement = applied.get(analyte_id)
        assert measurement is not None
        assert is_close(measurement.canonical_value, expected[0])


@pytest.mark.parametrize(
    ("analyte_id", "number", "fraction_spelling"),
    [
        ("tsat", "0.09", "'0.09 1'"),
        ("retic", "0.009", "'0.009 1'"),
        ("hct", "0.31", "'0.31 L/L'"),
    ],
)
def test_review_cases_name_the_fraction(
    analyte_id: str, number: str, fraction_spelling: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({analyte_id: number})
    message = str(caught.value)
    assert fraction_spelling in message
    assert f"= {float(number) * 100:g} %" in message


def test_an_implausible_percentage_is_not_offered() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"hct": "0.31"})
    assert "'0.31 %'" not in str(caught.value)
    assert caught.value.suggestion == "L/L"


def test_a_plain_percentage_keeps_the_short_suggestion() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"tsat": "9"})
    assert "write it as e.g. '9 %'" in str(caught.value)
    assert caught.value.suggestion == "%"
