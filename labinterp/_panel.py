"""Typed, validated measurements and panels.

A :class:`Measurement` keeps the value *as the report gave it* (value, unit, comparator) and
the value in the analyte's canonical unit, computed once when it is built. A :class:`Panel`
holds any subset of the catalog plus the patient context the thresholds depend on.

Both are frozen pydantic models. Validation problems surface as :class:`LabinterpError`
subclasses, not as pydantic's ``ValidationError``, so callers catch one family of errors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationError,
    model_validator,
)

from labinterp._analytes import ANALYTES, Analyte, ResolvedUnit, resolve_analyte_id
from labinterp._errors import (
    InvalidValueError,
    LabinterpError,
    PanelError,
    UnitError,
    UnknownAnalyteError,
    did_you_mean,
    shorten,
)
from labinterp._report_text import (
    Comparator,
    parse_measurement_text,
    parse_plain_number,
    parse_value_field,
)
from labinterp._units import is_boolean, is_close, normalize_unit, real_number

__all__ = [
    "Comparator",
    "Measurement",
    "Panel",
    "ReferenceInterval",
    "Sex",
    "fast_construct",
    "parse_measurement_text",
]

_M = TypeVar("_M", bound=BaseModel)
Sex = Literal["female", "male"]


def _real(value: Any) -> Any:
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


def _number(value: float) -> str:
    """A value as a reader wrote it: 12, 12.5, 0.15, 1234567 (no exponent, no '.0')."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _unwrap(exc: ValidationError, model: type[_Frozen]) -> LabinterpError:
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
    path = f"{name}.{where}" if where else name
    return model._error_type(
        f"{path}: {msg} (got {shorten(err.get('input'))})",
        field=path if model._name_is_a_field else where,
        value=err.get("input"),
        expected=msg,
    )


