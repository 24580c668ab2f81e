"""Panels: any subset of the catalog's measurements, plus the patient context.

A :class:`Panel` holds measurements (``_measurement``) and the context the thresholds depend
on: sex, age, pregnancy and trimester, and what the caller reports (conditions, medications,
symptoms, diet). It is a frozen pydantic model whose problems surface as
:class:`LabinterpError` subclasses, not as pydantic's ``ValidationError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self, cast

from pydantic import BeforeValidator, Field, StrictBool, model_validator

from labinterp._analytes import ANALYTES, is_one_typo, resolve_analyte_id
from labinterp._context import Condition, Diet, Medication, Symptom, context_ids, diet_id
from labinterp._errors import LabinterpError, PanelError, UnknownAnalyteError, did_you_mean, shorten
from labinterp._measurement import (
    Comparator,
    FrozenModel,
    Measurement,
    ReferenceInterval,
    derived_given,
    fast_construct,
    measurement_from,
    parse_measurement_text,
    real_input,
    refuse_derived,
)
from labinterp._notebook_views import NotebookViews, short_repr
from labinterp._panel_input import (
    PYTHON_WORDS,
    InputWords,
    context_word_hint,
    given_twice,
    is_missing_word,
    missing_value_error,
    read_age,
    read_pregnant,
    read_sex,
)

__all__ = [
    "Comparator",
    "Measurement",
    "Panel",
    "ReferenceInterval",
    "Sex",
    "fast_construct",
    "panel_from_mapping",
    "parse_measurement_text",
    "read_panel_json",
    "unknown_keys",
]

Sex = Literal["female", "male"]


_CONTEXT_FIELDS = ("sex", "age", "pregnant", "trimester")
# What the caller reports (closed vocabularies, two-valued: an id not listed is not reported).
_REPORTED_FIELDS = ("conditions", "medications", "symptoms", "diet")
_PASS_THROUGH = (*_CONTEXT_FIELDS, *_REPORTED_FIELDS)


# real_input refuses booleans: an age of True is a data error, not a one-year-old, and a
# trimester of True is not the first trimester.
Age = Annotated[float, BeforeValidator(real_input), Field(ge=0, le=130, description="age in years")]
Trimester = Annotated[Literal[1, 2, 3], BeforeValidator(real_input)]


def _conditions(raw: object) -> tuple[str, ...]:
    return context_ids("conditions", raw)


def _medications(raw: object) -> tuple[str, ...]:
    return context_ids("medications", raw)


def _symptoms(raw: object) -> tuple[str, ...]:
    return context_ids("symptoms", raw)


# Stored as sorted tuples without repeats, so that equal panels dump to equal JSON.
Conditions = Annotated[tuple[Condition, ...], BeforeValidator(_conditions)]
Medications = Annotated[tuple[Medication, ...], BeforeValidator(_medications)]
Symptoms = Annotated[tuple[Symptom, ...], BeforeValidator(_symptoms)]
ReportedDiet = Annotated[Diet | None, BeforeValidator(diet_id)]
_REPORTED_CHECKS: Mapping[str, Any] = {
    "conditions": _conditions,
    "medications": _medications,
    "symptoms": _symptoms,
    "diet": diet_id,
}


class _Context(FrozenModel):
    """The patient context alone, validated on the fast path of :meth:`Panel.from_mapping`."""

    _error_type: ClassVar[type[LabinterpError]] = PanelError
    _bare_field_paths: ClassVar[bool] = True

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
        # Written as panel documents write it (true, false, null): the same on every input.
        given = "pregnant is not given" if pregnant is None else "pregnant=false"
        raise PanelError(
            f"trimester: trimester {trimester} is given but {given}; set pregnant=true as well "
            "(labinterp does not infer it)",
            field="trimester",
            value=trimester,
            expected="pregnant=true",
        )


def _normalise_mapping(
    data: Mapping[Any, Any], *, ignore_unknown: bool = False, words: InputWords = PYTHON_WORDS
) -> dict[str, Any]:
    """Resolve aliases to ids and raw values to measurements; context keys pass through.

    With ``ignore_unknown``, a key that is neither an analyte nor context is dropped (see
    :func:`unknown_keys` for which); every other problem is still an error, and so is a key
    that looks like a misspelt analyte or context key.
    """
    out: dict[str, Any] = {}
    spelling: dict[str, str] = {}  # analyte id -> the key it was given as, for duplicates
    for key, raw in data.items():
        if key in _PASS_THROUGH:
            out[key] = _context_value(key, raw)
            continue
        if not isinstance(key, str):
            raise PanelError(
                f"panel keys must be strings, got {shorten(key)}",
                field=shorten(key),
                value=key,
                expected="an analyte name or a context field",
            )
        analyte_id = _analyte_key(key, ignore_unknown, words)
        if analyte_id is None:
            continue
        if analyte_id in out:
            raise given_twice(analyte_id, spelling[analyte_id], key)
        spelling[analyte_id] = key
        analyte = ANALYTES[analyte_id]
        if analyte.derived is not None:
            raise derived_given(analyte, key)
        if is_missing_word(raw):
            raise missing_value_error(analyte_id, raw, is_result=True)
        out[analyte_id] = None if raw is None else measurement_from(analyte, raw)
    return out


def _context_value(key: str, raw: Any) -> Any:
    """A context value, with ``sex`` and ``pregnant`` read leniently (F, yes ...), an age
    with a unit of time refused with its value in years, and "N/A"-like text refused."""
    if key == "sex":
        return read_sex(raw)
    if key == "pregnant":
        return read_pregnant(raw)
    if is_missing_word(raw):
        raise missing_value_error(key, raw, is_result=False)
    if key == "age":
        return read_age(raw)
    return raw


def _analyte_key(key: str, ignore_unknown: bool, words: InputWords) -> str | None:
    """The analyte id for a panel key; None for an unknown key when unknown keys are ignored
    (unless it looks like a misspelt name: dropping that would drop a result unseen)."""
    try:
        return resolve_analyte_id(key)
    except UnknownAnalyteError as exc:
        if ignore_unknown and not _looks_misspelt(key, exc):
            return None
        raise _unknown_key_error(key, exc, words) from None


def _looks_misspelt(key: str, exc: UnknownAnalyteError) -> bool:
    """A near name of an analyte, or one typo from a context key ("pregnat")."""
    if exc.suggestion is not None:
        return True
    folded = key.strip().lower()
    return any(is_one_typo(folded, name) for name in _PASS_THROUGH)


def _unknown_key_error(
    key: str, exc: UnknownAnalyteError, words: InputWords = PYTHON_WORDS
) -> UnknownAnalyteError:
    # Context words first: "gender" or "weeks" is never a misspelt analyte.
    hint = context_word_hint(key)
    if hint is not None:
        field, message = hint
        return UnknownAnalyteError(message, field=key, value=key, suggestion=field)
    context_hint = did_you_mean(key, _PASS_THROUGH) if exc.suggestion is None else None
    if context_hint:
        return UnknownAnalyteError(
            f"unknown panel key {shorten(key)}; did you mean {context_hint!r}?",
            field=key,
            value=key,
            suggestion=context_hint,
        )
    if exc.suggestion is None:  # no near name: perhaps a column that is no result at all
        return UnknownAnalyteError(
            f"{exc.message}; context keys: {', '.join(_PASS_THROUGH)}; to skip keys that are "
            f"neither (patient_id ...), {words.skip_unknown}",
            field=exc.field,
            value=exc.value,
            expected=exc.expected,
        )
    return exc


def unknown_keys(data: Mapping[Any, Any]) -> tuple[str, ...]:
    """The keys of a panel mapping that name neither an analyte nor context, in order.

    These are what ``Panel.from_mapping(data, ignore_unknown=True)`` drops (``patient_id``,
    ``sample_date`` ...).
    """
    found: list[str] = []
    for key in data:
        if key in _PASS_THROUGH or not isinstance(key, str):
            continue
        try:
            resolve_analyte_id(key)
        except UnknownAnalyteError as exc:
            if not _looks_misspelt(key, exc):  # a misspelt name is refused, not dropped
                found.append(key)
    return tuple(found)


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


def read_panel_json(text: str | bytes) -> Any:
    """The object a panel's JSON text holds, with every problem as a PanelError."""
    if not isinstance(text, str | bytes | bytearray):
        raise PanelError(
            f"panel JSON must be text or bytes, got {type(text).__name__}",
            value=text,
            expected="a JSON object as str or bytes",
        )
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
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
    except LabinterpError:  # a key given twice (_unique_keys): its own message
        raise
    except (ValueError, RecursionError) as exc:
        # Integers past Python's digit limit, or nesting deeper than the recursion limit.
        raise PanelError(f"panel JSON cannot be read: {exc}", expected="a JSON object") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON keeps the last of two equal keys silently; a panel refuses them."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise given_twice(key, key, key)
        out[key] = value
    return out


