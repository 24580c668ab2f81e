"""labinterp.fhir.to_fhir and pack_to_observation_definitions: FHIR R4 out, validated.

The output is checked against the R4B models of ``fhir.resources`` (in the dev extra; the
tests fail, never skip, without it). R4B keeps R4's Bundle, Observation and
ObservationDefinition.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "fhir", reason="validating FHIR output needs the fhir extra: pip install -e '.[fhir]'"
)
from _fhir_helpers import (
    F005,
    FERRITIN,
    HEMOGLOBIN,
    SYNTHEA_SUBJECT,
    bundle,
    observation,
    patient,
    synthea_text,
)
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observationdefinition import ObservationDefinition

import labinterp
from labinterp._units import is_close
from labinterp.fhir import (
    PACK_SYSTEM,
    PATTERN_SYSTEM,
    STATUS_SYSTEM,
    V3_INTERPRETATION,
    FhirPanel,
    pack_to_observation_definitions,
    panels_from_bundle,
    to_fhir,
)


def resources(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in doc["entry"]]


def split(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The per-value Observations and the patterns Observation of a to_fhir bundle."""
    *values, patterns = resources(doc)
    assert patterns["status"] == "preliminary"
    assert all(v["status"] == "final" for v in values)
    return values, patterns


def by_code(values: list[dict[str, Any]], loinc: str) -> dict[str, Any]:
    (found,) = [v for v in values if v["code"]["coding"][0]["code"] == loinc]
    return found


def interpretation_code(resource: dict[str, Any]) -> str | None:
    concepts = resource.get("interpretation", [])
    codings = [c for concept in concepts for c in concept.get("coding", [])]
    assert all(c["system"] == V3_INTERPRETATION for c in codings)
    return codings[0]["code"] if codings else None


def one_panel(source: object, **kwargs: Any) -> FhirPanel:
    reading = panels_from_bundle(source, **kwargs)
    (only,) = reading.panels.values()
    return only


# --- round trip ---------------------------------------------------------------------------------


def test_synthea_round_trip_validates_and_links_to_the_inputs() -> None:
    reading = panels_from_bundle(synthea_text(), window=timedelta(days=1))
    for fhir_panel in reading.for_subject(SYNTHEA_SUBJECT):
        result = labinterp.interpret(fhir_panel.panel)
        doc = to_fhir(result, source=fhir_panel)
        Bundle.model_validate(doc)
        values, patterns = split(doc)
        assert len(values) == len(result.flags) == 4
        assert {r["reference"] for r in patterns["derivedFrom"]} == set(fhir_panel.sources.values())
        for value in values:
            assert value["subject"] == {"reference": SYNTHEA_SUBJECT}
            (link,) = value["derivedFrom"]
            assert link["reference"] in fhir_panel.sources.values()
        assert patterns["subject"] == {"reference": SYNTHEA_SUBJECT}
        assert patterns["effectiveDateTime"].startswith(("2016-06-22", "2021-07-21"))


def test_every_flag_gets_its_hl7_code_from_the_v3_system() -> None:
    resources_in = [
        patient(gender="female", birth="1980-01-01"),
        observation(HEMOGLOBIN, 6, "g/dL", oid="hb"),  # below the critical 6.5 g/dL
        observation(FERRITIN, 8, "ug/L", oid="fe", low=15, high=150),  # below the lab's range
        observation("787-2", 90, "fL", oid="mcv"),  # inside 80-100 fL
        observation("1988-5", 40, "mg/L", oid="crp"),  # above 5 mg/L
    ]
    fhir_panel = one_panel(bundle(*resources_in))
    result = labinterp.interpret(fhir_panel.panel)
    doc = to_fhir(result, source=fhir_panel)
    Bundle.model_validate(doc)
    values, _ = split(doc)
    codes = {v["code"]["coding"][0]["code"]: interpretation_code(v) for v in values}
    assert codes == {HEMOGLOBIN: "LL", FERRITIN: "L", "787-2": "N", "1988-5": "H"}
    for flag in result.flags:
        value = by_code(values, fhir_panel.loinc[flag.analyte])
        assert interpretation_code(value) == flag.code
        assert value["interpretation"][0]["text"] == flag.flag
    ferritin = by_code(values, FERRITIN)
    assert ferritin["referenceRange"][0]["low"]["value"] == 15
    assert ferritin["referenceRange"][0]["text"] == "the laboratory's own reference interval"


