"""Odd input from real files and callers: always a LabinterpError that names the problem."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import labinterp
import labinterp._units
from labinterp import LabinterpError
from labinterp._errors import shorten

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


def test_errors_inside_a_panel_name_the_analyte_and_the_field() -> None:
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.Panel.from_mapping({"ferritin": {"value": {"a": 1}, "unit": "ng/mL"}})
    assert str(info.value).startswith("ferritin.value: ")
    assert info.value.field == "ferritin.value"


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
    # Over 600 spellings that differ only in whitespace, all within the unit length limit.
    spellings = [" " * a + "ng/mL" + "\t" * b for a in range(35) for b in range(35 - a)]
    assert len(spellings) > 600
    for spelling in spellings:
        ferritin.resolve_unit(spelling)
    assert len(ferritin._resolved) <= 512


# --- issue 6: booleans, odd numbers and arguments of the wrong kind ------------------------------


class FakeNumpyBool:
    """The shape of numpy.bool_: not a bool, convertible to float, with a dtype of kind 'b'."""

    class dtype:  # noqa: N801 - mirrors numpy's attribute name
        kind = "b"

    def __float__(self) -> float:
        return 1.0

    def __index__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True


BOOLEANS = pytest.mark.parametrize(
    "flag",
    [True, np.True_, np.False_, FakeNumpyBool()],
    ids=["bool", "np_true", "np_false", "fake"],
)


@BOOLEANS
def test_a_boolean_is_not_a_result_value(flag: object) -> None:
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.Panel.from_mapping({"ferritin": {"value": flag, "unit": "ug/L"}})
    assert info.value.field == "ferritin.value"
    assert "boolean" in str(info.value)


@BOOLEANS
def test_a_boolean_is_not_an_age(flag: object) -> None:
    with pytest.raises(labinterp.PanelError) as info:
        labinterp.Panel.from_mapping({"age": flag})
    assert info.value.field == "age"


@BOOLEANS
@pytest.mark.parametrize("build", ["mapping", "json", "kwargs"])
def test_a_boolean_is_not_a_trimester(flag: object, build: str) -> None:
    data = {"pregnant": True, "trimester": flag}
    calls: dict[str, Callable[[], object]] = {
        "mapping": lambda: labinterp.Panel.from_mapping(data),
        "json": lambda: labinterp.Panel.from_json(
            json.dumps({"pregnant": True, "trimester": bool(flag)})
        ),
        "kwargs": lambda: labinterp.Panel(**data),
    }
    with pytest.raises(labinterp.PanelError) as info:
        calls[build]()
    assert info.value.field == "trimester"


@BOOLEANS
def test_a_boolean_is_not_a_lab_interval_bound(flag: object) -> None:
    ri = {"low": flag, "high": 300, "unit": "ug/L"}
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.Panel.from_mapping(
            {"ferritin": {"value": 12, "unit": "ug/L", "reference_interval": ri}}
        )
    assert info.value.field == "ferritin.reference_interval.low"


@BOOLEANS
def test_convert_refuses_booleans(flag: object) -> None:
    with pytest.raises(labinterp.InvalidValueError):
        labinterp.convert(flag, "ug/L", "ng/mL")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "number", [np.float64(12.0), np.float32(12.0), np.int64(12), np.int8(12), Decimal("12")]
)
def test_numpy_and_decimal_numbers_are_read_everywhere(number: object) -> None:
    m = labinterp.Panel.from_mapping({"ferritin": {"value": number, "unit": "ug/L"}}).ferritin
    assert m is not None
    assert m.value == 12.0
    panel = labinterp.Panel.from_mapping({"age": number, "pregnant": True, "trimester": 2})
    assert panel.age == 12.0
    assert labinterp._units.is_close(labinterp.convert(number, "ng/mL", "ug/L"), 12.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [np.complex128(12), 12j, "12", b"12", [12], None])
def test_convert_refuses_what_is_not_a_real_number(value: object) -> None:
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.convert(value, "ng/mL", "ug/L")  # type: ignore[arg-type]
    assert info.value.field == "value"


def test_a_complex_number_is_not_a_result_value() -> None:
    with pytest.raises(labinterp.InvalidValueError):
        labinterp.Panel.from_mapping({"ferritin": {"value": np.complex128(12), "unit": "ug/L"}})


@pytest.mark.parametrize("field", ["pregnant", "age", "trimester", "sex"])
def test_a_signalling_nan_in_the_context_is_refused(field: str) -> None:
    data: dict[str, Any] = {field: Decimal("sNaN")}
    if field == "trimester":
        data["pregnant"] = True
    with pytest.raises(labinterp.PanelError) as info:
        labinterp.Panel.from_mapping(data)
    assert info.value.field == field


def test_a_signalling_nan_result_is_refused() -> None:
    with pytest.raises(labinterp.InvalidValueError):
        labinterp.Panel.from_mapping({"ferritin": {"value": Decimal("sNaN"), "unit": "ug/L"}})


@pytest.mark.parametrize("text", ["1_2", "0x10", "nan", "infinity", "12 ug/L"])
def test_text_values_of_a_measurement_are_plain_numbers_only(text: str) -> None:
    # pydantic alone reads "1_2" as 12; a Measurement built directly must not.
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.Measurement(analyte="ferritin", value=text, unit="ug/L")
    assert info.value.field == "value"
    assert labinterp.Measurement(analyte="ferritin", value="12", unit="ug/L").value == 12.0


@pytest.mark.parametrize(
    ("analyte", "text"),
    [("tsat", ">200 %"), ("tsat", ">2 1"), ("rdw", ">60 %"), ("esr", "> 200 mm/h")],
)
def test_a_lower_bound_at_the_plausible_maximum_is_refused(analyte: str, text: str) -> None:
    with pytest.raises(labinterp.ImplausibleValueError) as info:
        labinterp.Panel.from_mapping({analyte: text})
    assert info.value.unit == text.rsplit(" ", 1)[1]


@pytest.mark.parametrize("text", ["<300 %", ">=250 %", "<=201 %"])
def test_a_censored_bound_outside_the_plausible_range_is_refused(text: str) -> None:
    with pytest.raises(labinterp.ImplausibleValueError):
        labinterp.Panel.from_mapping({"tsat": text})


class _BrokenAttributes:
    def __getattr__(self, name: str) -> object:
        raise RuntimeError(name)


def test_an_object_whose_attributes_fail_is_refused_as_a_value() -> None:
    with pytest.raises(labinterp.InvalidValueError):
        labinterp.Panel.from_mapping({"ferritin": {"value": _BrokenAttributes(), "unit": "ug/L"}})
    with pytest.raises(labinterp.InvalidValueError):
        labinterp.convert(_BrokenAttributes(), "ug/L", "ng/mL")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [">=200 %", ">199 %", "<200 %"])
def test_censored_values_that_leave_a_plausible_value_stand(text: str) -> None:
    assert labinterp.Panel.from_mapping({"tsat": text}).transferrin_saturation is not None


@pytest.mark.parametrize("unit", [None, ["ng/mL"], b"ng/mL", 5, ("ng/mL",)])
@pytest.mark.parametrize("analyte", [None, "ferritin"])
@pytest.mark.parametrize("side", ["from", "to"])
def test_convert_refuses_units_that_are_not_text(
    unit: object, analyte: str | None, side: str
) -> None:
    units = (unit, "ug/L") if side == "from" else ("ug/L", unit)
    with pytest.raises(labinterp.UnknownUnitError) as info:
        labinterp.convert(12, *units, analyte=analyte)
    assert "text" in str(info.value)


@pytest.mark.parametrize("bad", [None, 5, ["iron_deficiency"], b"iron_deficiency"])
def test_pattern_lookups_refuse_ids_that_are_not_text(bad: object) -> None:
    result = labinterp.interpret({"ferritin": "12 ng/mL", "age": 30})
    for lookup in (result.status, result.pattern):
        with pytest.raises(labinterp.UnknownPatternError) as info:
            lookup(bad)  # type: ignore[arg-type]
        assert info.value.field == "pattern_id"
        assert "text" in str(info.value)


@pytest.mark.parametrize("wrong", ["panel", None, "text", {"ferritin": "12 ng/mL"}])
def test_render_text_refuses_what_is_not_an_interpretation(
    wrong: str | dict[str, str] | None,
) -> None:
    arg: object = (
        labinterp.Panel.from_mapping({"ferritin": "12 ng/mL"}) if wrong == "panel" else wrong
    )
    with pytest.raises(labinterp.InvalidValueError) as info:
        labinterp.render_text(arg)  # type: ignore[arg-type]
    assert info.value.field == "interp"
    assert "Interpretation" in str(info.value)
    if wrong == "panel":
        assert "render_panel_text" in str(info.value)


# --- issue 6: messages ---------------------------------------------------------------------------


def test_a_lab_interval_in_the_wrong_dimension_names_the_interval() -> None:
    ri = {"low": 1, "high": 2, "unit": "fL"}
    with pytest.raises(labinterp.DimensionError) as info:
        labinterp.Panel.from_mapping(
            {"ferritin": {"value": 12, "unit": "ug/L", "reference_interval": ri}}
        )
    assert info.value.field == "ferritin.reference_interval.unit"
    assert str(info.value).startswith("ferritin.reference_interval.unit: ")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("12 fL", 12.0), ("12 potato", 12.0), ({"value": 7, "unit": "fL"}, 7.0)],
)
def test_unit_errors_carry_the_value(raw: object, value: float) -> None:
    with pytest.raises(labinterp.UnitError) as info:
        labinterp.Panel.from_mapping({"ferritin": raw})
    assert info.value.value == value


def test_inputs_echoed_in_messages_are_shortened() -> None:
    long_unit = "u" * 5000
    long_key = "k" * 5000
    calls: list[Callable[[], object]] = [
        lambda: labinterp.Panel.from_mapping({"ferritin": {"value": 1, "unit": long_unit}}),
        lambda: labinterp.Panel.from_mapping({long_key: "12 ug/L"}),
        lambda: labinterp.Panel.from_mapping({"ferritin": {"value": ["x" * 5000], "unit": "ug/L"}}),
        lambda: labinterp.Panel.from_mapping(
            {"ferritin": {"value": 1, "unit": "ug/L", long_key: 1}}
        ),
        lambda: labinterp.Panel.from_mapping({"sex": long_key}),
        lambda: labinterp.convert(1, "ug/L", long_unit),
        lambda: labinterp.Panel.from_json('{"a": 1, "a": 2}'.replace("a", long_key)),
    ]
    for call in calls:
        with pytest.raises(LabinterpError) as info:
            call()
        assert len(str(info.value)) < 400, str(info.value)[:200]
        assert "..." in str(info.value)


def test_shorten_keeps_short_values_and_cuts_long_ones() -> None:
    assert shorten("12 ng/mL") == "'12 ng/mL'"
    assert shorten(12.5) == "12.5"
    assert len(shorten("x" * 10_000)) <= 60
    assert len(shorten([[["x" * 1000] * 1000] * 1000])) <= 60
    assert shorten(10**5000).startswith("<int")  # past str()'s digit limit


@pytest.mark.parametrize("name", [b"ferritin", b"Ferritin", bytearray(b"ferritin"), 5])
def test_a_measurement_analyte_must_be_text(name: object) -> None:
    # Found by fuzzing (benchmarks/fuzz.py): bytes were turned into text after the name lookup, so
    # b"Ferritin" became an unknown id and a KeyError.
    with pytest.raises(LabinterpError, match="analyte"):
        labinterp.Measurement(analyte=name, value=12, unit="ng/mL")
