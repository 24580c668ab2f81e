"""One FHIR ``Observation`` read into a labinterp :class:`Measurement`, or skipped with a reason.

What is read: the LOINC coding of ``code`` (mapped to a catalog analyte), ``valueQuantity``
(the UCUM ``code`` when its ``system`` is UCUM, the free ``unit`` text otherwise; the
``comparator`` as a censored result), ``referenceRange`` (low and high, inclusive, as FHIR
and labs write them), ``interpretation`` (kept as the laboratory's codes) and the effective
time. Anything that cannot be used skips this observation with a :class:`Skipped` entry that
says why; a reference range that cannot be used is refused on its own and the value kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, NamedTuple, Protocol

from labinterp._analytes import ANALYTES, Analyte
from labinterp._convert import convert
from labinterp._errors import LabinterpError, shorten
from labinterp._fhir_json import Located, parse_instant
from labinterp._measurement import Measurement, ReferenceInterval
from labinterp._packs import Pack
from labinterp._panel import Sex
from labinterp._units import is_boolean, is_close, real_number

__all__ = [
    "LOINC_SYSTEM",
    "UCUM_SYSTEM",
    "ObservationRead",
    "PatientFacts",
    "Patients",
    "Skipped",
    "loinc_index",
    "read",
]

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"

# Statuses whose value must not be read: no result yet, withdrawn, or recorded by mistake.
_NO_RESULT = frozenset({"registered", "cancelled", "entered-in-error"})
_COMPARATORS = frozenset({"<", "<=", ">", ">="})

# LOINC codes that look like a catalog analyte but measure something else. They are refused
# with this reason rather than reported as merely unknown, since a reader would expect them
# to be read. RDW-SD is the width of the red cell volume curve in fL; the catalog's RDW is
# RDW-CV, a coefficient of variation in %, and the two cannot be converted into each other.
LOOK_ALIKE_LOINC: Mapping[str, str] = {
    "21000-5": (
        "LOINC 21000-5 is RDW-SD (red cell distribution width as a standard deviation, in fL), "
        "a different measure from RDW-CV (LOINC 788-0, in %), which is the RDW labinterp reads; "
        "the two cannot be converted into each other"
    ),
}

Part = Literal["observation", "referenceRange", "Patient"]


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the FHIR input that was not used, and why.

    ``part`` is ``"observation"`` when the whole result was skipped, ``"referenceRange"``
    when only the laboratory's range was refused (the value is kept), ``"Patient"`` when a
    patient's sex or age could not be read.
    """

    path: str
    reference: str | None
    subject: str | None
    code: str | None
    part: Part
    reason: str


@dataclass(frozen=True, slots=True)
class ObservationRead:
    """One observation read: the measurement and what else the resource said."""

    path: str
    reference: str
    subject: str
    analyte: str
    loinc: str
    measurement: Measurement
    moment: datetime | None
    day: date | None
    lab_interpretation: tuple[str, ...]
    effective_text: str | None = None  # the time as the resource wrote it (a date stays a date)


@cache
def loinc_index() -> Mapping[str, str]:
    """LOINC code -> analyte id, from the catalog (derived indices have no code)."""
    return {c.code: a.id for a in ANALYTES.values() if a.derived is None for c in a.loinc}


def reference_of(located: Located) -> str:
    """How the output refers to a resource: its fullUrl, else ``Type/id``, else its path."""
    rid = located.resource.get("id")
    if located.contained:
        # A contained resource has no identity outside its container: name it by its path.
        return located.path
    if located.full_url:
        return located.full_url
    if isinstance(rid, str) and rid:
        return f"{located.resource['resourceType']}/{rid}"
    return located.path


def subject_key(subject: object) -> str | None:
    """The subject a result belongs to: a reference, or an identifier as ``system|value``."""
    if not isinstance(subject, Mapping):
        return None
    ref = subject.get("reference")
    if isinstance(ref, str) and ref.strip():
        return ref.strip()
    ident = subject.get("identifier")
    if isinstance(ident, Mapping) and isinstance(ident.get("value"), str):
        system = ident.get("system")
        return f"{system if isinstance(system, str) else ''}|{ident['value']}"
    return None


class _SkipError(Exception):
    """Internal: this observation cannot be used (the reason is the message)."""


class PatientFacts(NamedTuple):
    """What is known of a subject at a result's date, for choosing the laboratory's range."""

    sex: Sex | None
    age: float | None  # years, as completed months / 12
    unknown: str | None = None  # why sex and age are not known at all (no Patient found)