def test_a_flag_without_a_code_is_given_as_text_only() -> None:
    # Hemoglobin above the pack's lower limit, which has no upper limit: "not low", no code.
    fhir_panel = one_panel(bundle(patient(gender="male"), observation(HEMOGLOBIN, 15, "g/dL")))
    values, _ = split(to_fhir(labinterp.interpret(fhir_panel.panel), source=fhir_panel))
    (value,) = values
    assert value["interpretation"] == [{"text": "not low"}]


def test_the_patterns_observation_carries_every_status_the_pack_and_the_disclaimer() -> None:
    fhir_panel = one_panel(
        bundle(
            patient(),
            observation(FERRITIN, 8, "ug/L", oid="fe"),
            observation(HEMOGLOBIN, 10.5, "g/dL", oid="hb"),
            observation("787-2", 72, "fL", oid="mcv"),
            observation("1988-5", 1, "mg/L", oid="crp"),
            observation("2502-3", 8, "%", oid="tsat"),
        )
    )
    result = labinterp.interpret(fhir_panel.panel)
    doc = to_fhir(result, source=fhir_panel)
    Bundle.model_validate(doc)
    _, patterns = split(doc)
    components = patterns["component"]
    statuses = {
        c["code"]["coding"][0]["code"]: c["valueCodeableConcept"]["coding"][0]["code"]
        for c in components
        if "coding" in c["valueCodeableConcept"]
    }
    assert statuses == result.statuses()
    assert statuses["iron_deficiency"] == "consistent"
    assert all(c["code"]["coding"][0]["system"] == PATTERN_SYSTEM for c in components)
    assert all(
        c["valueCodeableConcept"]["coding"][0]["system"] == STATUS_SYSTEM
        for c in components
        if "coding" in c["valueCodeableConcept"]
    )
    classifications = [c for c in components if "coding" not in c["valueCodeableConcept"]]
    assert len(classifications) == len(result.classifications)
    (pack_coding,) = patterns["method"]["coding"]
    assert pack_coding == {
        "system": PACK_SYSTEM,
        "code": result.pack.name,
        "version": result.pack.version,
        "display": result.pack.title,
    }
    notes = [n["text"] for n in patterns["note"]]
    assert notes[0] == result.disclaimer
    assert "not a diagnosis" in patterns["code"]["text"]
    assert {r["reference"] for r in patterns["derivedFrom"]} == {
        "Observation/fe",
        "Observation/hb",
        "Observation/mcv",
        "Observation/crp",
        "Observation/tsat",
    }


def test_f005_round_trip_validates() -> None:
    fhir_panel = one_panel(F005)
    doc = to_fhir(labinterp.interpret(fhir_panel.panel), source=fhir_panel)
    Bundle.model_validate(doc)
    values, patterns = split(doc)
    (hb,) = values
    assert hb["derivedFrom"] == [{"reference": "Observation/f005"}]
    # Flagged against the pack (the f005 range was refused): below 10.5 g/dL whatever the sex.
    assert interpretation_code(hb) == "L"
    assert patterns["derivedFrom"] == [{"reference": "Observation/f005"}]


# --- without FHIR input ------------------------------------------------------------------------


def test_a_panel_built_in_python_links_to_the_restated_values() -> None:
    panel = labinterp.Panel(ferritin="<5 ng/mL", hemoglobin="9.8 g/dL", sex="female", age=30)
    result = labinterp.interpret(panel)
    doc = to_fhir(result, subject="Patient/123")
    Bundle.model_validate(doc)
    values, patterns = split(doc)
    urls = [e["fullUrl"] for e in doc["entry"][:-1]]
    assert [r["reference"] for r in patterns["derivedFrom"]] == urls
    ferritin = next(v for v in values if v["code"]["text"] == "ferritin")
    assert ferritin["valueQuantity"]["comparator"] == "<"
    assert ferritin["valueQuantity"]["code"] == "ng/mL"
    assert ferritin["code"]["coding"][0]["code"] == FERRITIN  # mass units: the MCnc code
    assert all(v["subject"] == {"reference": "Patient/123"} for v in values)
    assert "effectiveDateTime" not in patterns
    assert "derivedFrom" not in ferritin


