"""Measurements and panels (labinterp._panel)."""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from labinterp import (
    ANALYTES,
    DimensionError,
    ImplausibleValueError,
    InvalidValueError,
    LabinterpError,
    Measurement,
    MissingMolarMassError,
    Panel,
    PanelError,
    ReferenceInterval,
    UnknownAnalyteError,
    UnknownUnitError,
    convert,
)
from labinterp._analytes import resolve_analyte_id
from labinterp._units import is_close

ISSUE_EXAMPLE: dict[str, Any] = {
    "ferritin": "12 ng/mL",
    "tsat": "9 %",
    "b12": {"value": 180, "unit": "pg/mL"},
    "hemoglobin": "<7 g/dL",
    "sex": "female",
    "age": 34,
    "pregnant": False,
}

CONTEXT = ("sex", "age", "pregnant", "trimester")
REPORTED = ("conditions", "medications", "symptoms", "diet")

Build = Callable[[Mapping[str, Any]], Panel]


def _from_mapping(data: Mapping[str, Any]) -> Panel:
    return Panel.from_mapping(data)


def _from_kwargs(data: Mapping[str, Any]) -> Panel:
    return Panel(**data)


def _from_json(data: Mapping[str, Any]) -> Panel:
    return Panel.from_json(json.dumps(data))


# Every way to build a panel from a mapping must behave the same.
BUILDERS = pytest.mark.parametrize(
    "build", [_from_mapping, _from_kwargs, _from_json], ids=["from_mapping", "kwargs", "json"]
)


# --- the issue's example -----------------------------------------------------------------------


def test_issue_example_builds_with_canonical_values() -> None:
    panel = Panel.from_mapping(ISSUE_EXAMPLE)
    assert panel.ferritin is not None
    assert panel.ferritin.canonical_unit == "ug/L"
    assert is_close(panel.ferritin.canonical_value, 12.0)
    assert panel.ferritin.value == 12.0
    assert panel.ferritin.unit == "ng/mL"
    assert panel.ferritin.comparator is None

    assert panel.transferrin_saturation is not None
    assert panel.transferrin_saturation.canonical_value == pytest.approx(9.0)
    assert panel.transferrin_saturation.canonical_unit == "%"

    assert panel.vitamin_b12 is not None
    assert panel.vitamin_b12.canonical_unit == "pmol/L"
    assert panel.vitamin_b12.canonical_value == pytest.approx(132.8, abs=0.05)
    assert panel.vitamin_b12.canonical_value == pytest.approx(180 * 1000 / 1355.37, rel=1e-9)

    assert panel.hemoglobin is not None
    assert panel.hemoglobin.comparator == "<"
    assert panel.hemoglobin.is_censored
    assert panel.hemoglobin.canonical_value == pytest.approx(7.0)
    assert panel.hemoglobin.canonical_unit == "g/dL"

    assert (panel.sex, panel.age, panel.pregnant, panel.trimester) == ("female", 34.0, False, None)
    assert panel.iron is None
    assert list(panel.measurements) == [
        "ferritin",
        "transferrin_saturation",
        "hemoglobin",
        "vitamin_b12",
    ]
    assert panel.canonical_values() == pytest.approx(
        {
            "ferritin": 12.0,
            "transferrin_saturation": 9.0,
            "hemoglobin": 7.0,
            "vitamin_b12": 132.805,
        },
        rel=1e-5,
    )


def test_keyword_construction_equals_from_mapping() -> None:
    assert Panel(**ISSUE_EXAMPLE) == Panel.from_mapping(ISSUE_EXAMPLE)


def test_from_json_equals_from_mapping() -> None:
    text = json.dumps(ISSUE_EXAMPLE)
    assert Panel.from_json(text) == Panel.from_mapping(ISSUE_EXAMPLE)
    assert Panel.from_json(text.encode("utf-8")) == Panel.from_mapping(ISSUE_EXAMPLE)


