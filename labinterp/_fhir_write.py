"""FHIR R4 out: an interpretation as Observations, and a pack's limits as ObservationDefinitions.

Every resource is a plain dict in FHIR's JSON form; :mod:`labinterp.fhir` explains the
choices. Output is deterministic: ids are UUIDs derived from the subject, the panel's time,
the pack and the analyte (and a digest of the panel when its subject or time is not known),
and nothing depends on the clock.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from labinterp._analyte_types import Analyte
from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._derived import compute_derived
from labinterp._errors import InvalidValueError, LabinterpError, shorten
from labinterp._fhir_observation import LOINC_SYSTEM, UCUM_SYSTEM
from labinterp._fhir_panels import FhirPanel, resolve_pack
from labinterp._findings import AnalyteFlag, Interpretation
from labinterp._pack_models import Cutoff, When
from labinterp._packs import Pack, ReferenceIntervalSpec
from labinterp._units import Dimension, normalize_unit

__all__ = [
    "PACK_SYSTEM",
    "PATTERN_SYSTEM",
    "STATUS_SYSTEM",
    "V3_INTERPRETATION",
    "pack_to_observation_definitions",
    "to_fhir",
]

V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
REFERENCE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# labinterp's own identifiers. They are URNs, not web addresses: nothing is served there, and
# they name labinterp's codes (pack names, pattern ids, statuses) without claiming a registry.
PACK_SYSTEM = "urn:labinterp:pack"
PATTERN_SYSTEM = "urn:labinterp:pattern"
STATUS_SYSTEM = "urn:labinterp:status"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:labinterp")

_HL7_DISPLAY: Mapping[str, str] = {
    "LL": "Critical low",
    "L": "Low",
    "N": "Normal",
    "H": "High",
    "HH": "Critical high",
}
_STATUS_DISPLAY: Mapping[str, str] = {
    "consistent": "consistent with the pattern",
    "not_consistent": "not consistent with the pattern",
    "indeterminate": "indeterminate",
}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "unit": unit}
    # Units reaching here were read by labinterp, so they normalise; the guard keeps the
    # quantity valid (unit text only) should one ever not.
    with contextlib.suppress(LabinterpError):
        out |= {"system": UCUM_SYSTEM, "code": normalize_unit(unit)}
    return out


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "|".join(str(p) for p in parts)))


def _loinc_for(analyte: Analyte, unit: str) -> dict[str, Any] | None:
    """The catalog's LOINC code that fits the unit: mass or substance concentration."""
    if not analyte.loinc:
        return None
    wanted = None
    try:
        dimension = analyte.resolve_unit(unit).dimension
        wanted = {
            Dimension.MASS_CONCENTRATION: "MCnc",
            Dimension.SUBSTANCE_CONCENTRATION: "SCnc",
        }.get(dimension)
    except LabinterpError:  # pragma: no cover - the unit was read by labinterp
        pass
    code = next((c for c in analyte.loinc if c.property == wanted), analyte.loinc[0])
    return {"system": LOINC_SYSTEM, "code": code.code, "display": code.long_name}


# --- to_fhir ---------------------------------------------------------------------------------