def test_a_substance_unit_gets_the_scnc_loinc_code() -> None:
    result = labinterp.interpret(labinterp.Panel(iron="8 umol/L"))
    values, _ = split(to_fhir(result))
    assert values[0]["code"]["coding"][0]["code"] == "14798-3"


def test_output_is_deterministic_and_json() -> None:
    fhir_panel = one_panel(F005)
    result = labinterp.interpret(fhir_panel.panel)
    first = to_fhir(result, source=fhir_panel)
    assert json.dumps(first, sort_keys=True) == json.dumps(
        to_fhir(labinterp.interpret(fhir_panel.panel), source=fhir_panel), sort_keys=True
    )
    ids = [e["resource"]["id"] for e in first["entry"]]
    assert len(set(ids)) == len(ids)
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in first["entry"])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"interpretation": "not an interpretation"}, "interpretation"),
        ({"source": {"subject": "x"}}, "source"),
        ({"subject": 12}, "subject"),
    ],
)
def test_to_fhir_refuses_wrong_arguments(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"interpretation": labinterp.interpret(labinterp.Panel())} | kwargs
    with pytest.raises(labinterp.InvalidValueError) as caught:
        to_fhir(**args)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


# --- ObservationDefinition -------------------------------------------------------------------


@pytest.mark.parametrize("name", labinterp.bundled_pack_names())
def test_every_bundled_pack_exports_valid_observation_definitions(name: str) -> None:
    definitions = pack_to_observation_definitions(name)
    assert definitions
    for definition in definitions:
        ObservationDefinition.model_validate(definition)
    ids = [d["id"] for d in definitions]
    assert len(set(ids)) == len(ids)


def _definition(analyte: str) -> dict[str, Any]:
    (found,) = [
        d
        for d in pack_to_observation_definitions()
        if d["identifier"][0]["value"].endswith(f"/{analyte}")
    ]
    return found


def test_hemoglobin_reference_intervals_by_sex_and_pregnancy() -> None:
    definition = _definition("hemoglobin")
    pack = labinterp.default_pack()
    assert definition["identifier"][0]["value"] == f"default/{pack.version}/hemoglobin"
    assert {c["code"] for c in definition["code"]["coding"]} == {"718-7", "59260-0"}
    reference = [q for q in definition["qualifiedInterval"] if q.get("category") == "reference"]
    men = [q for q in reference if q.get("gender") == "male"]
    assert len(men) == 1
    assert men[0]["range"] == {
        "low": {"value": 130, "unit": "g/L", "system": "http://unitsofmeasure.org", "code": "g/L"}
    }
    adults = [q for q in reference if q.get("age", {}).get("low", {}).get("value", 15) >= 15]
    applies = sorted(q["appliesTo"][0]["text"] for q in adults if "appliesTo" in q)
    assert applies == ["not pregnant", "pregnant, trimester 1/3", "pregnant, trimester 2"]
    # Children's limits (WHO 2024) carry their age band, in years, upper bound exclusive.
    bands = sorted(
        (q["age"]["low"]["value"], q["age"]["high"]["value"], q["range"]["low"]["value"])
        for q in reference
        if "high" in q.get("age", {})
    )
    assert bands == [(0.5, 2, 105), (2, 5, 110), (5, 12, 115), (12, 15, 120)]
    critical = [q for q in definition["qualifiedInterval"] if q.get("category") == "critical"]
    assert critical
    assert all(q["range"]["high"]["value"] == 65 for q in critical)
    assert all("excluded" in q["condition"] for q in critical)


def test_a_decision_limit_says_its_bound_is_excluded() -> None:
    definition = _definition("ferritin")
    limits = [q for q in definition["qualifiedInterval"] if "category" not in q]
    depleted = [q for q in limits if "ferritin_depleted_stores" in q["condition"]]
    by_age = {q["age"]["low"]["value"]: q for q in depleted}
    assert sorted(by_age) == [0.5, 5]  # WHO 2020: under 5 years, and 5 years and over
    assert by_age[5]["range"]["high"]["value"] == 15
    assert "< 15 ug/L (the limit itself excluded)" in by_age[5]["condition"]
    assert by_age[0.5]["range"]["high"]["value"] == 12