def test_model_dump_and_validate_round_trip() -> None:
    panel = Panel.from_mapping(ISSUE_EXAMPLE)
    assert Panel.model_validate(panel.model_dump()) == panel
    assert Panel.model_validate(panel.model_dump(exclude_none=True)) == panel


def test_json_round_trips() -> None:
    panel = Panel.from_mapping(ISSUE_EXAMPLE)
    text = panel.model_dump_json()
    assert Panel.model_validate_json(text) == panel
    assert Panel.from_json(text) == panel
    assert json.loads(text)["vitamin_b12"]["canonical_unit"] == "pmol/L"


def test_round_trip_keeps_a_reference_interval() -> None:
    panel = Panel.from_mapping(
        {
            "ferritin": {
                "value": 12,
                "unit": "ng/mL",
                "reference_interval": {"low": 30, "high": 400, "unit": "ng/mL"},
            }
        }
    )
    again = Panel.model_validate_json(panel.model_dump_json())
    assert again == panel
    assert again.ferritin is not None
    assert again.ferritin.canonical_reference_interval == pytest.approx((30.0, 400.0))


def test_bundled_example_panel_builds() -> None:
    path = Path(__file__).parent.parent / "examples" / "iron_deficiency_panel.json"
    panel = Panel.from_json(path.read_text(encoding="utf-8"))
    assert panel.iron is not None
    assert panel.iron.canonical_value == pytest.approx(35 * 10 / 55.845, rel=1e-9)
    assert panel.esr is not None
    assert panel.esr.canonical_unit == "mm/h"
    assert panel.reticulocytes is not None


def test_panel_fields_are_the_catalog_plus_context() -> None:
    measured = {a.id for a in ANALYTES.values() if a.derived is None}
    assert set(Panel.model_fields) == measured | set(CONTEXT) | set(REPORTED)


def test_get_accepts_ids_and_aliases() -> None:
    panel = Panel.from_mapping(ISSUE_EXAMPLE)
    assert panel.get("hb") is panel.hemoglobin
    assert panel.get("B12") is panel.vitamin_b12
    assert panel.get("iron") is None
    with pytest.raises(UnknownAnalyteError):
        panel.get("ferritn")


def test_panel_and_measurement_are_frozen() -> None:
    panel = Panel.from_mapping(ISSUE_EXAMPLE)
    with pytest.raises(ValidationError, match="frozen"):
        panel.age = 40  # type: ignore[misc]
    assert panel.age == 34.0
    assert panel.ferritin is not None
    with pytest.raises(ValidationError, match="frozen"):
        panel.ferritin.value = 99.0  # type: ignore[misc]
    assert panel.ferritin.value == 12.0


def test_empty_panel_is_valid() -> None:
    panel = Panel.from_mapping({})
    assert panel.measurements == {}
    assert panel == Panel()


def test_reticulocyte_count_builds_in_count_units() -> None:
    panel = Panel.from_mapping({"retic_abs": "50 G/L", "retic": "1.2 %"})
    assert panel.reticulocytes_absolute is not None
    assert panel.reticulocytes_absolute.canonical_unit == "10*9/L"
    assert panel.reticulocytes_absolute.canonical_value == pytest.approx(50.0)


# --- structure and context errors --------------------------------------------------------------


@BUILDERS
def test_duplicate_analyte_via_alias_is_refused(build: Build) -> None:
    with pytest.raises(PanelError) as info:
        build({"ferritin": "12 ug/L", "ferr": "13 ug/L"})
    assert info.value.field == "ferritin"
    assert "twice" in str(info.value)


@BUILDERS
def test_pregnant_male_is_refused(build: Build) -> None:
    with pytest.raises(PanelError) as info:
        build({"sex": "male", "pregnant": True})
    assert info.value.field == "pregnant"


@pytest.mark.parametrize("pregnant", [None, False])
@BUILDERS
def test_trimester_without_pregnant_is_refused(build: Build, pregnant: bool | None) -> None:
    data: dict[str, Any] = {"trimester": 2}
    if pregnant is not None:
        data["pregnant"] = pregnant
    with pytest.raises(PanelError) as info:
        build(data)
    assert info.value.field == "trimester"
    assert "pregnant" in str(info.value)