class Panel(FrozenModel, NotebookViews):
    """Any subset of the catalog's analytes, plus the patient context.

    Build it with :meth:`from_mapping` (keys are ids or aliases) or :meth:`from_json`. Values
    may be report text (``"12 ng/mL"``, ``"<7 g/dL"``), a mapping ``{"value": 180, "unit":
    "pg/mL"}`` or a :class:`Measurement`; a lab's reference interval may be text too
    (``"15-150 ng/mL"``). Keyword construction takes ids, and type-checks under
    ``mypy --strict``: ``Panel(ferritin="12 ng/mL", transferrin_saturation="9 %")``. Aliases
    (``tsat``, ``hb``) are read at run time there too, but a type checker knows only the ids,
    so typed code gives aliases through ``Panel.from_mapping({"tsat": "9 %"})``.
    Context: ``sex`` (``"female"``/``"male"``; F, M, woman and man in any case too), ``age``
    in years, ``pregnant`` (true or false; in text also yes/no and 1/0, in any case) and, when
    known, ``trimester``. Nothing is assumed for context left
    out; rules that depend on it say so in their result. A blank or ``"N/A"``-like value is
    refused with a message that suggests ``null``.

    Reported context, from closed vocabularies (``labinterp.CONTEXT_VOCABULARIES``):
    ``conditions``, ``medications`` and ``symptoms`` (lists of ids, kept sorted without
    repeats) and ``diet`` (one id). These say what the caller reports: an id not listed counts
    as *not reported*, so they are never "unknown" the way sex or pregnancy can be.
    """

    _error_type: ClassVar[type[LabinterpError]] = PanelError
    _bare_field_paths: ClassVar[bool] = True

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
    conditions: Conditions = ()
    medications: Medications = ()
    symptoms: Symptoms = ()
    diet: ReportedDiet = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return _normalise_mapping(data) if isinstance(data, Mapping) else data

    @model_validator(mode="after")
    def _context(self) -> Self:
        _check_context(self.sex, self.pregnant, self.trimester)
        return self

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, ignore_unknown: bool = False) -> Panel:
        """Build from a mapping of analyte names (ids or aliases) and context keys.

        ``ignore_unknown=True`` keeps going past keys that name neither an analyte nor
        context (``patient_id``, ``sample_date``); :meth:`unknown_keys` lists them, so that a
        caller can say what was left out. By default such a key is an error; a key that looks
        like a misspelt analyte or context key (``feritin``, ``pregnat``) is one even then.
        """
        return panel_from_mapping(data, ignore_unknown=ignore_unknown)

    @classmethod
    def from_json(cls, text: str | bytes, *, ignore_unknown: bool = False) -> Panel:
        """Build from the JSON form of :meth:`from_mapping`'s input."""
        return cls.from_mapping(read_panel_json(text), ignore_unknown=ignore_unknown)

    @staticmethod
    def unknown_keys(data: Mapping[Any, Any]) -> tuple[str, ...]:
        """The keys of ``data`` that ``from_mapping(data, ignore_unknown=True)`` leaves out."""
        return unknown_keys(data)

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
        refuse_derived(ANALYTES[analyte_id], analyte)
        return cast(Measurement | None, getattr(self, analyte_id))

    # --- notebooks (the views themselves come from NotebookViews) -------------------------

    def __repr__(self) -> str:
        given = [f"{name}={m.as_given!r}" for name, m in self.measurements.items()]
        given += [
            f"{k}={v!r}"
            for k in ("sex", "age", "pregnant", "trimester", "diet")
            if (v := getattr(self, k)) is not None
        ]
        given += [
            f"{k}={list(v)!r}"
            for k in ("conditions", "medications", "symptoms")
            if (v := getattr(self, k))
        ]
        text = f"Panel({', '.join(given)})"
        return short_repr(text)


_EMPTY_PANEL: dict[str, Any] = {name: f.default for name, f in Panel.model_fields.items()}


def panel_from_mapping(
    data: Mapping[str, Any], *, ignore_unknown: bool = False, words: InputWords = PYTHON_WORDS
) -> Panel:
    """:meth:`Panel.from_mapping`, with messages worded for the reader at hand (``words``)."""
    if not isinstance(data, Mapping):
        raise PanelError(
            f"a panel must be {words.panel}, got {words.type_name(data)}",
            value=data,
            expected=words.panel,
        )
    values = _normalise_mapping(data, ignore_unknown=ignore_unknown, words=words)
    reported = {k: _REPORTED_CHECKS[k](values.pop(k)) for k in _REPORTED_FIELDS if k in values}
    context = {k: values.pop(k) for k in _CONTEXT_FIELDS if k in values}
    if context and not _plainly_valid(context):
        context = _Context.model_validate(context).__dict__
    elif context.get("age") is not None:
        context["age"] = float(context["age"])  # as pydantic would store it
    if context:
        _check_context(context.get("sex"), context.get("pregnant"), context.get("trimester"))
    return fast_construct(Panel, {**_EMPTY_PANEL, **values, **context, **reported}, None)