AGE_PACK = """
schema_version: 1
name: child_hb
version: "1"
title: A test pack with an age band
population: {age_min: 5, age_max: 12, description: children aged 5 to 11}
sources:
  src: {title: A test source, kind: textbook}
reference_intervals:
  hemoglobin:
    source: src
    confidence: established
    intervals:
      - when: {age_min: 5, age_max: 12}
        low: 115
        unit: g/L
"""


def test_age_bands_become_fhir_age_ranges(tmp_path: Path) -> None:
    path = tmp_path / "child_hb.yaml"
    path.write_text(AGE_PACK, encoding="utf-8")
    (definition,) = pack_to_observation_definitions(labinterp.load_pack(path))
    ObservationDefinition.model_validate(definition)
    (interval,) = definition["qualifiedInterval"]
    ucum = "http://unitsofmeasure.org"
    assert interval["age"] == {
        "low": {"value": 5, "unit": "years", "system": ucum, "code": "a"},
        "high": {"value": 12, "unit": "years", "system": ucum, "code": "a"},
    }
    assert "age below 12 years (exclusive)" in interval["condition"]
    assert "gender" not in interval
    assert "appliesTo" not in interval


def test_observation_definitions_take_a_pack_object() -> None:
    pack = labinterp.default_pack()
    assert pack_to_observation_definitions(pack) == pack_to_observation_definitions()


@pytest.mark.parametrize(
    "values",
    [
        {"ferritin": "<5 ng/mL", "hemoglobin": "9.8 g/dL", "mcv": "72 fL"},
        {"vitamin_b12": "150 pmol/L", "methylmalonic_acid": "0.5 umol/L", "folate": "12 nmol/L"},
        {"iron": "45 ug/dL", "tibc": "420 ug/dL", "transferrin_saturation": "11 %"},
        {"reticulocytes_absolute": ">150 10*9/L", "ldh": "400 U/L", "haptoglobin": "<10 mg/dL"},
    ],
)
def test_restated_values_read_back_as_the_same_measurements(values: dict[str, str]) -> None:
    panel = labinterp.Panel.from_mapping(values)
    doc = to_fhir(labinterp.interpret(panel), subject="Patient/rt")
    reading = panels_from_bundle(doc)
    (back,) = reading.panels.values()
    for analyte, original in panel.measurements.items():
        again = back.panel.measurements[analyte]
        assert (again.value, again.unit, again.comparator) == (
            original.value,
            original.unit,
            original.comparator,
        )
    # The patterns Observation has no LOINC code: reported, not read as a result; no Patient
    # was given, and that is said once.
    patterns, no_patient = reading.skipped
    assert "no LOINC coding" in patterns.reason
    assert no_patient.part == "Patient"
    assert "no Patient resource for 'Patient/rt'" in no_patient.reason


# --- ids never collide ----------------------------------------------------------------------


def _ids(doc: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in doc["entry"]]


def _bundle_of_one_date(value: float, when: str) -> dict[str, Any]:
    reading = panels_from_bundle(
        bundle(patient(), observation(HEMOGLOBIN, value, "g/dL", oid=f"hb-{when[:4]}", when=when))
    )
    (fhir_panel,) = reading.panels.values()
    return to_fhir(labinterp.interpret(fhir_panel.panel), source=fhir_panel)


def test_one_patients_panels_on_two_dates_never_share_ids() -> None:
    first = _bundle_of_one_date(10.0, "2024-03-01T08:00:00Z")
    second = _bundle_of_one_date(13.5, "2026-03-01T08:00:00Z")
    assert not set(_ids(first)) & set(_ids(second))
    # ... and each stays the same when made again.
    assert _ids(first) == _ids(_bundle_of_one_date(10.0, "2024-03-01T08:00:00Z"))


def test_two_patients_without_a_source_never_share_full_urls() -> None:
    a = labinterp.Panel.from_mapping({"hemoglobin": "10 g/dL", "sex": "female", "age": 30})
    b = labinterp.Panel.from_mapping({"hemoglobin": "14 g/dL", "sex": "male", "age": 70})
    one, other = to_fhir(labinterp.interpret(a)), to_fhir(labinterp.interpret(b))
    merged = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": one["entry"] + other["entry"],
    }
    urls = [e["fullUrl"] for e in merged["entry"]]
    assert len(set(urls)) == len(urls) == 4
    Bundle.model_validate(merged)
    assert _ids(one) == _ids(to_fhir(labinterp.interpret(a)))