class _Frozen(BaseModel):
    """Frozen model whose constructors raise LabinterpError subclasses."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _error_type: ClassVar[type[LabinterpError]] = InvalidValueError
    _model_name: ClassVar[str | None] = None  # the name errors use; defaults to the class
    # True when the model is a field of its parent (reference_interval): errors name the path.
    _name_is_a_field: ClassVar[bool] = False
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


class ReferenceInterval(_Frozen):
    """A laboratory's own reference interval for one result, in its own unit.

    Either bound may be missing (``<5`` style intervals). Bounds are inclusive, as labs print
    them; the canonical bounds are computed when the owning :class:`Measurement` is built.
    """

    _model_name: ClassVar[str | None] = "reference_interval"
    _name_is_a_field: ClassVar[bool] = True

    low: Annotated[float | None, BeforeValidator(_real)] = Field(default=None, allow_inf_nan=False)
    high: Annotated[float | None, BeforeValidator(_real)] = Field(default=None, allow_inf_nan=False)
    unit: str

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


class Measurement(_Frozen):
    """One lab result: an analyte, a value and the unit the report used.

    ``comparator`` marks a censored result (``"<5"`` means the true value is below 5).
    ``canonical_value`` is the value (or the censoring bound) in ``canonical_unit``.
    """

    _derived: ClassVar[tuple[str, ...]] = ("canonical_value", "canonical_unit")

    analyte: str
    value: Annotated[float, BeforeValidator(_real)] = Field(allow_inf_nan=True)
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
        _refuse_derived(analyte, self.analyte)
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
            return f"{self.value:.3g} ({self.derived_from})"
        return f"{self.comparator or ''}{_number(self.value)} {self.unit}"

    @property
    def is_censored(self) -> bool:
        return self.comparator is not None

    @classmethod
    def parse(cls, analyte: str, text: str) -> Measurement:
        """Build from report text such as ``"12 ng/mL"`` or ``"<5 ug/L"``."""
        analyte_id = resolve_analyte_id(analyte)
        _refuse_derived(ANALYTES[analyte_id], analyte)
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


def _derived_given(analyte: Analyte, name: str) -> PanelError:
    assert analyte.derived is not None
    inputs = " and ".join(ANALYTES[i].display_name for i in analyte.derived.inputs)
    return PanelError(
        f"{shorten(name)}: the {analyte.display_name} is computed by labinterp from the "
        f"{inputs}, never given; give those results instead",
        field=analyte.id,
        value=name,
        expected=f"the measured inputs: {', '.join(analyte.derived.inputs)}",
    )


def _refuse_derived(analyte: Analyte, name: str) -> None:
    if analyte.derived is not None:
        raise _derived_given(analyte, name)


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


def _measurement_from(analyte: Analyte, raw: object) -> Measurement:
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
    number = None if isinstance(raw, str | bytes) else real_number(raw)
    if number is not None:
        shown = _number(number) if math.isfinite(number) else shorten(raw)
        raise InvalidValueError(
            f"{analyte.id}: value {shown} has no unit; give '{shown} "
            f"{analyte.canonical_unit}' or {{'value': {shown}, 'unit': ...}} "
            "(labinterp never assumes a unit)",
            field=analyte.id,
            value=raw,
            expected=f"a unit such as {', '.join(analyte.common_units)}",
            suggestion=analyte.canonical_unit,
        )
    raise InvalidValueError(
        f"{analyte.id}: cannot read {shorten(raw)} as a measurement",
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
    if isinstance(data["value"], str):
        data.update(_value_text(analyte, data))
    try:
        return Measurement(analyte=analyte.id, **data)
    except LabinterpError as exc:
        if exc.field and exc.field.startswith(analyte.id):
            raise
        raise exc.at(f"{analyte.id}.{exc.field}" if exc.field else analyte.id) from None


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


_CONTEXT_FIELDS = ("sex", "age", "pregnant", "trimester")
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


# _real refuses booleans: an age of True is a data error, not a one-year-old, and a
# trimester of True is not the first trimester.
Age = Annotated[float, BeforeValidator(_real), Field(ge=0, le=130, description="age in years")]
Trimester = Annotated[Literal[1, 2, 3], BeforeValidator(_real)]


class _Context(_Frozen):
    """The patient context alone, validated on the fast path of :meth:`Panel.from_mapping`."""

    _error_type: ClassVar[type[LabinterpError]] = PanelError
    _model_name: ClassVar[str | None] = "Panel"

    sex: Sex | None = None
    age: Age | None = None
    pregnant: StrictBool | None = None
    trimester: Trimester | None = None


def _check_context(sex: Sex | None, pregnant: bool | None, trimester: int | None) -> None:
    if pregnant and sex == "male":
        raise PanelError(
            "pregnant: pregnant is true but sex is 'male'",
            field="pregnant",
            value=True,
            expected="pregnant only with sex 'female' or unknown sex",
        )
    if trimester is not None and pregnant is not True:
        raise PanelError(
            f"trimester: trimester {trimester} is given but pregnant is {pregnant!r}; set "
            "pregnant=True as well (labinterp does not infer it)",
            field="trimester",
            value=trimester,
            expected="pregnant=True",
        )


def _normalise_mapping(data: Mapping[Any, Any]) -> dict[str, Any]:
    """Resolve aliases to ids and raw values to measurements; context keys pass through."""
    out: dict[str, Any] = {}
    for key, raw in data.items():
        if key in _CONTEXT_FIELDS:
            out[key] = raw
            continue
        if not isinstance(key, str):
            raise PanelError(
                f"panel keys must be strings, got {shorten(key)}",
                field=shorten(key),
                value=key,
                expected="an analyte name or a context field",
            )
        try:
            analyte_id = resolve_analyte_id(key)
        except UnknownAnalyteError as exc:
            context_hint = did_you_mean(key, _CONTEXT_FIELDS) if exc.suggestion is None else None
            if context_hint:
                raise UnknownAnalyteError(
                    f"unknown panel key {shorten(key)}; did you mean {context_hint!r}?",
                    field=key,
                    value=key,
                    suggestion=context_hint,
                ) from None
            raise exc from None
        if analyte_id in out:
            raise PanelError(
                f"{analyte_id}: given twice (once as {shorten(key)})",
                field=analyte_id,
                value=key,
                expected="each analyte once",
            )
        analyte = ANALYTES[analyte_id]
        if analyte.derived is not None:
            raise _derived_given(analyte, key)
        out[analyte_id] = None if raw is None else _measurement_from(analyte, raw)
    return out


def _plainly_valid(context: Mapping[str, Any]) -> bool:
    """The everyday context that needs no coercion; anything else goes through pydantic."""
    # Types first: comparing an odd object (Decimal("sNaN") == 1 raises) is pydantic's job.
    sex, age = context.get("sex"), context.get("age")
    pregnant, trimester = context.get("pregnant"), context.get("trimester")
    return (
        type(sex) in (type(None), str)
        and type(age) in (type(None), int, float)
        and type(pregnant) in (type(None), bool)
        and type(trimester) in (type(None), int)
        and sex in (None, "female", "male")
        and (age is None or 0 <= age <= 130)
        and trimester in (None, 1, 2, 3)
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON keeps the last of two equal keys silently; a panel refuses them."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise PanelError(
                f"panel JSON gives {shorten(key)} twice",
                field=shorten(key),
                expected="each key once",
            )
        out[key] = value
    return out


class Panel(_Frozen):
    """Any subset of the catalog's analytes, plus the patient context.

    Build it with keyword arguments (ids or aliases), :meth:`from_mapping` or
    :meth:`from_json`. Values may be report text (``"12 ng/mL"``, ``"<7 g/dL"``), a mapping
    ``{"value": 180, "unit": "pg/mL"}`` or a :class:`Measurement`. Context: ``sex``
    (``"female"``/``"male"``), ``age`` in years, ``pregnant`` and, when known, ``trimester``.
    Nothing is assumed for context left out; rules that depend on it say so in their result.
    """

    _error_type: ClassVar[type[LabinterpError]] = PanelError

    ferritin: Measurement | None = None
    transferrin_saturation: Measurement | None = None
    iron: Measurement | None = None
    tibc: Measurement | None = None
    transferrin: Measurement | None = None
    hemoglobin: Measurement | None = None
    mcv: Measurement | None = None
    rdw: Measurement | None = None
    reticulocytes: Measurement | None = None
    reticulocytes_absolute: Measurement | None = None
    vitamin_b12: Measurement | None = None
    methylmalonic_acid: Measurement | None = None
    homocysteine: Measurement | None = None
    folate: Measurement | None = None
    crp: Measurement | None = None
    esr: Measurement | None = None
    rbc: Measurement | None = None
    hematocrit: Measurement | None = None
    ldh: Measurement | None = None
    haptoglobin: Measurement | None = None
    bilirubin_total: Measurement | None = None
    bilirubin_indirect: Measurement | None = None
    stfr: Measurement | None = None
    active_b12: Measurement | None = None
    egfr: Measurement | None = None
    creatinine: Measurement | None = None

    sex: Sex | None = None
    age: Age | None = None
    pregnant: StrictBool | None = None
    trimester: Trimester | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return _normalise_mapping(data) if isinstance(data, Mapping) else data

    @model_validator(mode="after")
    def _context(self) -> Self:
        _check_context(self.sex, self.pregnant, self.trimester)
        return self

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Panel:
        """Build from a mapping of analyte names (ids or aliases) and context keys."""
        if not isinstance(data, Mapping):
            raise PanelError(
                f"a panel mapping must be a dict, got {type(data).__name__}",
                value=data,
                expected="a mapping of analyte names to values",
            )
        values = _normalise_mapping(data)
        context = {k: values.pop(k) for k in _CONTEXT_FIELDS if k in values}
        if context and not _plainly_valid(context):
            context = _Context.model_validate(context).__dict__
        elif context.get("age") is not None:
            context["age"] = float(context["age"])  # as pydantic would store it
        if context:
            _check_context(context.get("sex"), context.get("pregnant"), context.get("trimester"))
        return fast_construct(cls, {**_EMPTY_PANEL, **values, **context}, None)

    @classmethod
    def from_json(cls, text: str | bytes) -> Panel:
        """Build from the JSON form of :meth:`from_mapping`'s input."""
        if not isinstance(text, str | bytes | bytearray):
            raise PanelError(
                f"panel JSON must be text or bytes, got {type(text).__name__}",
                value=text,
                expected="a JSON object as str or bytes",
            )
        try:
            data = json.loads(text, object_pairs_hook=_unique_keys)
        except UnicodeDecodeError as exc:
            raise PanelError(
                f"panel JSON is not valid UTF-8 text: {exc.reason} at byte {exc.start}",
                expected="a UTF-8 JSON object",
            ) from None
        except json.JSONDecodeError as exc:
            raise PanelError(
                f"panel JSON is not valid: {exc.msg} at line {exc.lineno} column {exc.colno}",
                value=exc.doc[max(exc.pos - 20, 0) : exc.pos + 20],
                expected="a JSON object",
            ) from None
        except (ValueError, RecursionError) as exc:
            # Integers past Python's digit limit, or nesting deeper than the recursion limit.
            raise PanelError(
                f"panel JSON cannot be read: {exc}", expected="a JSON object"
            ) from None
        return cls.from_mapping(data)

    @property
    def measurements(self) -> dict[str, Measurement]:
        """The measurements present, in catalog order."""
        # The instance dict, not getattr: the catalog's derived indices are no fields.
        fields = self.__dict__
        return {name: m for name in ANALYTES if (m := fields.get(name)) is not None}

    def canonical_values(self) -> dict[str, float]:
        """Each present analyte's value in its canonical unit."""
        return {name: m.canonical_value for name, m in self.measurements.items()}

    def get(self, analyte: str) -> Measurement | None:
        """The measurement for an id or alias, or ``None`` when absent."""
        analyte_id = resolve_analyte_id(analyte)
        _refuse_derived(ANALYTES[analyte_id], analyte)
        return cast(Measurement | None, getattr(self, analyte_id))


_EMPTY_PANEL: dict[str, Any] = dict.fromkeys(Panel.model_fields)