class Patients(Protocol):
    """How :func:`read` names a result's subject and learns its sex and age."""

    def subject(self, raw: str, located: Located) -> str: ...

    def facts(self, subject: str, day: date | None) -> PatientFacts: ...


class _NoPatients:
    def subject(self, raw: str, located: Located) -> str:
        return raw

    def facts(self, subject: str, day: date | None) -> PatientFacts:
        return PatientFacts(None, None, "no Patient was given")


def read(
    located: Located, pack: Pack, patients: Patients | None = None
) -> tuple[ObservationRead | None, list[Skipped]]:
    """Read one observation; return it (or None) and what was skipped or refused.

    ``patients`` names the subject (references spelt differently for one patient become one)
    and gives its sex and age, so that the laboratory's range for this patient is chosen.
    """
    who = patients if patients is not None else _NoPatients()
    res = located.resource
    reference = reference_of(located)
    raw_subject = subject_key(res.get("subject")) or subject_key(located.container_subject)
    subject = None if raw_subject is None else who.subject(raw_subject, located)
    code = _first_code(res)

    def skipped(reason: str, part: Part = "observation") -> Skipped:
        return Skipped(located.path, reference, subject, code, part, reason)

    try:
        status = res.get("status")
        if isinstance(status, str) and status in _NO_RESULT:
            raise _SkipError(f"status {status!r}: the observation holds no usable result")
        if subject is None:
            raise _SkipError(
                "no subject: a result is only read for a known patient, so that results of "
                "different people are never put in one panel"
            )
        loinc, analyte = _analyte(res)
        value, comparator, unit = _quantity(res, analyte)
        when = _effective(res)
    except _SkipError as why:
        return None, [skipped(str(why))]
    try:  # the value first: a result that cannot be read is skipped whatever its range says
        measurement = _measurement(analyte, value, unit, comparator, None, pack)
    except LabinterpError as exc:
        return None, [skipped(str(exc))]
    notes: list[Skipped] = []
    facts = who.facts(subject, when[1] if when else None)
    interval, refused = _reference_interval(res, unit, facts, analyte)
    if refused:
        notes.append(
            skipped(f"referenceRange refused, the value is kept: {refused}", "referenceRange")
        )
    if interval is not None:
        try:
            measurement = _measurement(analyte, value, unit, comparator, interval, pack)
        except _RangeRefusedError as why:
            notes.append(skipped(str(why), "referenceRange"))
    read_ = ObservationRead(
        path=located.path,
        reference=reference,
        subject=subject,
        analyte=analyte.id,
        loinc=loinc,
        measurement=measurement,
        moment=when[0] if when else None,
        day=when[1] if when else None,
        lab_interpretation=_interpretation_codes(res.get("interpretation")),
        effective_text=when[2] if when else None,
    )
    return read_, notes


def _first_code(res: Mapping[str, Any]) -> str | None:
    code = res.get("code")
    if not isinstance(code, Mapping):
        return None
    for coding in _codings(code):
        if isinstance(coding.get("code"), str):
            return str(coding["code"])
    text = code.get("text")
    return text if isinstance(text, str) else None


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    codings = concept.get("coding")
    if not isinstance(codings, list):
        return []
    return [c for c in codings if isinstance(c, Mapping)]


def _analyte(res: Mapping[str, Any]) -> tuple[str, Analyte]:
    codings = _codings(res.get("code"))
    loincs = [
        c["code"]
        for c in codings
        if c.get("system") == LOINC_SYSTEM and isinstance(c.get("code"), str)
    ]
    if not loincs:
        text = res.get("code", {}).get("text") if isinstance(res.get("code"), Mapping) else None
        named = f" ({shorten(text)})" if isinstance(text, str) else ""
        raise _SkipError(f"no LOINC coding in code{named}; labinterp maps results by LOINC code")
    index = loinc_index()
    for loinc in loincs:
        if loinc in index:
            return loinc, ANALYTES[index[loinc]]
    for loinc in loincs:
        if loinc in LOOK_ALIKE_LOINC:
            raise _SkipError(LOOK_ALIKE_LOINC[loinc])
    display = next((c.get("display") for c in codings if isinstance(c.get("display"), str)), None)
    named = f" ({shorten(display)})" if display else ""
    codes = ", ".join(c[:20] for c in loincs)
    raise _SkipError(f"LOINC {codes}{named} is not a test labinterp reads")