def test_two_subjects_with_the_same_results_never_share_ids() -> None:
    result = labinterp.interpret(labinterp.Panel.from_mapping({"hemoglobin": "10 g/dL"}))
    assert not set(_ids(to_fhir(result, subject="Patient/a"))) & set(
        _ids(to_fhir(result, subject="Patient/b"))
    )


# --- results labinterp computed -------------------------------------------------------------


def _iron_study_bundle(**extra: dict[str, Any]) -> tuple[FhirPanel, dict[str, Any]]:
    reading = panels_from_bundle(
        bundle(
            patient(),
            observation("2498-4", 35, "ug/dL", oid="fe"),
            observation("2500-7", 430, "ug/dL", oid="tibc"),
            observation(FERRITIN, 12, "ng/mL", oid="ferr"),
            observation(HEMOGLOBIN, 10.0, "g/dL", oid="hb"),
            *extra.values(),
        )
    )
    (fhir_panel,) = reading.panels.values()
    return fhir_panel, to_fhir(labinterp.interpret(fhir_panel.panel), source=fhir_panel)


def test_a_computed_transferrin_saturation_is_its_own_observation() -> None:
    _, doc = _iron_study_bundle()
    Bundle.model_validate(doc)
    (tsat,) = [
        r for r in resources(doc) if r["code"].get("coding", [{}])[0].get("code") == "2502-3"
    ]
    assert tsat["status"] == "preliminary"
    # Six figures are written: 8.13953 %.
    assert is_close(tsat["valueQuantity"]["value"], 8.13953)
    assert abs(tsat["valueQuantity"]["value"] - 35 / 430 * 100) < 1e-5
    assert tsat["valueQuantity"]["code"] == "%"
    assert tsat["derivedFrom"] == [
        {"reference": "Observation/fe"},
        {"reference": "Observation/tibc"},
    ]
    assert "Calculated by labinterp, not measured by the laboratory" in tsat["note"][0]["text"]
    assert "interpretation" not in tsat  # a computed result gets no flag
    entries = doc["entry"]
    url = next(e["fullUrl"] for e in entries if e["resource"] is tsat)
    _, patterns = resources(doc)[-2:]
    assert {"reference": url} in patterns["derivedFrom"]


def test_a_reported_transferrin_saturation_is_not_computed_again() -> None:
    _, doc = _iron_study_bundle(tsat=observation("2502-3", 9, "%", oid="ts"))
    tsats = [r for r in resources(doc) if r["code"].get("coding", [{}])[0].get("code") == "2502-3"]
    assert len(tsats) == 1
    assert tsats[0]["status"] == "final"
    assert tsats[0]["derivedFrom"] == [{"reference": "Observation/ts"}]


def test_indices_without_a_loinc_code_are_not_exported() -> None:
    result = labinterp.interpret(
        labinterp.Panel.from_mapping({"mcv": "65 fL", "rbc": "5.6 10*12/L"}), pack="default"
    )
    assert result.panel.measurements.keys() == {"mcv", "rbc"}
    codes = [r["code"]["text"] for r in resources(to_fhir(result))]
    assert not any("Mentzer" in c for c in codes)


def test_a_date_without_a_time_is_written_back_as_that_date() -> None:
    reading = panels_from_bundle(
        bundle(
            patient(),
            observation(HEMOGLOBIN, 6.0, "g/dL", oid="hb", when="2024-03-01"),
            observation(FERRITIN, 20, "ug/L", oid="fe", when="2024-02-28T10:00:00Z"),
        )
    )
    (fhir_panel,) = reading.panels.values()
    doc = to_fhir(labinterp.interpret(fhir_panel.panel), source=fhir_panel)
    Bundle.model_validate(doc)
    *values, patterns = resources(doc)
    times = {v["code"]["coding"][0]["code"]: v["effectiveDateTime"] for v in values}
    assert times == {HEMOGLOBIN: "2024-03-01", FERRITIN: "2024-02-28T10:00:00+00:00"}
    assert patterns["effectiveDateTime"] == "2024-03-01"