@BUILDERS
def test_pregnant_with_trimester_is_accepted(build: Build) -> None:
    panel = build({"sex": "female", "pregnant": True, "trimester": 3})
    assert (panel.pregnant, panel.trimester) == (True, 3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # F, Female and woman are read as female (tests/test_panel_input.py); these are not.
        ("sex", "x"),
        ("sex", "other"),
        ("sex", ""),
        ("sex", 1),
        ("age", -1),
        ("age", 131),
        ("age", "old"),
        ("age", True),  # a boolean is not an age (measurement values refuse booleans too)
        ("trimester", 4),
        ("trimester", 0),
    ],
)
@BUILDERS
def test_bad_context_names_the_field(build: Build, field: str, value: object) -> None:
    data: dict[str, Any] = {field: value}
    if field == "trimester":
        data["pregnant"] = True
    with pytest.raises(PanelError) as info:
        build(data)
    exc = info.value
    assert isinstance(exc, LabinterpError)
    assert isinstance(exc, ValueError)
    assert exc.field == field
    assert field in str(exc)


@pytest.mark.parametrize("value", [math.nan, math.inf])
@pytest.mark.parametrize("build", [_from_mapping, _from_kwargs], ids=["from_mapping", "kwargs"])
def test_non_finite_age_is_refused(build: Build, value: float) -> None:
    with pytest.raises(PanelError) as info:
        build({"age": value})
    assert info.value.field == "age"


def test_unknown_key_suggests_an_analyte_or_a_context_field() -> None:
    with pytest.raises(UnknownAnalyteError) as analyte:
        Panel.from_mapping({"ferritn": "12 ug/L"})
    assert analyte.value.suggestion == "ferritin"
    with pytest.raises(UnknownAnalyteError) as context:
        Panel.from_mapping({"sexx": "female"})
    assert context.value.suggestion == "sex"


@pytest.mark.parametrize("data", [[("ferritin", "12 ug/L")], "ferritin", None, 5])
def test_from_mapping_refuses_non_mappings(data: object) -> None:
    with pytest.raises(PanelError):
        Panel.from_mapping(data)  # type: ignore[arg-type]


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(PanelError):
        Panel.from_mapping({1: "12 ug/L"})  # type: ignore[dict-item]


@pytest.mark.parametrize("text", ["{bad", "[1, 2]", "null", "", b"\xff\xfe\xfa"])
def test_from_json_refuses_bad_documents(text: str | bytes) -> None:
    with pytest.raises(PanelError):
        Panel.from_json(text)


def test_measurement_for_another_analyte_is_refused() -> None:
    iron = Measurement.parse("iron", "10 umol/L")
    with pytest.raises(PanelError):
        Panel.from_mapping({"ferritin": iron})
    with pytest.raises(PanelError):
        Panel.from_mapping({"ferritin": {"analyte": "iron", "value": 5, "unit": "ug/L"}})


def test_measurement_objects_are_accepted_as_values() -> None:
    ferritin = Measurement.parse("ferr", "12 ng/mL")
    assert Panel.from_mapping({"ferritin": ferritin}).ferritin is ferritin
    assert Panel(ferritin=ferritin) == Panel.from_mapping({"ferritin": "12 ng/mL"})


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("analyte_id", sorted(a.id for a in ANALYTES.values() if not a.derived))
@pytest.mark.parametrize("raw", [12, 12.5, "12"])
def test_numbers_without_a_unit_suggest_the_canonical_unit(
    analyte_id: str, raw: float | str
) -> None:
    canonical = ANALYTES[analyte_id].canonical_unit
    with pytest.raises(InvalidValueError) as info:
        Panel.from_mapping({analyte_id: raw})
    exc = info.value
    assert exc.suggestion == canonical
    assert exc.field == analyte_id
    assert canonical in str(exc)
    assert "never assumes a unit" in str(exc)