def to_fhir(
    interpretation: Interpretation,
    *,
    source: FhirPanel | None = None,
    subject: str | None = None,
) -> dict[str, Any]:
    """An interpretation as a FHIR R4 Bundle of type collection (details in
    :mod:`labinterp.fhir`).

    ``source``: the :class:`FhirPanel` the interpreted panel came from, so that every output
    Observation links to its input (``derivedFrom``) and keeps its LOINC code, subject and
    time. ``subject``: a reference such as ``"Patient/123"`` (default: the source's subject).
    The Bundle holds one Observation per flagged result, then the patterns Observation.
    Ids are derived from the subject, the panel's time (window start, else latest result),
    pack and analyte, plus a digest of the panel when the subject or time is not known: equal
    input gives equal output, and two panels never share ids.
    """
    if not isinstance(interpretation, Interpretation):
        raise InvalidValueError(
            f"interpretation: expected a labinterp Interpretation, got "
            f"{type(interpretation).__name__} {shorten(interpretation)}",
            field="interpretation",
            value=interpretation,
            expected="the result of labinterp.interpret",
        )
    if source is not None and not isinstance(source, FhirPanel):
        raise InvalidValueError(
            f"source: expected a FhirPanel from panels_from_bundle, got {type(source).__name__}",
            field="source",
            value=source,
            expected="a labinterp.fhir.FhirPanel or None",
        )
    if subject is not None and not isinstance(subject, str):
        raise InvalidValueError(
            f"subject: expected a reference such as 'Patient/123', got {shorten(subject)}",
            field="subject",
            value=subject,
            expected="a FHIR reference string",
        )
    who = subject or (source.subject if source else None)
    seed = _id_seed(interpretation, source, who)
    entries: list[dict[str, Any]] = []
    inputs: list[str] = []
    restated: dict[str, str] = {}
    for flag in interpretation.flags:
        resource = _value_observation(flag, source, who, seed)
        url = f"urn:uuid:{resource['id']}"
        entries.append({"fullUrl": url, "resource": resource})
        restated[flag.analyte] = _source_of(source, flag.analyte) or url
        inputs.append(restated[flag.analyte])
    for computed in _computed_observations(interpretation, source, who, seed, restated):
        url = f"urn:uuid:{computed['id']}"
        entries.append({"fullUrl": url, "resource": computed})
        inputs.append(url)
    patterns = _pattern_observation(interpretation, source, who, seed, inputs)
    entries.append({"fullUrl": f"urn:uuid:{patterns['id']}", "resource": patterns})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _id_seed(
    interpretation: Interpretation, source: FhirPanel | None, who: str | None
) -> tuple[object, ...]:
    """What the ids are derived from: subject, the panel's time, pack name and version.

    The time is the window's start, else the latest result's time, else the panel's day.
    When the subject or the time is not known, a digest of the panel's results and context
    is added, so that two different panels never share ids (a PUT would overwrite one with
    the other, and a merged Bundle would repeat a fullUrl); equal input still gives equal ids.
    """
    pack = interpretation.pack
    when: datetime | date | None = None
    if source is not None:
        known = [m for m in source.effective.values() if m is not None]
        when = source.window_start or (max(known) if known else source.day)
    seed: tuple[object, ...] = (who, when.isoformat() if when else None, pack.name, pack.version)
    if who is None or when is None:
        panel = interpretation.panel.model_dump_json()
        seed += (hashlib.sha256(panel.encode("utf-8")).hexdigest()[:32],)
    return seed


def _source_of(source: FhirPanel | None, analyte: str) -> str | None:
    """The reference to the Observation a result was read from, when it has one outside the
    input (a contained resource or one without an id is named only by its JSON path)."""
    ref = source.sources.get(analyte) if source else None
    if ref is None or ref.startswith(("$", "line ")):
        return None
    return ref


def _reference(ref: str) -> dict[str, str]:
    return {"reference": ref}


def _effective(source: FhirPanel | None, analyte: str | None) -> str | None:
    """A result's time (or the latest of the panel's): a date given without a time is
    written back as that date, not as midnight UTC."""
    if source is None:
        return None
    names = [analyte] if analyte else list(source.effective)
    known = [(m, a) for a in names if (m := source.effective.get(a)) is not None]
    if not known:
        return None
    moment, latest = max(known, key=lambda pair: pair[0])
    given = source.effective_as_given.get(latest)
    # Only a date is echoed: a time is written from the instant read, which always has a
    # zone (FHIR requires one; a time given without one was read as UTC).
    return given if given is not None and "T" not in given else moment.isoformat()


