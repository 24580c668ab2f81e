"""The ``value`` field of a ``{"value": ..., "unit": ...}`` mapping (issue 6, wrong answers).

A value field holds a number, or a number after a comparator. Text after the number used to be
dropped silently ("12 mg/L" with unit "ug/L" was read as 12 ug/L; "12-15" as 12); now a unit
there must be the mapping's unit and anything else is refused, naming ``<analyte>.value``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labinterp import InvalidValueError, LabinterpError, Panel, UnitError
from labinterp._cli import main

JUNK_AFTER_THE_NUMBER = ["12-15", "12 000", "1_2", "12.5.3", "0x10", "12 potato", "12e", "5 <"]


def ferritin(value: object, unit: object = "ug/L", **extra: Any) -> Panel:
    return Panel.from_mapping({"ferritin": {"value": value, "unit": unit, **extra}})


@pytest.mark.parametrize("text", JUNK_AFTER_THE_NUMBER)
def test_text_after_the_number_is_refused_not_dropped(text: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        ferritin(text)
    exc = info.value
    assert exc.field == "ferritin.value"
    assert str(exc).startswith("ferritin.value: ")
    assert repr(text) in str(exc)
    assert exc.value == text


def test_a_different_unit_in_the_value_is_refused_naming_both() -> None:
    with pytest.raises(UnitError) as info:
        ferritin("12 mg/L", "ug/L")
    exc = info.value
    assert exc.field == "ferritin.value"
    assert "'mg/L'" in str(exc)
    assert "'ug/L'" in str(exc)
    assert exc.unit == "mg/L"


def test_an_equivalent_but_different_unit_is_still_refused() -> None:
    # ng/mL equals ug/L in size, but the rule is one unit, written once: the same UCUM code.
    with pytest.raises(UnitError):
        ferritin("12 ng/mL", "ug/L")


@pytest.mark.parametrize(
    ("value", "unit"), [("12 ug/L", "ug/L"), ("12 \u00b5g/l", "ug/L"), ("12ug/L", "mcg/L")]
)
def test_the_same_unit_in_the_value_is_accepted(value: str, unit: str) -> None:
    m = ferritin(value, unit).ferritin
    assert m is not None
    assert m.value == 12.0
    assert m.unit == unit


@pytest.mark.parametrize(
    ("text", "comparator", "number"),
    [
        ("12", None, 12.0),
        (" 12.5 ", None, 12.5),
        ("<5", "<", 5.0),
        ("<= 5", "<=", 5.0),
        ("\u2265200", ">=", 200.0),
        ("> 1500", ">", 1500.0),
        ("1e3", None, 1000.0),
    ],
)
def test_numbers_with_a_comparator_are_read(
    text: str, comparator: str | None, number: float
) -> None:
    m = ferritin(text).ferritin
    assert m is not None
    assert (m.comparator, m.value, m.unit) == (comparator, number, "ug/L")


def test_a_comparator_in_the_text_must_agree_with_the_comparator_field() -> None:
    with pytest.raises(InvalidValueError, match="disagree") as info:
        ferritin("<5", comparator=">")
    assert info.value.field == "ferritin.value"
    m = ferritin("<5", comparator="<").ferritin
    assert m is not None
    assert m.comparator == "<"


def test_a_unit_error_in_the_unit_field_is_still_the_units_error() -> None:
    with pytest.raises(UnitError) as info:
        ferritin("12 ug/L", "potato")
    assert "potato" in str(info.value)


@pytest.mark.parametrize("text", [*JUNK_AFTER_THE_NUMBER, "12 mg/L"])
def test_the_cli_exits_2_for_a_bad_value_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    panel = tmp_path / "panel.json"
    panel.write_text(json.dumps({"ferritin": {"value": text, "unit": "ug/L"}}), encoding="utf-8")
    code = main(["interpret", str(panel)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("labinterp: error: ferritin.value: ")
    assert "Traceback" not in err


def test_every_refusal_is_a_labinterp_error() -> None:
    for text in JUNK_AFTER_THE_NUMBER:
        with pytest.raises(LabinterpError):
            Panel.from_json(json.dumps({"ferritin": {"value": text, "unit": "ug/L"}}))