@pytest.mark.parametrize(
    "raw", ["12,5 ng/mL", "<12,5 ng/mL", "1,000 ng/mL", {"value": "12,5", "unit": "ng/mL"}]
)
def test_comma_decimals_are_refused_with_a_hint(raw: object) -> None:
    with pytest.raises(InvalidValueError, match="decimal separator") as info:
        Panel.from_mapping({"ferritin": raw})
    # A value field's error names the field itself; report text names the analyte.
    assert info.value.field == ("ferritin.value" if isinstance(raw, dict) else "ferritin")


def test_comma_decimal_refused_by_parse_too() -> None:
    with pytest.raises(InvalidValueError, match="decimal separator"):
        Measurement.parse("ferritin", "12,5 ng/mL")


@pytest.mark.parametrize(
    ("text", "comparator", "value"),
    [
        ("12 ng/mL", None, 12.0),
        ("<5 ug/L", "<", 5.0),
        ("< 5 ug/L", "<", 5.0),
        ("<=5 ug/L", "<=", 5.0),
        (">5 ug/L", ">", 5.0),
        (">=5 ug/L", ">=", 5.0),
        ("\u22645 ug/L", "<=", 5.0),
        ("\u22655 ug/L", ">=", 5.0),
        ("  >= 1500.5 ng/ml  ", ">=", 1500.5),
        (".5 ug/L", None, 0.5),
        ("5e2 ug/L", None, 500.0),
        ("12ng/mL", None, 12.0),
    ],
)
def test_measurement_parse_with_comparators(
    text: str, comparator: str | None, value: float
) -> None:
    m = Measurement.parse("ferritin", text)
    assert m.comparator == comparator
    assert m.value == value
    assert m.is_censored is (comparator is not None)
    assert m.canonical_value == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "ug/L", "<", "=5 ug/L", "five ug/L", "5 < ug/L ??"])
def test_unreadable_text_is_refused(text: str) -> None:
    with pytest.raises(LabinterpError):
        Measurement.parse("ferritin", text)


def test_parse_resolves_aliases_and_rejects_unknown_analytes() -> None:
    assert Measurement.parse("Hb", "7 g/dL").analyte == "hemoglobin"
    with pytest.raises(UnknownAnalyteError):
        Measurement.parse("ferritn", "12 ug/L")


def test_measurement_constructor_equals_parse() -> None:
    built = Measurement(analyte="b12", value=180, unit="pg/mL")
    assert built.analyte == "vitamin_b12"
    assert built == Measurement.parse("b12", "180 pg/mL")


@pytest.mark.parametrize(
    ("analyte", "raw", "error"),
    [
        ("ferritin", "-5 ug/L", InvalidValueError),
        ("ferritin", {"value": math.nan, "unit": "ug/L"}, InvalidValueError),
        ("ferritin", {"value": math.inf, "unit": "ug/L"}, InvalidValueError),
        ("ferritin", "1e400 ug/L", InvalidValueError),
        ("ferritin", "12 fL", DimensionError),
        ("ferritin", "12 ug", UnknownUnitError),
        ("hemoglobin", "120 g/dL", ImplausibleValueError),
        ("transferrin", "30 umol/L", DimensionError),
        ("ferritin", {"value": 5}, InvalidValueError),
        ("ferritin", {"value": 5, "unit": "ug/L", "colour": "red"}, InvalidValueError),
        ("ferritin", {"value": [5], "unit": "ug/L"}, InvalidValueError),
        ("ferritin", {"value": 5, "unit": "ug/L", "comparator": "~"}, InvalidValueError),
        ("ferritin", b"12 ug/L", InvalidValueError),
        ("ferritin", True, InvalidValueError),
    ],
)
def test_bad_values_raise_typed_errors(
    analyte: str, raw: object, error: type[LabinterpError]
) -> None:
    with pytest.raises(error) as info:
        Panel.from_mapping({analyte: raw})
    assert not isinstance(info.value, ValidationError)


def test_implausible_hemoglobin_in_a_panel_suggests_g_per_l() -> None:
    with pytest.raises(ImplausibleValueError) as info:
        Panel.from_mapping({"hb": "120 g/dL"})
    assert info.value.suggestion == "g/L"
    assert info.value.field == "hemoglobin"


