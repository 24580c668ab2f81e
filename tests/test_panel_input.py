"""Friendlier panel input: sex spellings, missing-value words, unknown keys, interval text."""

from __future__ import annotations

from typing import Any

import pytest

import labinterp
from labinterp import InvalidValueError, Measurement, Panel, PanelError, UnknownAnalyteError


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("F", "female"),
        ("f", "female"),
        ("Female", "female"),
        ("WOMAN", "female"),
        (" woman ", "female"),
        ("M", "male"),
        ("male", "male"),
        ("Man", "male"),
    ],
)
def test_sex_spellings_are_read(written: str, read: str) -> None:
    assert Panel.from_mapping({"ferritin": "12 ng/mL", "sex": written}).sex == read
    assert Panel.from_json(f'{{"sex": "{written}"}}').sex == read
    assert Panel(sex=written).sex == read


def test_an_unreadable_sex_names_the_spellings_accepted() -> None:
    with pytest.raises(PanelError) as info:
        Panel.from_mapping({"sex": "x"})
    assert info.value.field == "sex"
    assert "female" in str(info.value)
    assert "woman" in str(info.value)


@pytest.mark.parametrize("blank", ["", "  ", "N/A", "n/a", "NA", "-", "unknown", "Not done"])
def test_a_missing_result_word_suggests_null(blank: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Panel.from_mapping({"ferritin": blank})
    assert info.value.field == "ferritin"
    assert info.value.suggestion == "null"
    assert "null" in str(info.value)


def test_a_missing_word_as_a_mappings_value_suggests_null() -> None:
    with pytest.raises(InvalidValueError) as info:
        Panel.from_mapping({"ferritin": {"value": "N/A", "unit": "ng/mL"}})
    assert info.value.field == "ferritin.value"
    assert info.value.suggestion == "null"


@pytest.mark.parametrize("field", ["sex", "age", "pregnant", "trimester"])
@pytest.mark.parametrize("blank", ["", "N/A", "unknown"])
def test_a_missing_context_word_suggests_null(field: str, blank: str) -> None:
    with pytest.raises(PanelError) as info:
        Panel.from_mapping({field: blank})
    assert info.value.field == field
    assert "null" in str(info.value)


def test_null_is_still_accepted_for_results_and_context() -> None:
    panel = Panel.from_json('{"ferritin": null, "sex": null, "age": null}')
    assert panel.ferritin is None
    assert panel.sex is None


def test_unknown_keys_are_refused_by_default_with_a_hint_to_ignore_them() -> None:
    with pytest.raises(UnknownAnalyteError) as info:
        Panel.from_mapping({"patient_id": "A17", "ferritin": "12 ng/mL"})
    assert "ignore_unknown=True" in str(info.value)


def test_ignore_unknown_keeps_going_and_lists_what_it_left_out() -> None:
    data = {"patient_id": "A17", "ferritin": "12 ng/mL", "sample_date": "2024-01-02", "sex": "F"}
    panel = Panel.from_mapping(data, ignore_unknown=True)
    assert panel.ferritin is not None
    assert panel.sex == "female"
    assert Panel.unknown_keys(data) == ("patient_id", "sample_date")
    json_panel = Panel.from_json('{"patient_id": 3, "tsat": "9 %"}', ignore_unknown=True)
    assert json_panel.transferrin_saturation is not None


def test_ignore_unknown_still_refuses_bad_values_of_known_keys() -> None:
    with pytest.raises(InvalidValueError):
        Panel.from_mapping({"patient_id": 1, "ferritin": "twelve"}, ignore_unknown=True)


def test_a_duplicate_names_both_spellings_given() -> None:
    with pytest.raises(PanelError) as info:
        Panel.from_mapping({"ferritin": "12 ng/mL", "ferr": "13 ng/mL"})
    message = str(info.value)
    assert "'ferritin'" in message
    assert "'ferr'" in message
    assert info.value.value == ("ferritin", "ferr")


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("gender", "sex"),
        ("Gender", "sex"),
        ("pregnancy", "pregnant"),
        ("weeks", "trimester"),
        ("gestational_age", "trimester"),
        ("date_of_birth", "age"),
        ("diagnoses", "conditions"),
        ("meds", "medications"),
    ],
)
def test_a_context_word_gets_a_context_suggestion_not_an_analyte(key: str, field: str) -> None:
    with pytest.raises(UnknownAnalyteError) as info:
        Panel.from_mapping({key: "x"})
    assert info.value.suggestion == field
    assert "not a lab result" in str(info.value)
    analytes = [a for a in labinterp.ANALYTES if a != field]
    assert not any(f"'{a}'" in str(info.value) for a in analytes)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("15-150 ng/mL", 15.0, 150.0, "ng/mL"),
        ("15 - 150 ng/mL", 15.0, 150.0, "ng/mL"),
        ("15\u2013150 ug/L", 15.0, 150.0, "ug/L"),
        ("15 to 150 ng/mL", 15.0, 150.0, "ng/mL"),
        ("<150 ng/mL", None, 150.0, "ng/mL"),
        (">=15 ng/mL", 15.0, None, "ng/mL"),
    ],
)
def test_reference_interval_as_text(
    text: str, low: float | None, high: float | None, unit: str
) -> None:
    data: dict[str, Any] = {"ferritin": {"value": 12, "unit": "ng/mL", "reference_interval": text}}
    m = Panel.from_mapping(data).ferritin
    assert m is not None
    assert m.reference_interval is not None
    assert (m.reference_interval.low, m.reference_interval.high) == (low, high)
    assert m.reference_interval.unit == unit


@pytest.mark.parametrize("text", ["15-150", "abc", "150-15 ng/mL", "15-150 apples", "x" * 500])
def test_bad_reference_interval_text_is_a_typed_error(text: str) -> None:
    data = {"ferritin": {"value": 12, "unit": "ng/mL", "reference_interval": text}}
    with pytest.raises(labinterp.LabinterpError) as info:
        Panel.from_mapping(data)
    assert info.value.field is not None
    assert info.value.field.startswith("ferritin.reference_interval")
    assert len(str(info.value)) < 400  # long input is shortened, not echoed


def test_the_documented_typed_constructions() -> None:
    # These forms type-check under mypy --strict (this file is part of the mypy run).
    by_mapping = Panel.from_mapping({"ferritin": "12 ng/mL", "tsat": "9 %", "sex": "female"})
    by_ids = Panel(ferritin="12 ng/mL", transferrin_saturation="9 %", sex="female")
    assert by_ids == by_mapping
    by_measurement = Panel(
        ferritin=Measurement.parse("ferritin", "12 ng/mL"),
        transferrin_saturation=Measurement.parse("tsat", "9 %"),
        sex="female",
    )
    assert by_mapping == by_measurement
