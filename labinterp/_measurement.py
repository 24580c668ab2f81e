"""Typed, validated measurements: one result as the report gave it and in canonical units.

A :class:`Measurement` keeps the value *as the report gave it* (value, unit, comparator) and
the value in the analyte's canonical unit, computed once when it is built. It is a frozen
pydantic model whose problems surface as :class:`LabinterpError` subclasses, not as pydantic's
``ValidationError``, so callers catch one family of errors. ``_panel`` builds panels of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from labinterp._analytes import ANALYTES, Analyte, ResolvedUnit, resolve_analyte_id
from labinterp._errors import InvalidValueError, LabinterpError, PanelError, UnitError, shorten
from labinterp._panel_input import is_missing_word, missing_value_error, parse_interval_text
from labinterp._report_text import (
    Comparator,
    parse_measurement_text,
    parse_plain_number,
    parse_value_field,
    unitless_error,
)
from labinterp._units import is_boolean, is_close, normalize_unit, real_number

__all__ = [
    "Comparator",
    "FrozenModel",
    "Measurement",
    "ReferenceInterval",
    "derived_given",
    "fast_construct",
    "measurement_from",
    "parse_measurement_text",
    "real_input",
    "refuse_derived",
]

_M = TypeVar("_M", bound=BaseModel)


def real_input(value: Any) -> Any:
    """A number field's input as a float, before pydantic sees it.

    pydantic alone would read True (and numpy's True) as 1, "1_2" as 12 and a complex number
    as its real part. Here a number is a real number (int, float, Decimal, numpy's ints and
    floats) or text that is one plain number; ``None`` is left to the field's own type.
    """
    if value is None or type(value) is float:
        return value
    if is_boolean(value):
        raise ValueError("expected a number, not a boolean")
    number = parse_plain_number(value) if isinstance(value, str) else real_number(value)
    if number is None:
        raise ValueError("expected a number")
    return number


def _input_words(raw: object) -> str:
    """A refused input as panel documents (JSON) write it: true and false, not True and False."""
    if is_boolean(raw):
        return "true" if raw else "false"
    return shorten(raw)


def _number(value: float) -> str:
    """A value as a reader wrote it: 12, 12.5, 0.15, 1234567 (no exponent, no '.0')."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _unwrap(exc: ValidationError, model: type[FrozenModel]) -> LabinterpError:
    """Turn pydantic's error into the LabinterpError that caused it, or a typed summary."""
    for err in exc.errors():
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, LabinterpError):
            return original
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if msg[1:2].islower():  # "Input should be" -> "input should be", but keep "JSON ..."
        msg = msg[0].lower() + msg[1:]
    name = model._model_name or model.__name__
    path = where if where and model._bare_field_paths else (f"{name}.{where}" if where else name)
    return model._error_type(
        f"{path}: {msg} (got {shorten(err.get('input'))})",
        field=path if model._name_is_a_field else where,
        value=err.get("input"),
        expected=msg,
    )


