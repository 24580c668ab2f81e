"""Odd input from real files and callers: always a LabinterpError that names the problem."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest

import labinterp
from labinterp import LabinterpError

BAD_CALLS: dict[str, Callable[[], object]] = {
    "footnote mark after the value": lambda: labinterp.Panel.from_mapping(
        {"ferritin": "12\u00b9 ng/mL"}
    ),
    "non-ASCII digits": lambda: labinterp.Panel.from_mapping({"ferritin": "\u0661\u0662 ng/mL"}),
    "JSON that is not text": lambda: labinterp.Panel.from_json(None),  # type: ignore[arg-type]
    "an integer past the digit limit": lambda: labinterp.Panel.from_json(
        '{"age": ' + "1" * 5000 + "}"
    ),
    "JSON nested past the recursion limit": lambda: labinterp.Panel.from_json("[" * 100_000),
    "a value too large for a float": lambda: labinterp.convert(10**400, "ng/mL", "ug/L"),
    "a conversion that overflows": lambda: labinterp.convert(1e308, "g/mL", "pg/mL"),
    "an analyte that is not text": lambda: labinterp.convert(
        1,
        "ng/mL",
        "ug/L",
        analyte=[],  # type: ignore[arg-type]
    ),
    "a pack that is a number": lambda: labinterp.interpret(
        {"ferritin": "1 ug/L"},
        pack=5,  # type: ignore[arg-type]
    ),
    "an empty pack name": lambda: labinterp.interpret({"ferritin": "1 ug/L"}, pack=""),
    "a boolean result": lambda: labinterp.Panel.from_mapping(
        {"ferritin": {"value": True, "unit": "ng/mL"}}
    ),
    "a boolean trimester": lambda: labinterp.Panel.from_mapping(
        {"pregnant": True, "trimester": True}
    ),
    "a result that is a mapping": lambda: labinterp.Panel.from_mapping(
        {"ferritin": {"value": {"a": 1}, "unit": "ng/mL"}}
    ),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=list(BAD_CALLS))
def test_bad_input_raises_a_labinterp_error(call: Callable[[], object]) -> None:
    with pytest.raises(LabinterpError) as info:
        call()
    assert str(info.value)


def test_errors_inside_a_panel_name_the_analyte() -> None:
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.Panel.from_mapping({"ferritin": {"value": {"a": 1}, "unit": "ng/mL"}})
    assert str(info.value).startswith("ferritin:")


def test_a_bad_lab_interval_bound_is_named_as_such() -> None:
    ri = {"low": -5, "high": 300, "unit": "ng/mL"}
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.Panel.from_mapping(
            {"ferritin": {"value": 12, "unit": "ng/mL", "reference_interval": ri}}
        )
    assert info.value.field == "ferritin.reference_interval.low"
    assert "reference_interval.low" in str(info.value)


def test_unrelated_units_are_not_suggested() -> None:
    with pytest.raises(labinterp.UnknownUnitError) as info:
        labinterp.Panel.from_mapping({"iron": "12 mEq/L"})
    assert info.value.suggestion is None  # "mg/L" would change the meaning


@pytest.mark.parametrize(
    ("analyte", "text"),
    [("b12", "1234567 pmol/L"), ("mcv", "80.0000049 fL"), ("ferritin", "12 ng/mL")],
)
def test_as_given_keeps_every_digit(analyte: str, text: str) -> None:
    assert labinterp.Measurement.parse(analyte, text).as_given == text


def test_interpretations_pickle_and_compare_equal() -> None:
    result = labinterp.interpret({"ferritin": "12 ng/mL", "tsat": "9 %", "age": 30})
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result
    assert copy.to_json() == result.to_json()


def test_unknown_pattern_ids_get_a_suggestion() -> None:
    result = labinterp.interpret({"ferritin": "12 ng/mL", "age": 30})
    with pytest.raises(labinterp.UnknownPatternError) as info:
        result.status("iron_deficency")
    assert info.value.suggestion == "iron_deficiency"
    assert isinstance(info.value, KeyError)
    with pytest.raises(labinterp.UnknownPatternError):
        result.pattern("nope")


def test_flags_are_found_by_alias() -> None:
    result = labinterp.interpret({"hb": "10 g/dL", "sex": "male", "age": 30})
    by_alias = result.flag("hb")
    assert by_alias is not None
    assert by_alias is result.flag("hemoglobin")


def test_a_pack_built_directly_is_checked_before_use() -> None:
    data: dict[str, Any] = labinterp.default_pack().model_dump(mode="json", by_alias=True)
    data["patterns"]["iron_deficiency"]["criteria"] = {"threshold": "no_such_threshold"}
    with pytest.raises(labinterp.PackError, match="no_such_threshold"):
        labinterp.Pack.model_validate(data)
    broken = labinterp.Pack(**data)  # the constructor skips the cross-reference checks...
    with pytest.raises(labinterp.PackError, match="no_such_threshold"):
        labinterp.interpret({"ferritin": "12 ng/mL"}, pack=broken)  # ...interpret does not


def test_pack_model_validate_raises_a_pack_error() -> None:
    with pytest.raises(labinterp.PackError, match="name: Field required"):
        labinterp.Pack.model_validate({})


def test_the_unit_cache_stays_bounded() -> None:
    ferritin = labinterp.ANALYTES["ferritin"]
    for n in range(2000):
        ferritin.resolve_unit("ng/mL" + " " * n)
    assert len(ferritin._resolved) <= 512