def _quantity(res: Mapping[str, Any], analyte: Analyte) -> tuple[float, str | None, str]:
    quantity = res.get("valueQuantity")
    if quantity is None:
        others = sorted(k for k in res if k.startswith("value"))
        if others:
            raise _SkipError(f"{others[0]}: {analyte.display_name} is read from a valueQuantity")
        if res.get("hasMember"):
            raise _SkipError(
                "a grouping Observation (hasMember) holds no value of its own; its members are "
                "read as Observations in their own right"
            )
        absent = res.get("dataAbsentReason")
        why = ""
        if isinstance(absent, Mapping):
            text = absent.get("text") or next(
                (c.get("code") for c in _codings(absent) if c.get("code")), None
            )
            why = f" (dataAbsentReason {shorten(text)})" if text else ""
        raise _SkipError(f"no value{why}")
    if not isinstance(quantity, Mapping):
        raise _SkipError(f"valueQuantity is not an object: {shorten(quantity)}")
    raw = quantity.get("value")
    number = None if is_boolean(raw) or isinstance(raw, str) else real_number(raw)
    if number is None:
        raise _SkipError(f"valueQuantity.value {shorten(raw)} is not a number")
    comparator = quantity.get("comparator")
    if comparator is not None and not (isinstance(comparator, str) and comparator in _COMPARATORS):
        raise _SkipError(
            f"valueQuantity.comparator {shorten(comparator)} cannot be read as a censored "
            "result (expected <, <=, > or >=)"
        )
    unit = unit_of(quantity)
    if unit is None:
        raise _SkipError(
            f"valueQuantity has no unit (neither a UCUM code nor unit text); labinterp never "
            f"assumes one (for {analyte.display_name}: {', '.join(analyte.common_units)})"
        )
    return number, comparator, without_annotation(unit, analyte)


# A UCUM annotation: text in braces, which by the UCUM standard changes nothing (%{RBCs} is %).
_ANNOTATION = re.compile(r"\{[^{}]*\}")


def without_annotation(unit: str, analyte: Analyte) -> str:
    """``unit`` with its UCUM annotations dropped, when the analyte does not know it as
    written and does know what remains (``%{RBCs}`` is ``%``, ``10*3{cells}/uL`` is
    ``10*3/uL``); otherwise ``unit`` unchanged (eGFR's ``mL/min/{1.73_m2}`` is a catalog unit).

    A unit that is only an annotation (``{percent}``, ``{fraction}``) is UCUM's unity 1
    whatever its words say; reading a percentage as a fraction would be 100 times off, so it
    is kept as written and refused as unknown.
    """
    bare = _ANNOTATION.sub("", unit).strip()
    if not bare or bare == unit:
        return unit
    try:
        analyte.resolve_unit(unit)
    except LabinterpError:
        try:
            analyte.resolve_unit(bare)
        except LabinterpError:
            return unit
        return bare
    return unit


def unit_of(quantity: Mapping[str, Any]) -> str | None:
    """The unit of a FHIR Quantity: the UCUM code when the system is UCUM, else the text."""
    code, text = quantity.get("code"), quantity.get("unit")
    if quantity.get("system") == UCUM_SYSTEM and isinstance(code, str) and code.strip():
        return code
    if isinstance(text, str) and text.strip():
        return text
    if isinstance(code, str) and code.strip():  # a code without a system: the best left
        return code
    return None


def _effective(res: Mapping[str, Any]) -> tuple[datetime, date, str] | None:
    """The result's time: the instant, its calendar date, and the text as written."""
    for key in ("effectiveDateTime", "effectiveInstant"):
        if key in res:
            parsed = parse_instant(res[key])
            if parsed is None:
                raise _SkipError(f"{key} {shorten(res[key])} is not a FHIR dateTime")
            return (*parsed, str(res[key]))
    period = res.get("effectivePeriod")
    if isinstance(period, Mapping):
        for key in ("start", "end"):
            if key in period:
                parsed = parse_instant(period[key])
                if parsed is None:
                    raise _SkipError(
                        f"effectivePeriod.{key} {shorten(period[key])} is not a dateTime"
                    )
                return (*parsed, str(period[key]))
    return None