class FrozenModel(BaseModel):
    """Frozen model whose constructors raise LabinterpError subclasses."""

    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    _error_type: ClassVar[type[LabinterpError]] = InvalidValueError
    _model_name: ClassVar[str | None] = None  # the name errors use; defaults to the class
    # True when the model is a field of its parent (reference_interval): errors name the path.
    _name_is_a_field: ClassVar[bool] = False
    # True when messages name a field alone ("age: ..."), as every panel message does.
    _bare_field_paths: ClassVar[bool] = False
    _derived: ClassVar[tuple[str, ...]] = ()  # fields computed from the others

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _unwrap(exc, type(self)) from None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, validated again like a new model (pydantic's copy is not)."""
        if not update:
            return super().model_copy(deep=deep)
        data = {**self.__dict__, **update}
        for name in self._derived:  # recomputed from the updated fields, unless given
            if name not in update:
                data.pop(name, None)
        return type(self).model_validate(data)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise _unwrap(exc, cls) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise _unwrap(exc, cls) from None


class ReferenceInterval(FrozenModel):
    """A laboratory's own reference interval for one result, in its own unit.

    Either bound may be missing (``<5`` style intervals). Bounds are inclusive, as labs print
    them; the canonical bounds are computed when the owning :class:`Measurement` is built.
    """

    _model_name: ClassVar[str | None] = "reference_interval"
    _name_is_a_field: ClassVar[bool] = True

    low: Annotated[float | None, BeforeValidator(real_input)] = Field(
        default=None, allow_inf_nan=False
    )
    high: Annotated[float | None, BeforeValidator(real_input)] = Field(
        default=None, allow_inf_nan=False
    )
    unit: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        # A lab's interval as printed, "15-150 ng/mL", reads as low, high and unit.
        return parse_interval_text("reference_interval", data) if isinstance(data, str) else data

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        normalize_unit(self.unit, field="reference_interval.unit")
        if self.low is None and self.high is None:
            raise InvalidValueError(
                "reference_interval: give at least one of low or high",
                field="reference_interval",
                expected="low and/or high",
            )
        if self.low is not None and self.high is not None and self.low > self.high:
            raise InvalidValueError(
                f"reference_interval: low {self.low:g} is above high {self.high:g} {self.unit}",
                field="reference_interval",
                value=(self.low, self.high),
                unit=self.unit,
                expected="low <= high",
            )
        return self


class Measurement(FrozenModel):
    """One lab result: an analyte, a value and the unit the report used.

    ``comparator`` marks a censored result (``"<5"`` means the true value is below 5).
    ``canonical_value`` is the value (or the censoring bound) in ``canonical_unit``.
    """

    _derived: ClassVar[tuple[str, ...]] = ("canonical_value", "canonical_unit")

    analyte: Annotated[str, Field(strict=True)]  # bytes would be coerced after the name lookup
    value: Annotated[float, BeforeValidator(real_input)] = Field(allow_inf_nan=True)
    unit: str
    comparator: Comparator | None = None
    reference_interval: ReferenceInterval | None = None
    canonical_value: float = Field(
        default=math.nan,
        allow_inf_nan=True,
        description="The value (or censoring bound) in canonical_unit; computed, never trusted "
        "from input (a given value must agree with the computed one).",
    )
    canonical_unit: str = Field(default="", description="The analyte's canonical unit.")
    derived_from: str | None = Field(
        default=None,
        description="For an index labinterp computes (Mentzer index ...), the arithmetic with "
        "its inputs, e.g. 'MCV 65 fL / RBC 5.6 10*12/L'; None for a measurement.",
    )

    _ri_canonical: tuple[float | None, float | None] | None = PrivateAttr(default=None)
    _interval: tuple[float, bool, float, bool] = PrivateAttr(default=(0.0, True, 0.0, True))

    @model_validator(mode="before")
    @classmethod
    def _analyte_id(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("analyte"), str):
            data = {**data, "analyte": resolve_analyte_id(data["analyte"])}
        return data

    @model_validator(mode="after")
    def _convert(self) -> Self:
        analyte = ANALYTES[self.analyte]
        refuse_derived(analyte, self.analyte)
        if self.derived_from is not None:
            raise InvalidValueError(
                f"{self.analyte}: derived_from is set by labinterp for the indices it "
                "computes, never given",
                field=f"{self.analyte}.derived_from",
                value=self.derived_from,
                expected="no derived_from",
            )
        canonical = analyte.check_value(self.value, _resolve(analyte, self.unit, self.value))
        if self.comparator is not None:
            analyte.check_censored(self.comparator, canonical, self.unit)
        given = self.canonical_value
        if "canonical_value" in self.model_fields_set and not (
            math.isfinite(given) and is_close(given, canonical)
        ):
            raise InvalidValueError(
                f"{self.analyte}: canonical_value {given!r} does not match {self.value:g} "
                f"{self.unit} = {canonical!r} {analyte.canonical_unit}",
                field=f"{self.analyte}.canonical_value",
                value=given,
                unit=analyte.canonical_unit,
                expected=repr(canonical),
            )
        if self.canonical_unit not in ("", analyte.canonical_unit):
            raise InvalidValueError(
                f"{self.analyte}: canonical_unit {shorten(self.canonical_unit)} is not "
                f"{analyte.canonical_unit!r}",
                field=f"{self.analyte}.canonical_unit",
                value=self.canonical_unit,
                expected=analyte.canonical_unit,
            )
        self.__dict__["canonical_value"] = canonical
        self.__dict__["canonical_unit"] = analyte.canonical_unit
        self._interval = _interval(canonical, self.comparator)
        if self.reference_interval is not None:
            self._ri_canonical = _canonical_interval(analyte, self.reference_interval)
        return self

    @property
    def canonical_reference_interval(self) -> tuple[float | None, float | None] | None:
        """The lab's reference interval (low, high) in the canonical unit, if one was given."""
        # Read the private slot directly: pydantic's private __getattr__ is slow on a hot path.
        private = self.__pydantic_private__
        return private.get("_ri_canonical") if private else None

    @property
    def canonical_interval(self) -> tuple[float, bool, float, bool]:
        """The values this result allows, canonical: (low, low_inclusive, high, high_inclusive).

        An exact result is a single point; ``<5`` is ``0 <= x < 5``; ``>2000`` is open above.
        """
        private = self.__pydantic_private__
        assert private is not None
        return private["_interval"]  # type: ignore[no-any-return]

    @property
    def as_given(self) -> str:
        """The result as the report wrote it, e.g. ``<5 ng/mL``; for an index labinterp
        computed, its value and arithmetic, e.g. ``11.6 (MCV 65 fL / RBC 5.6 10*12/L)``."""
        if self.derived_from is not None:
            unit = "" if self.unit == "1" else f" {self.unit}"
            low, _, high, _ = self.canonical_interval
            if low < high:  # an index bounded over an input not measured (labinterp._derived)
                return f"{low:.3g} to {high:.3g}{unit} ({self.derived_from})"
            return f"{self.value:.3g}{unit} ({self.derived_from})"
        return f"{self.comparator or ''}{_number(self.value)} {self.unit}"

    @property
    def is_censored(self) -> bool:
        return self.comparator is not None

    @classmethod
    def parse(cls, analyte: str, text: str) -> Measurement:
        """Build from report text such as ``"12 ng/mL"`` or ``"<5 ug/L"``."""
        analyte_id = resolve_analyte_id(analyte)
        refuse_derived(ANALYTES[analyte_id], analyte)
        comparator, value, unit = parse_measurement_text(analyte_id, text)
        return _build(ANALYTES[analyte_id], value, unit, comparator)

    def __str__(self) -> str:
        return f"{self.analyte} {self.as_given}"


def _interval(v: float, comparator: Comparator | None) -> tuple[float, bool, float, bool]:
    if comparator is None:
        return (v, True, v, True)
    if comparator == "<":
        return (0.0, True, v, False)
    if comparator == "<=":
        return (0.0, True, v, True)
    if comparator == ">":
        return (v, False, math.inf, False)
    return (v, True, math.inf, False)


def _resolve(analyte: Analyte, unit: str, value: object) -> ResolvedUnit:
    """The analyte's reading of ``unit``; a unit error also carries the value it came with."""
    try:
        return analyte.resolve_unit(unit)
    except UnitError as exc:
        exc.value = value
        raise


def derived_given(analyte: Analyte, name: str) -> PanelError:
    """The error for a derived index given as a result (it is computed, never given)."""
    assert analyte.derived is not None
    inputs = " and ".join(ANALYTES[i].display_name for i in analyte.derived.inputs)
    return PanelError(
        f"{shorten(name)}: the {analyte.display_name} is computed by labinterp from the "
        f"{inputs}, never given; give those results instead",
        field=analyte.id,
        value=name,
        expected=f"the measured inputs: {', '.join(analyte.derived.inputs)}",
    )


def refuse_derived(analyte: Analyte, name: str) -> None:
    """Refuse ``name`` when it is a derived index, which a caller never gives."""
    if analyte.derived is not None:
        raise derived_given(analyte, name)


def _canonical_interval(
    analyte: Analyte, ri: ReferenceInterval
) -> tuple[float | None, float | None]:
    where = f"{analyte.id}.reference_interval"
    try:
        resolved = _resolve(analyte, ri.unit, (ri.low, ri.high))
    except LabinterpError as exc:
        raise exc.at(f"{where}.unit") from None
    bounds: list[float | None] = []
    for name, bound in (("low", ri.low), ("high", ri.high)):
        try:
            bounds.append(None if bound is None else analyte.check_value(bound, resolved))
        except LabinterpError as exc:
            raise exc.at(f"{where}.{name}") from None
    return bounds[0], bounds[1]


def fast_construct(cls: type[_M], values: dict[str, Any], private: dict[str, Any] | None) -> _M:
    """Assemble an already-validated model without pydantic's per-call validation.

    This is what ``model_construct`` does, minus its generality; it keeps building a
    15-analyte panel well under 100 us. Only values that this module has validated reach it.
    """
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", private)
    return obj


_set = object.__setattr__


def _build(
    analyte: Analyte,
    value: float,
    unit: str,
    comparator: Comparator | None,
) -> Measurement:
    """Validated construction of a measurement without a reference interval (the hot path)."""
    try:  # inline rather than _resolve(): this runs once per result
        resolved = analyte.resolve_unit(unit)
    except UnitError as exc:
        exc.value = value
        raise
    canonical = analyte.check_value(value, resolved)
    if comparator is not None:
        analyte.check_censored(comparator, canonical, unit)
    return fast_construct(
        Measurement,
        {
            "analyte": analyte.id,
            "value": float(value),
            "unit": unit,
            "comparator": comparator,
            "reference_interval": None,
            "canonical_value": canonical,
            "canonical_unit": analyte.canonical_unit,
            "derived_from": None,
        },
        {"_ri_canonical": None, "_interval": _interval(canonical, comparator)},
    )


def measurement_from(analyte: Analyte, raw: object) -> Measurement:
    """Accept a Measurement, report text, or a mapping with value/unit/comparator."""
    if isinstance(raw, Measurement):
        if raw.analyte != analyte.id:
            raise PanelError(
                f"{analyte.id}: the measurement given is for {raw.analyte!r}",
                field=analyte.id,
                value=str(raw),
                expected=f"a {analyte.id} measurement",
            )
        return raw
    if isinstance(raw, str):
        comparator, value, unit = parse_measurement_text(analyte.id, raw)
        return _build(analyte, value, unit, comparator)
    if isinstance(raw, Mapping):
        return _measurement_from_mapping(analyte, raw)
    number = None if is_boolean(raw) or isinstance(raw, str | bytes) else real_number(raw)
    if number is not None and not math.isfinite(number):
        # NaN is how tables write "not measured"; no unit would make it a result.
        if math.isnan(number):
            what = "NaN is not a number"
        else:
            what = f"{'-' if number < 0 else ''}Infinity is not a finite number"
        raise InvalidValueError(
            f"{analyte.id}: {what}; for a result that was not measured, give null (None in "
            "Python) or leave the key out",
            field=analyte.id,
            value=raw,
            expected="a finite number with a unit, or null",
            suggestion="null",
        )
    if number is not None:
        raise unitless_error(analyte.id, _number(number), _number(number), raw)
    raise InvalidValueError(
        f"{analyte.id}: cannot read {_input_words(raw)} as a measurement",
        field=analyte.id,
        value=raw,
        expected="text like '12 ng/mL', a {'value', 'unit'} mapping, or a Measurement",
    )


def _measurement_from_mapping(analyte: Analyte, raw: Mapping[Any, Any]) -> Measurement:
    data = dict(raw)
    if data.get("analyte") is not None:
        data["analyte"] = resolve_analyte_id(data["analyte"])
    if data.pop("analyte", analyte.id) != analyte.id:
        raise PanelError(
            f"{analyte.id}: the mapping given is for {shorten(raw['analyte'])}",
            field=analyte.id,
            value=dict(raw),
            expected=f"a {analyte.id} measurement",
        )
    unknown = set(data) - _MEASUREMENT_KEYS
    if unknown or "value" not in data or "unit" not in data:
        raise InvalidValueError(
            f"{analyte.id}: expected a mapping with 'value' and 'unit' (and optionally "
            f"'comparator', 'reference_interval'), got keys {shorten(sorted(map(str, raw)))}",
            field=analyte.id,
            value=dict(raw),
            expected="{'value': number, 'unit': str}",
        )
    if is_missing_word(data["value"]):
        raise missing_value_error(f"{analyte.id}.value", data["value"], is_result=True)
    if isinstance(data["value"], str):
        data.update(_value_text(analyte, data))
    if _plain(data):
        # The everyday {"value": 180, "unit": "pg/mL"}: the same checks as report text, without
        # pydantic's validation pass, which made this form about 3.5x slower than text.
        return _build(analyte, float(data["value"]), data["unit"], data.get("comparator"))
    try:
        return Measurement(analyte=analyte.id, **data)
    except LabinterpError as exc:
        if exc.field and exc.field.startswith(analyte.id):
            raise
        raise exc.at(f"{analyte.id}.{exc.field}" if exc.field else analyte.id) from None


_PLAIN_KEYS = frozenset({"value", "unit", "comparator"})
_COMPARATOR_VALUES = frozenset({None, "<", "<=", ">", ">="})
_FLOAT_LIMIT = 2**1023  # a larger int does not fit a float


def _plain(data: Mapping[str, Any]) -> bool:
    """Only value (a float or a float-sized int), unit (text) and a valid comparator."""
    value, comparator = data["value"], data.get("comparator")
    kind = type(value)
    return (
        data.keys() <= _PLAIN_KEYS
        and (kind is float or (kind is int and -_FLOAT_LIMIT < value < _FLOAT_LIMIT))
        and type(data["unit"]) is str
        and (comparator is None or (type(comparator) is str and comparator in _COMPARATOR_VALUES))
    )


def _value_text(analyte: Analyte, data: Mapping[str, Any]) -> dict[str, Any]:
    """Read a mapping's value text (``"<5"``) into the value and the comparator."""
    field = f"{analyte.id}.value"
    comparator, value = parse_value_field(field, data["value"], data["unit"])
    given = data.get("comparator")
    if given is not None and comparator is not None and given != comparator:
        raise InvalidValueError(
            f"{field}: {shorten(data['value'])} and comparator {shorten(given)} disagree",
            field=field,
            value=data["value"],
            unit=shorten(data["unit"]),
            expected="one comparator",
        )
    return {"value": value, "comparator": given or comparator}


_MEASUREMENT_KEYS = frozenset(
    {
        "value",
        "unit",
        "comparator",
        "reference_interval",
        "canonical_value",
        "canonical_unit",
        "derived_from",
    }
)