def _value_observation(
    flag: AnalyteFlag, source: FhirPanel | None, who: str | None, seed: tuple[object, ...]
) -> dict[str, Any]:
    analyte = ANALYTES[flag.analyte]
    observed = flag.observed
    quantity = _quantity(observed.value, observed.unit)
    if observed.comparator:
        quantity = {"value": observed.value, "comparator": observed.comparator} | {
            k: v for k, v in quantity.items() if k != "value"
        }
    loinc = source.loinc.get(flag.analyte) if source else None
    coding = (
        {"system": LOINC_SYSTEM, "code": loinc} if loinc else _loinc_for(analyte, observed.unit)
    )
    code: dict[str, Any] = {"text": analyte.display_name}
    if coding:
        code["coding"] = [coding]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _uid(*seed, flag.analyte),
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]},
        ],
        "code": code,
    }
    if who:
        resource["subject"] = _reference(who)
    when = _effective(source, flag.analyte)
    if when:
        resource["effectiveDateTime"] = when
    resource["valueQuantity"] = quantity
    interpretation = _flag_concept(flag)
    if interpretation:
        resource["interpretation"] = [interpretation]
    if flag.low is not None or flag.high is not None:
        bounds = {
            side: _quantity(bound, flag.unit)
            for side, bound in (("low", flag.low), ("high", flag.high))
            if bound is not None
        }
        resource["referenceRange"] = [bounds | {"text": flag.interval_source or "reference"}]
    known = _source_of(source, flag.analyte)
    if known:
        resource["derivedFrom"] = [_reference(known)]
    return resource


def _computed_observations(
    interpretation: Interpretation,
    source: FhirPanel | None,
    who: str | None,
    seed: tuple[object, ...],
    restated: Mapping[str, str],
) -> list[dict[str, Any]]:
    """An Observation for each result labinterp computed exactly and LOINC names (transferrin
    saturation from serum iron and TIBC), ``derivedFrom`` its inputs.

    Indices without a LOINC code (Mentzer, production index, sTfR index) and indices only
    bounded over a missing or censored input (``canonical_interval`` low < high) are left
    out: FHIR has no code for the first, and a bound is not a value (both are in the trace
    and in ``to_json()``).
    """
    out: list[dict[str, Any]] = []
    for aid, measurement in compute_derived(interpretation.panel.measurements).items():
        analyte = ANALYTES[aid]
        how = analyte.derivable or analyte.derived
        coding = _loinc_for(analyte, measurement.unit)
        if coding is None or how is None:
            continue
        low, _, high, _ = measurement.canonical_interval
        if low < high:  # pragma: no cover - compute_derived gives exact values only
            continue
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": _uid(*seed, aid),
            # Preliminary: arithmetic by labinterp that no laboratory has verified.
            "status": "preliminary",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
            "code": {"coding": [coding], "text": analyte.display_name},
        }
        if who:
            resource["subject"] = _reference(who)
        when = _effective(source, None)
        if when:
            resource["effectiveDateTime"] = when
        # Six figures: enough to keep the value on its side of any cut-off.
        resource["valueQuantity"] = _quantity(float(f"{measurement.value:.6g}"), measurement.unit)
        resource["method"] = {"text": f"calculated by labinterp: {how.formula}"}
        resource["note"] = [
            {
                "text": f"Calculated by labinterp, not measured by the laboratory: "
                f"{measurement.derived_from}."
            }
        ]
        sources = [restated[i] for i in how.inputs if i in restated]
        if sources:
            resource["derivedFrom"] = [_reference(ref) for ref in sources]
        out.append(resource)
    return out


def _flag_concept(flag: AnalyteFlag) -> dict[str, Any] | None:
    if flag.code is not None:
        return {
            "coding": [
                {"system": V3_INTERPRETATION, "code": flag.code, "display": _HL7_DISPLAY[flag.code]}
            ],
            "text": flag.flag,
        }
    if flag.flag == "no reference interval":
        return None
    # "not low", "undetermined" ...: no HL7 code is true of every value the result allows.
    return {"text": flag.flag}