def _interpretation_codes(raw: object) -> tuple[str, ...]:
    # R4 makes interpretation a list; older examples (such as f005) give one object.
    concepts = raw if isinstance(raw, list) else [raw]
    codes = [
        str(c["code"])
        for concept in concepts
        for c in _codings(concept)
        if isinstance(c.get("code"), str)
    ]
    return tuple(codes)


# --- reference ranges ------------------------------------------------------------------------

_NORMAL_RANGE = "normal"


def _reference_interval(
    res: Mapping[str, Any], value_unit: str, facts: PatientFacts, analyte: Analyte
) -> tuple[ReferenceInterval | None, str | None]:
    """The normal range that applies to this patient, or the reason none is used (None if
    none given)."""
    ranges = res.get("referenceRange")
    if ranges is None:
        return None, None
    if not isinstance(ranges, list):
        return None, f"referenceRange is not a list: {shorten(ranges)}"
    normal: list[tuple[int, Mapping[str, Any]]] = []
    for i, item in enumerate(ranges):
        if not isinstance(item, Mapping):
            return None, f"referenceRange[{i}] is not an object"
        kinds = [c.get("code") for c in _codings(item.get("type"))]
        if kinds and _NORMAL_RANGE not in kinds:
            continue  # a therapeutic or other range is not the normal range
        normal.append((i, item))
    if not normal:
        return None, "no referenceRange of type 'normal' (or without a type)"
    chosen, why = choose_range(normal, facts)
    if chosen is None:
        return None, why
    return _one_range(normal[chosen][1], normal[chosen][0], value_unit, analyte)


# appliesTo codings that name a sex: HL7 administrative gender, and SNOMED CT as in R4's
# referencerange-appliesto value set.
_SEX_CODES: Mapping[tuple[str, str], Sex] = {
    ("http://hl7.org/fhir/administrative-gender", "male"): "male",
    ("http://hl7.org/fhir/administrative-gender", "female"): "female",
    ("http://snomed.info/sct", "248153007"): "male",
    ("http://snomed.info/sct", "248152002"): "female",
}
# The age units a referenceRange.age may use (UCUM code or its usual text), in years.
_AGE_UNITS: Mapping[str, float] = {
    "a": 1.0,
    "year": 1.0,
    "years": 1.0,
    "mo": 1 / 12,
    "month": 1 / 12,
    "months": 1 / 12,
    "wk": 7 / 365.25,
    "week": 7 / 365.25,
    "weeks": 7 / 365.25,
    "d": 1 / 365.25,
    "day": 1 / 365.25,
    "days": 1 / 365.25,
}


def _applies(item: Mapping[str, Any], facts: PatientFacts) -> tuple[bool | None, str]:
    """Whether a range applies to the patient: True, False, or None (cannot be told, why)."""
    unknown: list[str] = []
    applies_to = item.get("appliesTo")
    for concept in applies_to if isinstance(applies_to, list) else []:
        # Several appliesTo entries describe one population: every one must hold.
        sexes = {
            _SEX_CODES[key]
            for c in _codings(concept)
            if (key := (str(c.get("system")), str(c.get("code")))) in _SEX_CODES
        }
        if len(sexes) == 1:
            (sex,) = sexes
            if facts.sex is None:
                unknown.append(f"it is for {sex} patients and the patient's sex is unknown")
            elif facts.sex != sex:
                return False, ""
            continue
        shown = concept.get("text") if isinstance(concept, Mapping) else None
        if not isinstance(shown, str):
            shown = ", ".join(str(c.get("display") or c.get("code")) for c in _codings(concept))
        named = shown[:80] if shown else shorten(concept)
        unknown.append(f"it applies to {named}, which labinterp cannot check")
    age = item.get("age")
    if age is not None:
        band = _age_band(age)
        if band is None:
            unknown.append(f"its age {shorten(age)} is not read (low/high in a, mo, wk or d)")
        elif facts.age is None:
            unknown.append("it is for an age band and the patient's age is unknown")
        elif not _in_band(facts.age, band):
            return False, ""
    if unknown:
        return None, "; ".join(unknown)
    return True, ""