# --- reference intervals and canonical values --------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "interval", "expected"),
    [
        ("ferritin", 12, "ng/mL", {"low": 30, "high": 400, "unit": "ng/mL"}, (30.0, 400.0)),
        ("hb", 7, "g/dL", {"low": 120, "high": 160, "unit": "g/L"}, (12.0, 16.0)),
        (
            "b12",
            180,
            "pg/mL",
            {"low": 200, "high": 900, "unit": "pg/mL"},
            (200 * 1000 / 1355.37, 900 * 1000 / 1355.37),
        ),
        ("iron", 6, "umol/L", {"low": 50, "unit": "ug/dL"}, (50 * 10 / 55.845, None)),
        ("crp", 2, "mg/L", {"high": 0.5, "unit": "mg/dL"}, (None, 5.0)),
    ],
)
def test_reference_interval_is_converted_to_canonical(
    analyte: str,
    value: float,
    unit: str,
    interval: dict[str, Any],
    expected: tuple[float | None, float | None],
) -> None:
    m = Measurement(analyte=analyte, value=value, unit=unit, reference_interval=interval)
    assert m.reference_interval == ReferenceInterval(**interval)  # kept as the lab gave it
    got = m.canonical_reference_interval
    assert got is not None
    for g, e in zip(got, expected, strict=True):
        if e is None:
            assert g is None
        else:
            assert g == pytest.approx(e, rel=1e-9)


def test_measurement_without_interval_has_none() -> None:
    assert Measurement.parse("ferritin", "12 ug/L").canonical_reference_interval is None


@pytest.mark.parametrize(
    "interval",
    [
        {"low": 400, "high": 30, "unit": "ug/L"},
        {"unit": "ug/L"},
        {"low": -1, "unit": "ug/L"},
        {"low": 30, "unit": "fL"},
        {"low": "x", "unit": "ug/L"},
    ],
)
def test_bad_reference_intervals_are_refused(interval: dict[str, Any]) -> None:
    with pytest.raises(LabinterpError):
        Measurement(analyte="ferritin", value=12, unit="ug/L", reference_interval=interval)


def test_given_canonical_value_must_agree() -> None:
    ok = Measurement(analyte="ferritin", value=12, unit="ng/mL", canonical_value=12.0)
    assert ok.canonical_value == pytest.approx(12.0)
    for wrong in (13.0, math.nan, math.inf):
        with pytest.raises(InvalidValueError) as info:
            Measurement(analyte="ferritin", value=12, unit="ng/mL", canonical_value=wrong)
        assert info.value.field == "ferritin.canonical_value"
    with pytest.raises(InvalidValueError) as unit_info:
        Measurement(analyte="ferritin", value=12, unit="ng/mL", canonical_unit="ng/mL")
    assert unit_info.value.field == "ferritin.canonical_unit"


def test_given_canonical_value_that_disagrees_is_refused_in_a_panel() -> None:
    with pytest.raises(InvalidValueError):
        Panel.from_mapping({"b12": {"value": 180, "unit": "pg/mL", "canonical_value": 180.0}})


@pytest.mark.parametrize(
    ("comparator", "expected"),
    [
        (None, (132.805, True, 132.805, True)),
        ("<", (0.0, True, 132.805, False)),
        ("<=", (0.0, True, 132.805, True)),
        (">", (132.805, False, math.inf, False)),
        (">=", (132.805, True, math.inf, False)),
    ],
)
def test_canonical_interval_follows_the_comparator(
    comparator: str | None, expected: tuple[float, bool, float, bool]
) -> None:
    parsed = Measurement.parse("b12", f"{comparator or ''}180 pg/mL")
    built = Measurement(analyte="b12", value=180, unit="pg/mL", comparator=comparator)
    from_panel = Panel.from_mapping({"b12": f"{comparator or ''}180 pg/mL"}).vitamin_b12
    assert from_panel is not None
    for m in (parsed, built, from_panel):
        low, low_inclusive, high, high_inclusive = m.canonical_interval
        assert (low_inclusive, high_inclusive) == expected[1::2]
        assert low == pytest.approx(expected[0], rel=1e-5)
        assert high == pytest.approx(expected[2], rel=1e-5)
        assert m.as_given == f"{comparator or ''}180 pg/mL"