def _pattern_observation(
    interpretation: Interpretation,
    source: FhirPanel | None,
    who: str | None,
    seed: tuple[object, ...],
    inputs: list[str],
) -> dict[str, Any]:
    pack = interpretation.pack
    components = [
        {
            "code": {
                "coding": [{"system": PATTERN_SYSTEM, "code": f.id, "display": f.name}],
                "text": f.name,
            },
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": STATUS_SYSTEM,
                        "code": f.status,
                        "display": _STATUS_DISPLAY[f.status],
                    }
                ],
                "text": f.label,
            },
        }
        for f in interpretation.patterns
    ]
    components += [
        {
            "code": {
                "coding": [{"system": PATTERN_SYSTEM, "code": c.id, "display": c.name}],
                "text": c.name,
            },
            "valueCodeableConcept": {"text": c.label},
        }
        for c in interpretation.classifications
    ]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _uid(*seed, "patterns"),
        # Preliminary: an educational reading no clinician has verified, never a final result.
        "status": "preliminary",
        "code": {"text": "labinterp pattern interpretation (educational, not a diagnosis)"},
        "method": {
            "coding": [
                {
                    "system": PACK_SYSTEM,
                    "code": pack.name,
                    "version": pack.version,
                    "display": pack.title,
                }
            ],
            "text": f"labinterp threshold pack {pack.name} version {pack.version}",
        },
    }
    if who:
        resource["subject"] = _reference(who)
    when = _effective(source, None)
    if when:
        resource["effectiveDateTime"] = when
    if inputs:
        resource["derivedFrom"] = [_reference(ref) for ref in inputs]
    resource["note"] = [{"text": interpretation.disclaimer}] + [
        {"text": f"Assumption: {a}"} for a in interpretation.assumptions
    ]
    if components:
        resource["component"] = components
    return resource


# --- ObservationDefinition -------------------------------------------------------------------


def pack_to_observation_definitions(pack: Pack | str | Path | None = None) -> list[dict[str, Any]]:
    """A pack's limits as FHIR R4 ObservationDefinitions, one per analyte in catalog order.

    ``pack``: a Pack, a bundled pack name or path, or None for the default pack. Each
    definition carries the analyte's LOINC codes, its canonical unit, and one
    ``qualifiedInterval`` per reference interval (category reference), critical limit
    (category critical) and pattern decision limit (no category; ``condition`` names the
    threshold, the context and the source). Limits stay in the pack's own units.
    """
    chosen = resolve_pack(pack)
    intervals: dict[str, list[dict[str, Any]]] = {}
    for key, spec in chosen.reference_intervals.items():
        aid = resolve_analyte_id(key)
        for item in spec.intervals:
            intervals.setdefault(aid, []).extend(_reference_intervals(item, spec.source))
    for tid, threshold in chosen.thresholds.items():
        aid = resolve_analyte_id(threshold.analyte)
        for cutoff in threshold.cutoffs:
            source = cutoff.source or threshold.source
            intervals.setdefault(aid, []).append(_threshold_interval(tid, aid, cutoff, source))
    return [_definition(chosen, aid, intervals[aid]) for aid in ANALYTES if aid in intervals]


def _definition(pack: Pack, aid: str, qualified: list[dict[str, Any]]) -> dict[str, Any]:
    analyte = ANALYTES[aid]
    code: dict[str, Any] = {"text": analyte.display_name}
    if analyte.loinc:
        code["coding"] = [
            {"system": LOINC_SYSTEM, "code": c.code, "display": c.long_name} for c in analyte.loinc
        ]
    return {
        "resourceType": "ObservationDefinition",
        "id": f"{pack.name}-{aid}".replace("_", "-")[:64],
        "identifier": [{"system": PACK_SYSTEM, "value": f"{pack.name}/{pack.version}/{aid}"}],
        "code": code,
        "permittedDataType": ["Quantity"],
        "preferredReportName": analyte.display_name,
        "quantitativeDetails": {
            "unit": {
                "coding": [{"system": UCUM_SYSTEM, "code": analyte.canonical_unit}],
                "text": analyte.canonical_unit,
            }
        },
        "qualifiedInterval": qualified,
    }