def _age_band(age: object) -> tuple[float | None, float | None, float] | None:
    """An age Range as (low, high, unit in years), or None when it cannot be read."""
    if not isinstance(age, Mapping):
        return None
    bounds: list[float | None] = []
    units: set[float] = set()
    for side in ("low", "high"):
        quantity = age.get(side)
        if quantity is None:
            bounds.append(None)
            continue
        if not isinstance(quantity, Mapping):
            return None
        number = quantity.get("value")
        value = None if is_boolean(number) or isinstance(number, str) else real_number(number)
        unit = unit_of(quantity)
        if value is None or unit is None or unit.strip().lower() not in _AGE_UNITS:
            return None
        bounds.append(value)
        units.add(_AGE_UNITS[unit.strip().lower()])
    if len(units) != 1:
        return None
    return bounds[0], bounds[1], units.pop()


def _in_band(age: float, band: tuple[float | None, float | None, float]) -> bool:
    low, high, unit = band
    in_units = age / unit
    if low is not None and in_units < low - 1e-9:
        return False
    if high is None:
        return True
    # A whole upper bound covers the whole year (or month) it names, as labs write bands:
    # "0-17 a" then "18- a" leaves no gap at 17 and a half.
    if high == int(high):
        return int(in_units + 1e-9) <= high
    return in_units <= high + 1e-9


def choose_range(
    normal: Sequence[tuple[int, Mapping[str, Any]]], facts: PatientFacts
) -> tuple[int | None, str | None]:
    """Which of the normal ranges to use (position in ``normal``), or why none is.

    One range is used only when it applies to the patient (sex from ``appliesTo``, age from
    ``age``) and no other could: when several apply with different limits, or whether one
    applies cannot be told, none is used, rather than a guess.
    """
    verdicts = [(pos, *_applies(item, facts)) for pos, (_, item) in enumerate(normal)]
    yes = [pos for pos, verdict, _ in verdicts if verdict is True]
    open_ = [(pos, why) for pos, verdict, why in verdicts if verdict is None]
    if open_:
        reasons = "; ".join(f"referenceRange[{normal[pos][0]}]: {why}" for pos, why in open_)
        missing = f" ({facts.unknown})" if facts.unknown else ""
        return None, f"cannot tell which referenceRange applies to this patient{missing}: {reasons}"
    if not yes:
        return None, (
            f"no referenceRange applies to this patient ({_describe(facts)}); the ranges given "
            f"are for other patients"
        )
    limits = {_limits(normal[pos][1]) for pos in yes}
    if len(limits) > 1:
        shown = ", ".join(f"referenceRange[{normal[pos][0]}]" for pos in yes)
        return None, (
            f"several referenceRanges with different limits apply to this patient "
            f"({_describe(facts)}): {shown}"
        )
    return yes[0], None


def _describe(facts: PatientFacts) -> str:
    sex = facts.sex or "sex unknown"
    age = "age unknown" if facts.age is None else f"age {facts.age:.3g} years"
    return f"{sex}, {age}"


def _limits(item: Mapping[str, Any]) -> str:
    return repr((item.get("low"), item.get("high")))


def _one_range(
    item: Mapping[str, Any], i: int, value_unit: str, analyte: Analyte
) -> tuple[ReferenceInterval | None, str | None]:
    where = f"referenceRange[{i}]"
    bounds: dict[str, float] = {}
    units: set[str] = set()
    for side in ("low", "high"):
        quantity = item.get(side)
        if quantity is None:
            continue
        if not isinstance(quantity, Mapping):
            return None, f"{where}.{side} is not a Quantity"
        number = quantity.get("value")
        value = None if is_boolean(number) or isinstance(number, str) else real_number(number)
        if value is None:
            return None, f"{where}.{side}.value {shorten(number)} is not a number"
        unit = unit_of(quantity)
        if side == "low" and is_close(value, 0.0):
            # A lower limit of 0 means "no lower limit" (LDH 0-250 U/L); read as a value it
            # would be refused as below what a living patient can have.
            continue
        bounds[side] = value
        if unit is not None:
            units.add(unit)
    if not bounds:
        text = item.get("text")
        shown = f" (only text: {shorten(text)})" if isinstance(text, str) else ""
        return None, f"{where} gives neither low nor high{shown}"
    if len(units) > 1:
        return None, f"{where}: low and high are in different units ({', '.join(sorted(units))})"
    unit = without_annotation(units.pop(), analyte) if units else value_unit
    try:
        return ReferenceInterval(low=bounds.get("low"), high=bounds.get("high"), unit=unit), None
    except LabinterpError as exc:
        return None, f"{where}: {exc.message.removeprefix('reference_interval: ')}"


class _RangeRefusedError(Exception):
    """Internal: the laboratory's range was refused; the value is read without it."""