def test_measurement_str() -> None:
    assert str(Measurement.parse("hb", "<7 g/dL")) == "hemoglobin <7 g/dL"


# --- errors cross process boundaries -----------------------------------------------------------


def _raised(build: Callable[[], object]) -> LabinterpError:
    with pytest.raises(LabinterpError) as info:
        build()
    return info.value


ERROR_CASES: dict[str, Callable[[], object]] = {
    "unknown analyte": lambda: resolve_analyte_id("ferritn"),
    "panel context": lambda: Panel.from_mapping({"trimester": 2}),
    "no unit": lambda: Panel.from_mapping({"ferritin": 12}),
    "implausible": lambda: Panel.from_mapping({"hb": "120 g/dL"}),
    "dimension": lambda: Panel.from_mapping({"rdw": "45 fL"}),
    "unknown unit": lambda: Panel.from_mapping({"ferritin": "12 furlongs"}),
    "missing molar mass": lambda: convert(1, "pg/mL", "pmol/L"),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_survive_pickling(name: str) -> None:
    exc = _raised(ERROR_CASES[name])
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc)
    assert str(again) == str(exc)
    assert again.args == exc.args
    for attr in ("field", "value", "unit", "expected", "suggestion"):
        assert getattr(again, attr) == getattr(exc, attr), attr


def test_pickled_errors_keep_field_and_suggestion() -> None:
    exc = _raised(ERROR_CASES["no unit"])
    again = pickle.loads(pickle.dumps(exc))
    assert (again.field, again.suggestion) == ("ferritin", "ug/L")
    assert isinstance(again, InvalidValueError)
    exc = _raised(ERROR_CASES["missing molar mass"])
    assert isinstance(pickle.loads(pickle.dumps(exc)), MissingMolarMassError)


def test_panels_survive_pickling() -> None:
    panel = Panel.from_mapping(ISSUE_EXAMPLE)
    assert pickle.loads(pickle.dumps(panel)) == panel


# from_mapping validates everyday context by hand (a fast path) and anything else through
# pydantic; both routes must agree with the model's own validation.
_CONTEXT_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "sex": st.sampled_from(["female", "male", "F", "", None, 1]),
        "age": st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-5, 140),
            st.floats(allow_nan=True, allow_infinity=True),
            st.just("34"),
        ),
        "pregnant": st.sampled_from([True, False, None, 0, 1, "yes"]),
        "trimester": st.sampled_from([1, 2, 3, 0, 4, None, 2.0, True]),
    },
)


@given(_CONTEXT_VALUES)
def test_context_fast_path_agrees_with_pydantic(context: dict[str, Any]) -> None:
    try:
        expected: Panel | type[LabinterpError] = Panel(ferritin="12 ug/L", **context)
    except LabinterpError as exc:
        expected = type(exc)
    try:
        got: Panel | type[LabinterpError] = Panel.from_mapping({"ferritin": "12 ug/L", **context})
    except LabinterpError as exc:
        got = type(exc)
    assert got == expected


def test_model_copy_with_an_update_is_validated_again() -> None:
    m = Measurement.parse("ferritin", "12 ng/mL")
    assert m.model_copy(update={"value": 40}).canonical_value == 40
    with pytest.raises(InvalidValueError):
        m.model_copy(update={"value": -1})
    panel = Panel.from_mapping({"ferritin": "12 ng/mL", "sex": "female"})
    with pytest.raises(PanelError):
        panel.model_copy(update={"pregnant": True, "sex": "male"})


def test_a_reference_interval_needs_a_known_unit() -> None:
    with pytest.raises(UnknownUnitError):
        ReferenceInterval(low=1, high=2, unit="banana")