def _range(low: float | None, high: float | None, unit: str) -> dict[str, Any]:
    return {
        side: _quantity(bound, unit)
        for side, bound in (("low", low), ("high", high))
        if bound is not None
    }


def _context_parts(when: When) -> dict[str, Any]:
    """gender, age and appliesTo for a pack context; sex and age have their own elements."""
    out: dict[str, Any] = {}
    if when.sex:
        out["gender"] = when.sex
    if when.age_min is not None or when.age_max is not None:
        out["age"] = {
            side: {"value": bound, "unit": "years", "system": UCUM_SYSTEM, "code": "a"}
            for side, bound in (("low", when.age_min), ("high", when.age_max))
            if bound is not None
        }
    rest = when.model_copy(update={"sex": None, "age_min": None, "age_max": None}).describe()
    if rest != "everyone":
        out["appliesTo"] = [{"text": rest}]
    return out


def _age_note(when: When) -> str:
    # FHIR ranges include both ends; the pack's age_max is exclusive, so say so.
    return f"; age below {when.age_max:g} years (exclusive)" if when.age_max is not None else ""


def _reference_intervals(item: ReferenceIntervalSpec, source: str | None) -> list[dict[str, Any]]:
    context = _context_parts(item.when)
    cited = f"; source: {item.source or source}" if (item.source or source) else ""
    out: list[dict[str, Any]] = []
    if item.low is not None or item.high is not None:
        out.append(
            {
                "category": "reference",
                "range": _range(item.low, item.high, item.unit),
                "context": {
                    "coding": [
                        {"system": REFERENCE_MEANING, "code": "normal", "display": "Normal Range"}
                    ]
                },
                **context,
                "condition": f"reference interval for {item.when.describe()}{_age_note(item.when)}"
                f"{cited}",
            }
        )
    critical = item.critical_source or item.source or source
    shown = f"; source: {critical}" if critical else ""
    if item.critical_low is not None:
        out.append(
            {
                "category": "critical",
                "range": _range(None, item.critical_low, item.unit),
                **context,
                "condition": f"critically low: below {item.critical_low:g} {item.unit} (the limit "
                f"itself excluded), {item.when.describe()}{shown}",
            }
        )
    if item.critical_high is not None:
        out.append(
            {
                "category": "critical",
                "range": _range(item.critical_high, None, item.unit),
                **context,
                "condition": f"critically high: above {item.critical_high:g} {item.unit} (the "
                f"limit itself excluded), {item.when.describe()}{shown}",
            }
        )
    return out


def _threshold_interval(tid: str, aid: str, cutoff: Cutoff, source: str | None) -> dict[str, Any]:
    """A decision limit of a pattern: no FHIR category fits, so ``condition`` says what it is."""
    low: float | None
    high: float | None
    if cutoff.interval is not None:
        band = cutoff.interval
        low, high = band.low, band.high
        ends = (
            f"{'[' if band.low_inclusive else '('}{band.low:g}, {band.high:g}"
            f"{']' if band.high_inclusive else ')'} {cutoff.unit}"
        )
    else:
        assert cutoff.comparator is not None
        assert cutoff.value is not None
        low = cutoff.value if cutoff.comparator in (">", ">=") else None
        high = cutoff.value if cutoff.comparator in ("<", "<=") else None
        ends = f"{cutoff.comparator} {cutoff.value:g} {cutoff.unit}"
        if cutoff.comparator in ("<", ">"):
            ends += " (the limit itself excluded)"
    cited = f"; source: {source}" if source else ""
    return {
        "range": _range(low, high, cutoff.unit),
        **_context_parts(cutoff.when),
        "condition": f"decision limit {tid}: {aid} {ends}, for {cutoff.when.describe()}"
        f"{_age_note(cutoff.when)}{cited}",
    }