def _measurement(
    analyte: Analyte,
    value: float,
    unit: str,
    comparator: str | None,
    interval: ReferenceInterval | None,
    pack: Pack,
) -> Measurement:
    try:
        measurement = Measurement(
            analyte=analyte.id,
            value=value,
            unit=unit,
            comparator=comparator,
            reference_interval=interval,
        )
    except LabinterpError as exc:
        if interval is not None:  # the value alone was read before, so the range is at fault
            raise _RangeRefusedError(f"referenceRange refused, the value is kept: {exc}") from None
        raise
    if interval is not None:
        reason = implausible_range(measurement, pack)
        if reason is not None:
            raise _RangeRefusedError(reason)
    return measurement


def implausible_range(measurement: Measurement, pack: Pack) -> str | None:
    """Why a laboratory's reference range cannot describe healthy people, or None.

    A reference range describes a healthy population, so it must share values with the
    pack's own reference interval for the analyte in at least one context (sex, pregnancy,
    age). A range wholly outside all of them (f005's 7.5-10 "g/dL" for hemoglobin, which is
    7.5-10 mmol/L) is a unit slip, and flagging against it would mislead. Analytes for which
    the pack gives no interval are checked against the plausibility guard only.
    """
    ri = measurement.reference_interval
    lab = measurement.canonical_reference_interval
    analyte = ANALYTES[measurement.analyte]
    assert ri is not None
    assert lab is not None
    healthy = _pack_intervals(pack, analyte)
    if not healthy or any(_overlap(lab, h) for h in healthy):
        return None
    lows = [h[0] for h in healthy if h[0] is not None]
    highs = [h[1] for h in healthy if h[1] is not None]
    unit = analyte.canonical_unit
    low = f"from {min(lows):g} {unit}" if lows else "from 0"
    high = f"up to {max(highs):g} {unit}" if len(highs) == len(healthy) else "with no upper limit"
    hint = _unit_hint(ri, analyte, healthy)
    shown = f"{_num(ri.low)}-{_num(ri.high)} {ri.unit}"
    return (
        f"referenceRange {shown} refused, the value is kept: a reference range describes "
        f"healthy people, and this one shares no value with the reference interval of pack "
        f"{pack.name!r} for {analyte.display_name} in any context ({low} {high}){hint}"
    )


def _num(bound: float | None) -> str:
    return "" if bound is None else f"{bound:g}"


def _pack_intervals(pack: Pack, analyte: Analyte) -> list[tuple[float | None, float | None]]:
    found: list[tuple[float | None, float | None]] = []
    for key, spec in pack.reference_intervals.items():
        if key != analyte.id and key not in analyte.aliases:
            continue
        for interval in spec.intervals:
            try:
                found.append(
                    tuple(  # type: ignore[arg-type]
                        None
                        if b is None
                        else convert(b, interval.unit, analyte.canonical_unit, analyte=analyte.id)
                        for b in (interval.low, interval.high)
                    )
                )
            except LabinterpError:  # pragma: no cover - packs are checked when loaded
                continue
    return found


def _overlap(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> bool:
    a_low, a_high = a[0] if a[0] is not None else -1.0, a[1] if a[1] is not None else float("inf")
    b_low, b_high = b[0] if b[0] is not None else -1.0, b[1] if b[1] is not None else float("inf")
    return a_low <= b_high and b_low <= a_high


def _unit_hint(
    ri: ReferenceInterval,
    analyte: Analyte,
    healthy: Sequence[tuple[float | None, float | None]],
) -> str:
    """Name a common unit in which the range would fit: the usual cause is a unit slip."""
    for unit in analyte.common_units:
        try:
            resolved = analyte.resolve_unit(unit)
        except LabinterpError:  # pragma: no cover - common units resolve by construction
            continue
        if resolved.ucum == analyte.resolve_unit(ri.unit).ucum:
            continue
        moved = tuple(None if b is None else b * resolved.to_canonical for b in (ri.low, ri.high))
        if any(_overlap(moved, h) for h in healthy):  # type: ignore[arg-type]
            given = f"{_num(ri.low)}-{_num(ri.high)} {unit}"
            if resolved.ucum != analyte.canonical_unit:
                shown = "-".join(f"{b:.3g}" for b in moved if b is not None)
                given += f" = {shown} {analyte.canonical_unit}"
            return f"; it would fit in {unit} ({given}), a likely unit slip"
    return ""
