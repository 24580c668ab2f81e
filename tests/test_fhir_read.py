"""labinterp.fhir.panels_from_bundle: FHIR R4 Observations and Patients into panels."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _fhir_helpers import (
    F005,
    FERRITIN,
    HEMOGLOBIN,
    MCV,
    RDW_CV,
    RDW_SD,
    SYNTHEA_SUBJECT,
    bundle,
    ghp_observations,
    observation,
    patient,
    synthea_text,
)
from hypothesis import given
from hypothesis import strategies as st

import labinterp
from labinterp._units import is_close
from labinterp.fhir import FhirError, FhirReading, PanelKey, Skipped, panels_from_bundle


def only_panel(reading: FhirReading) -> labinterp.Panel:
    assert len(reading.panels) == 1
    return next(iter(reading.panels.values())).panel


NO_PATIENT = "no Patient resource for"


def reported(reading: FhirReading) -> list[Skipped]:
    """What was skipped, leaving out the note that a subject's Patient is not in the input
    (most tests give observations alone; that note has its own tests)."""
    return [s for s in reading.skipped if not s.reason.startswith(NO_PATIENT)]


def skipped_for(reading: FhirReading, code: str) -> list[Skipped]:
    return [s for s in reading.skipped if s.code == code]


# --- the real examples ---------------------------------------------------------------------------


def test_f005_keeps_the_hemoglobin_and_refuses_its_mmol_range() -> None:
    reading = panels_from_bundle(F005)
    key = PanelKey("Patient/f001", None)
    assert list(reading.panels) == [key]
    fhir_panel = reading.panels[key]
    hb = fhir_panel.panel.hemoglobin
    assert hb is not None
    assert is_close(hb.value, 7.2)
    assert hb.unit == "g/dL"
    # 7.5-10 "g/dL" is 7.5-10 mmol/L (12.1-16.1 g/dL): refused, so the flag does not use it.
    assert hb.reference_interval is None
    (refusal,) = reported(reading)
    assert refusal.part == "referenceRange"
    assert refusal.reference == "Observation/f005"
    assert "7.5-10 g/dL" in refusal.reason
    assert "the value is kept" in refusal.reason
    # The unit in which it would fit, and what it then means.
    assert "it would fit in mmol/L (7.5-10 mmol/L = 12.1-16.1 g/dL)" in refusal.reason
    # The laboratory's own code is kept as it was (f005 writes one object, not a list).
    assert fhir_panel.lab_interpretation == {"hemoglobin": ("L",)}
    assert fhir_panel.sources == {"hemoglobin": "Observation/f005"}
    assert fhir_panel.day is not None
    assert fhir_panel.day.isoformat() == "2013-04-05"


def test_f005_hemoglobin_is_flagged_against_the_pack_not_the_refused_range() -> None:
    panel = only_panel(panels_from_bundle(F005))
    flag = labinterp.interpret(panel).flag("hemoglobin")
    assert flag is not None
    assert flag.interval_source != "the laboratory's own reference interval"


def test_synthea_ndjson_reads_two_cbcs_of_one_patient_by_day() -> None:
    reading = panels_from_bundle(synthea_text(), window=timedelta(days=1))
    panels = reading.for_subject(SYNTHEA_SUBJECT)
    assert len(panels) == 2
    for fhir_panel in panels:
        assert set(fhir_panel.panel.measurements) == {"hemoglobin", "mcv", "rbc", "hematocrit"}
        assert fhir_panel.panel.sex == "female"
    first, second = panels
    assert first.panel.hemoglobin is not None
    assert is_close(first.panel.hemoglobin.value, 14.656)
    assert first.panel.rbc is not None
    assert first.panel.rbc.unit == "10*6/uL"
    # Born 1954-08-25: 61 years 9 months on 2016-06-22, 66 years 10 months on 2021-07-21;
    # the age is completed months / 12, to two decimals.
    assert first.panel.age is not None
    assert second.panel.age is not None
    assert is_close(first.panel.age, 61.75)
    assert is_close(second.panel.age, 66.83)
    assert first.window_start is not None
    assert second.window_start is not None
    assert first.window_start < second.window_start


def test_synthea_rdw_sd_is_refused_as_a_different_measure_from_rdw_cv() -> None:
    reading = panels_from_bundle(synthea_text(), window=timedelta(days=1))
    rdw_sd = skipped_for(reading, RDW_SD)
    assert len(rdw_sd) == 2
    for entry in rdw_sd:
        assert entry.part == "observation"
        assert "RDW-SD" in entry.reason
        assert "788-0" in entry.reason
    assert all(p.panel.rdw is None for p in reading.panels.values())


def test_synthea_every_observation_is_read_or_reported() -> None:
    text = synthea_text()
    reading = panels_from_bundle(text, window=timedelta(days=1))
    observations = text.count('"resourceType":"Observation"')
    assert observations == 174
    read = sum(len(p.sources) for p in reading.panels.values())
    not_read = [s for s in reading.skipped if s.part == "observation"]
    assert read == 8
    assert read + len(not_read) == observations
    assert all(s.subject == SYNTHEA_SUBJECT for s in not_read)
    body_height = skipped_for(reading, "8302-2")
    assert len(body_height) == 10
    assert "not a test labinterp reads" in body_height[0].reason


def test_synthea_without_a_window_keeps_the_latest_of_each_test() -> None:
    reading = panels_from_bundle(synthea_text())
    panel = only_panel(reading)
    assert panel.hemoglobin is not None
    assert is_close(panel.hemoglobin.value, 12.777)  # 2021, not 2016
    replaced = [s for s in reading.skipped if "replaced by a later" in s.reason]
    assert sorted(s.code for s in replaced if s.code) == sorted(
        ["718-7", "787-2", "789-8", "4544-3"]
    )
    assert all("window=" in s.reason for s in replaced)
    assert panel.age is not None
    assert is_close(panel.age, 66.83)


def test_ghp_cbc_in_si_units_with_and_without_a_ucum_system() -> None:
    reading = panels_from_bundle(ghp_observations())
    panel = only_panel(reading)
    assert set(panel.measurements) == {
        "hemoglobin",
        "mcv",
        "rbc",
        "hematocrit",
        "ldh",
        "bilirubin_total",
        "creatinine",
    }
    assert panel.hemoglobin is not None
    assert is_close(panel.hemoglobin.canonical_value, 17.6)  # 176 g/L
    # The RBC's unit text is 'x10*12/L'; its UCUM code 10*12/L is what is read.
    assert panel.rbc is not None
    assert panel.rbc.unit == "10*12/L"
    # The hematocrit has no UCUM system: its unit text '%' is read.
    assert panel.hematocrit is not None
    assert panel.hematocrit.unit == "%"
    assert panel.hematocrit.reference_interval is not None
    assert not [s for s in reading.skipped if s.part == "referenceRange"]
    assert len([s for s in reading.skipped if s.part == "observation"]) == 35


# --- values, units, comparators ----------------------------------------------------------------


def test_loinc_codes_map_to_catalog_analytes() -> None:
    for analyte in labinterp.ANALYTES.values():
        if analyte.derived is not None:
            continue
        code = analyte.loinc[0].code
        unit = analyte.canonical_unit
        value = max(analyte.plausible.low, 0) + 1
        reading = panels_from_bundle(observation(code, value, unit))
        panel = only_panel(reading)
        assert list(panel.measurements) == [analyte.id], code


def test_a_substance_loinc_code_with_its_unit() -> None:
    panel = only_panel(panels_from_bundle(observation("14798-3", 8, "umol/L")))
    assert panel.iron is not None
    assert is_close(panel.iron.canonical_value, 8)


def test_the_first_loinc_coding_that_maps_is_used() -> None:
    resource = observation(FERRITIN, 12, "ng/mL")
    resource["code"]["coding"].insert(0, {"system": "http://loinc.org", "code": "0000-0"})
    resource["code"]["coding"].insert(0, {"system": "http://snomed.info/sct", "code": "718-7"})
    panel = only_panel(panels_from_bundle(resource))
    assert list(panel.measurements) == ["ferritin"]


def test_rdw_cv_is_read_and_rdw_sd_refused() -> None:
    reading = panels_from_bundle(
        bundle(
            observation(RDW_CV, 15.2, "%", oid="cv"),
            observation(RDW_SD, 48, "fL", oid="sd"),
        )
    )
    panel = only_panel(reading)
    assert panel.rdw is not None
    assert is_close(panel.rdw.value, 15.2)
    (refused,) = reported(reading)
    assert refused.reference == "Observation/sd"
    assert "RDW-SD" in refused.reason


def test_rdw_cv_code_with_a_width_in_fl_is_refused_with_the_catalog_hint() -> None:
    reading = panels_from_bundle(observation(RDW_CV, 45, "fL"))
    assert not reading.panels
    (refused,) = reported(reading)
    assert "RDW-SD" in refused.reason


@pytest.mark.parametrize(("comparator", "interval_high"), [("<", False), ("<=", True)])
def test_comparator_gives_a_censored_result(comparator: str, interval_high: bool) -> None:
    panel = only_panel(panels_from_bundle(observation(FERRITIN, 5, "ng/mL", comparator=comparator)))
    assert panel.ferritin is not None
    assert panel.ferritin.comparator == comparator
    low, _, high, high_inclusive = panel.ferritin.canonical_interval
    assert low == 0
    assert is_close(high, 5)
    assert high_inclusive is interval_high


def test_greater_than_comparator() -> None:
    panel = only_panel(panels_from_bundle(observation(FERRITIN, 1500, "ug/L", comparator=">")))
    assert panel.ferritin is not None
    assert panel.ferritin.as_given == ">1500 ug/L"


def test_an_unknown_comparator_skips_the_result() -> None:
    reading = panels_from_bundle(observation(FERRITIN, 5, "ug/L", comparator="ad"))
    assert not reading.panels
    assert "comparator" in reading.skipped[0].reason


def test_the_ucum_code_is_preferred_over_the_unit_text() -> None:
    # The text says mg/dL but the coded unit is g/dL: the code is what a machine reads.
    resource = observation(HEMOGLOBIN, 13, "mg/dL", code="g/dL")
    panel = only_panel(panels_from_bundle(resource))
    assert panel.hemoglobin is not None
    assert panel.hemoglobin.unit == "g/dL"


def test_the_unit_text_is_read_without_a_ucum_system() -> None:
    resource = observation(FERRITIN, 20, "ng/ml")
    resource["valueQuantity"] = {"value": 20, "unit": "ng/ml", "code": "ignored-local-code"}
    resource["valueQuantity"]["system"] = "http://example.org/local-units"
    panel = only_panel(panels_from_bundle(resource))
    assert panel.ferritin is not None
    assert panel.ferritin.unit == "ng/ml"
    assert is_close(panel.ferritin.canonical_value, 20)


def test_a_code_without_a_system_or_text_is_read_as_the_unit() -> None:
    resource = observation(FERRITIN, 20, None)
    resource["valueQuantity"] = {"value": 20, "code": "ug/L"}
    panel = only_panel(panels_from_bundle(resource))
    assert panel.ferritin is not None
    assert panel.ferritin.unit == "ug/L"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"valueQuantity": {"value": 20}}, "no unit"),
        ({"valueQuantity": {"value": "20", "unit": "ug/L"}}, "is not a number"),
        ({"valueQuantity": {"value": True, "unit": "ug/L"}}, "is not a number"),
        ({"valueQuantity": {"value": 20, "unit": "furlongs"}}, "unknown unit"),
        ({"valueQuantity": {"value": 20, "unit": "mmol/L"}}, "mmol/L"),
        ({"valueQuantity": {"value": -3, "unit": "ug/L"}}, "negative"),
        ({"valueQuantity": {"value": 5e7, "unit": "ug/L"}}, "living patient"),
        ({"valueQuantity": None, "valueString": "positive"}, "valueString"),
        ({"valueQuantity": None, "valueCodeableConcept": {"text": "low"}}, "valueCodeableConcept"),
        ({"valueQuantity": None, "dataAbsentReason": {"text": "sample haemolysed"}}, "haemolysed"),
        ({"valueQuantity": None, "hasMember": [{"reference": "Observation/x"}]}, "hasMember"),
        ({"status": "entered-in-error"}, "entered-in-error"),
        ({"subject": None}, "no subject"),
        ({"code": {"text": "ferritin"}}, "no LOINC coding"),
        ({"effectiveDateTime": "yesterday"}, "not a FHIR dateTime"),
    ],
)
def test_unusable_results_are_reported_and_never_stop_the_others(
    change: dict[str, Any], words: str
) -> None:
    bad = observation(FERRITIN, 20, "ug/L", oid="bad")
    for key, value in change.items():
        if value is None:
            bad.pop(key, None)
        else:
            bad[key] = value
    good = observation(HEMOGLOBIN, 13, "g/dL", oid="good")
    reading = panels_from_bundle([bad, good])
    panel = only_panel(reading)
    assert list(panel.measurements) == ["hemoglobin"]
    (skipped,) = reported(reading)
    assert skipped.reference == "Observation/bad"
    assert skipped.path == "$[0]"
    assert skipped.part == "observation"
    assert words in skipped.reason


def test_other_resource_types_are_counted_not_read() -> None:
    report = {"resourceType": "DiagnosticReport", "id": "r1", "status": "final"}
    reading = panels_from_bundle(bundle(report, observation(FERRITIN, 20, "ug/L")))
    assert reading.ignored == {"DiagnosticReport": 1}
    assert not reported(reading)


def test_contained_observations_belong_to_the_reports_subject() -> None:
    inner = observation(FERRITIN, 20, "ug/L", oid="c1", subject=None)
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "subject": {"reference": "Patient/p9"},
        "contained": [inner],
    }
    reading = panels_from_bundle(report)
    assert list(reading.panels) == [PanelKey("Patient/p9", None)]
    # A contained resource has no Observation/<id> of its own: its path names it.
    assert reading.panels[PanelKey("Patient/p9", None)].sources == {"ferritin": "$.contained[0]"}


# --- reference ranges -------------------------------------------------------------------------


def test_reference_range_is_kept_with_inclusive_bounds() -> None:
    reading = panels_from_bundle(observation(FERRITIN, 30, "ug/L", low=30, high=400))
    panel = only_panel(reading)
    assert panel.ferritin is not None
    assert panel.ferritin.canonical_reference_interval == (30, 400)
    flag = labinterp.interpret(panel).flag("ferritin")
    assert flag is not None
    # 30 is on the laboratory's lower limit: inclusive, so normal, not low.
    assert flag.code == "N"
    assert flag.interval_source == "the laboratory's own reference interval"


def test_reference_range_in_another_unit_than_the_value() -> None:
    resource = observation(FERRITIN, 20, "ug/L", low=15, high=150, range_unit="ng/mL")
    panel = only_panel(panels_from_bundle(resource))
    assert panel.ferritin is not None
    assert panel.ferritin.canonical_reference_interval == (15, 150)


def test_one_sided_reference_range() -> None:
    panel = only_panel(panels_from_bundle(observation("1988-5", 2, "mg/L", high=5)))
    assert panel.crp is not None
    assert panel.crp.canonical_reference_interval == (None, 5)


def test_range_without_units_takes_the_value_unit() -> None:
    resource = observation(HEMOGLOBIN, 13, "g/dL")
    resource["referenceRange"] = [{"low": {"value": 12}, "high": {"value": 16}}]
    panel = only_panel(panels_from_bundle(resource))
    assert panel.hemoglobin is not None
    assert panel.hemoglobin.canonical_reference_interval == (12, 16)


def test_an_implausible_range_is_refused_and_the_value_kept() -> None:
    # 120-160 written as g/dL: beyond the plausibility guard (g/L given as g/dL).
    reading = panels_from_bundle(observation(HEMOGLOBIN, 13, "g/dL", low=120, high=160))
    panel = only_panel(reading)
    assert panel.hemoglobin is not None
    assert is_close(panel.hemoglobin.value, 13)
    assert panel.hemoglobin.reference_interval is None
    (refusal,) = reported(reading)
    assert refusal.part == "referenceRange"
    assert "value is kept" in refusal.reason


def test_a_range_no_healthy_person_fits_is_refused_with_the_likely_unit() -> None:
    # Ferritin 15-150 written as ng/L (a thousandth of the usual): no overlap with any
    # healthy interval of the pack, though every bound is plausible.
    reading = panels_from_bundle(
        observation(FERRITIN, 20, "ug/L", low=15, high=150, range_unit="ng/L")
    )
    panel = only_panel(reading)
    assert panel.ferritin is not None
    assert panel.ferritin.reference_interval is None
    (refusal,) = reported(reading)
    assert "shares no value" in refusal.reason
    assert "it would fit in ug/L (15-150 ug/L)" in refusal.reason


def test_a_range_that_overlaps_the_pack_interval_only_in_part_is_kept() -> None:
    # A paediatric-looking MCV range 70-86 fL overlaps the pack's 80-100 fL: kept.
    panel = only_panel(panels_from_bundle(observation(MCV, 75, "fL", low=70, high=86)))
    assert panel.mcv is not None
    assert panel.mcv.canonical_reference_interval == (70, 86)


@pytest.mark.parametrize(
    ("reference_range", "words"),
    [
        ([{"text": "see report"}], "neither low nor high"),
        (
            [{"low": {"value": 12, "unit": "g/dL"}, "high": {"value": 160, "unit": "g/L"}}],
            "different units",
        ),
        ([{"low": {"value": "12"}}], "not a number"),
        ([{"low": {"value": 16}, "high": {"value": 12}}], "above high"),
        ("12-16", "not a list"),
        ([{"type": {"coding": [{"code": "therapeutic"}]}, "low": {"value": 1}}], "type 'normal'"),
    ],
)
def test_unusable_ranges_are_refused_with_the_value_kept(
    reference_range: object, words: str
) -> None:
    resource = observation(HEMOGLOBIN, 13, "g/dL")
    resource["referenceRange"] = reference_range
    reading = panels_from_bundle(resource)
    panel = only_panel(reading)
    assert panel.hemoglobin is not None
    assert panel.hemoglobin.reference_interval is None
    (refusal,) = reported(reading)
    assert refusal.part == "referenceRange"
    assert words in refusal.reason


# --- grouping, windows, patients --------------------------------------------------------------


def test_results_are_grouped_by_subject() -> None:
    reading = panels_from_bundle(
        bundle(
            observation(FERRITIN, 10, "ug/L", oid="a1", subject="Patient/a"),
            observation(FERRITIN, 90, "ug/L", oid="b1", subject="Patient/b"),
            observation(HEMOGLOBIN, 11, "g/dL", oid="a2", subject="Patient/a"),
        )
    )
    assert list(reading.panels) == [PanelKey("Patient/a", None), PanelKey("Patient/b", None)]
    a = reading.panels[PanelKey("Patient/a", None)]
    assert set(a.panel.measurements) == {"ferritin", "hemoglobin"}
    assert a.sources == {"ferritin": "Observation/a1", "hemoglobin": "Observation/a2"}
    b = reading.panels[PanelKey("Patient/b", None)].panel
    assert b.ferritin is not None
    assert is_close(b.ferritin.value, 90)


def test_subject_given_by_identifier() -> None:
    resource = observation(FERRITIN, 10, "ug/L", subject=None)
    resource["subject"] = {"identifier": {"system": "urn:mrn", "value": "42"}}
    assert list(panels_from_bundle(resource).panels) == [PanelKey("urn:mrn|42", None)]


def test_a_time_window_splits_results_of_one_subject() -> None:
    resources = [
        observation(FERRITIN, 10, "ug/L", oid="f1", when="2024-01-01T08:00:00Z"),
        observation(HEMOGLOBIN, 11, "g/dL", oid="h1", when="2024-01-01T20:00:00Z"),
        observation(FERRITIN, 40, "ug/L", oid="f2", when="2024-03-01T08:00:00Z"),
    ]
    reading = panels_from_bundle(resources, window=timedelta(days=1))
    keys = list(reading.panels)
    assert keys == [
        PanelKey("Patient/p1", datetime(2024, 1, 1, 8, tzinfo=UTC)),
        PanelKey("Patient/p1", datetime(2024, 3, 1, 8, tzinfo=UTC)),
    ]
    first, second = reading.panels.values()
    assert set(first.panel.measurements) == {"ferritin", "hemoglobin"}
    assert second.sources == {"ferritin": "Observation/f2"}
    assert not reported(reading)


def test_a_window_needs_a_time_and_says_so() -> None:
    resources = [
        observation(FERRITIN, 10, "ug/L", oid="timed"),
        observation(HEMOGLOBIN, 11, "g/dL", oid="untimed", when=None),
    ]
    reading = panels_from_bundle(resources, window=timedelta(hours=6))
    (skipped,) = reported(reading)
    assert skipped.reference == "Observation/untimed"
    assert "no effective time" in skipped.reason
    assert list(only_panel(reading).measurements) == ["ferritin"]


def test_within_a_window_the_latest_result_is_kept() -> None:
    resources = [
        observation(FERRITIN, 40, "ug/L", oid="late", when="2024-01-01T12:00:00Z"),
        observation(FERRITIN, 10, "ug/L", oid="early", when="2024-01-01T08:00:00Z"),
    ]
    reading = panels_from_bundle(resources, window=timedelta(days=1))
    panel = only_panel(reading)
    assert panel.ferritin is not None
    assert is_close(panel.ferritin.value, 40)
    (replaced,) = reported(reading)
    assert replaced.reference == "Observation/early"
    assert "Observation/late" in replaced.reason


def test_effective_period_and_instant_give_the_time() -> None:
    a = observation(FERRITIN, 10, "ug/L", oid="a", when=None)
    a["effectivePeriod"] = {"start": "2024-01-01T08:00:00Z", "end": "2024-01-01T09:00:00Z"}
    b = observation(HEMOGLOBIN, 12, "g/dL", oid="b", when=None)
    b["effectiveInstant"] = "2024-05-01T08:00:00.000Z"
    reading = panels_from_bundle([a, b], window=timedelta(days=1))
    assert [k.window_start for k in reading.panels] == [
        datetime(2024, 1, 1, 8, tzinfo=UTC),
        datetime(2024, 5, 1, 8, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("birth", "when", "age"),
    [
        ("1980-06-15", "2024-06-14T10:00:00Z", 43.92),  # the day before the birthday
        ("1980-06-15", "2024-06-15T10:00:00Z", 44),  # on the birthday
        ("1980-06", "2024-07-01", 44),  # a month of birth: the completed years all agree
        ("2010-01-01", "2024-03-01", 14.17),  # date only
        ("2023-05-01", "2024-03-01", 0.83),  # an infant of 10 months is not "age 0"
        ("2023-09-01", "2024-03-01", 0.5),  # six months to the day: the pack's first age
        ("2023-09-02", "2024-03-01", 0.42),  # one day short of six months
    ],
)
def test_patient_gives_sex_and_age_at_the_result_date(birth: str, when: str, age: float) -> None:
    reading = panels_from_bundle(
        bundle(patient(birth=birth), observation(FERRITIN, 20, "ug/L", when=when))
    )
    panel = only_panel(reading)
    assert panel.sex == "female"
    assert panel.age is not None
    assert is_close(panel.age, age)
    assert not reported(reading)


def test_an_infant_of_ten_months_is_inside_the_default_pack() -> None:
    reading = panels_from_bundle(
        bundle(
            patient(birth="2023-05-01"),
            observation(HEMOGLOBIN, 10.7, "g/dL", when="2024-03-01T08:30:00Z"),
        )
    )
    result = labinterp.interpret(only_panel(reading))
    assert not any("outside this pack's population" in a for a in result.assumptions)
    assert result.status("anemia") != "indeterminate"


def test_an_infant_born_in_a_known_month_only_has_no_age() -> None:
    reading = panels_from_bundle(
        bundle(patient(birth="2023-05"), observation(FERRITIN, 20, "ug/L", when="2024-03-01"))
    )
    assert only_panel(reading).age is None
    (note,) = reported(reading)
    assert note.part == "Patient"
    assert "between 9 and 10 months" in note.reason


def test_a_birth_year_that_leaves_the_age_open_is_reported() -> None:
    reading = panels_from_bundle(
        bundle(patient(birth="1980"), observation(FERRITIN, 20, "ug/L", when="2024-06-01"))
    )
    panel = only_panel(reading)
    assert panel.age is None
    (note,) = reported(reading)
    assert note.part == "Patient"
    assert "43 or 44" in note.reason


def test_patient_found_through_the_bundle_full_url() -> None:
    doc = bundle(
        patient(pid="x", gender="male"), observation(FERRITIN, 20, "ug/L", subject="urn:uuid:abc")
    )
    doc["entry"][0]["fullUrl"] = "urn:uuid:abc"
    panel = only_panel(panels_from_bundle(doc))
    assert panel.sex == "male"


@pytest.mark.parametrize(
    ("gender", "words"), [("other", "gives no sex"), ("unknown", "gives no sex")]
)
def test_a_gender_without_a_sex_is_reported_once(gender: str, words: str) -> None:
    resources = [
        patient(gender=gender),
        observation(FERRITIN, 20, "ug/L", oid="a", when="2024-01-01"),
        observation(FERRITIN, 30, "ug/L", oid="b", when="2024-06-01"),
    ]
    reading = panels_from_bundle(bundle(*resources), window=timedelta(days=1))
    assert len(reading.panels) == 2
    assert all(p.panel.sex is None for p in reading.panels.values())
    (note,) = reported(reading)
    assert note.part == "Patient"
    assert note.reference == "Patient/p1"
    assert words in note.reason


def test_without_a_patient_the_context_is_unknown() -> None:
    panel = only_panel(panels_from_bundle(observation(FERRITIN, 20, "ug/L")))
    assert panel.sex is None
    assert panel.age is None


# --- inputs and errors ------------------------------------------------------------------------


def test_json_text_ndjson_bytes_and_a_list_read_alike() -> None:
    resources = [
        patient(),
        observation(FERRITIN, 20, "ug/L", oid="f"),
        observation(HEMOGLOBIN, 12, "g/dL", oid="h"),
    ]
    as_list = panels_from_bundle(resources)
    as_json = panels_from_bundle(json.dumps(resources))
    as_ndjson = panels_from_bundle("\n".join(json.dumps(r) for r in resources) + "\n")
    as_bytes = panels_from_bundle(json.dumps(bundle(*resources)).encode())
    panels = [only_panel(r) for r in (as_list, as_json, as_ndjson, as_bytes)]
    assert all(p == panels[0] for p in panels)


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("{not json", "$"),
        ('{"resourceType": "Patient"}\n{oops}\n', "line 2"),
        ("", "input"),
        ([{"resourceType": "Observation"}, 5], "$[1]"),
        ([{"id": "x"}], "$[0].resourceType"),
        ({"resourceType": "Bundle", "entry": {"resource": {}}}, "$.entry"),
        ({"resourceType": "Bundle", "entry": ["x"]}, "$.entry[0]"),
        (bundle({"resourceType": 7}), "$.entry[0].resource.resourceType"),
        (42, "input"),
        (b"\xff\xfe", "input"),
    ],
)
def test_malformed_input_raises_a_typed_error_naming_the_path(source: object, path: str) -> None:
    with pytest.raises(FhirError) as caught:
        panels_from_bundle(source)
    assert isinstance(caught.value, labinterp.LabinterpError)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(path) or caught.value.field == path


def test_deeply_nested_bundles_are_refused() -> None:
    doc: dict[str, Any] = observation(FERRITIN, 20, "ug/L")
    for _ in range(40):
        doc = bundle(doc)
    with pytest.raises(FhirError, match="nested"):
        panels_from_bundle(doc)


def test_a_huge_bad_value_is_not_echoed_in_full() -> None:
    resource = observation(FERRITIN, "9" * 100_000, "ug/L")
    reading = panels_from_bundle(resource)
    assert len(reading.skipped[0].reason) < 300


@pytest.mark.parametrize("window", [timedelta(0), timedelta(days=-1), 3, "1D"])
def test_a_bad_window_is_refused(window: object) -> None:
    with pytest.raises(FhirError, match="window"):
        panels_from_bundle(observation(FERRITIN, 20, "ug/L"), window=window)  # type: ignore[arg-type]


def test_a_bad_pack_argument_is_refused() -> None:
    with pytest.raises(FhirError, match="pack"):
        panels_from_bundle(observation(FERRITIN, 20, "ug/L"), pack=3)  # type: ignore[arg-type]


def test_a_path_is_read(tmp_path: Any) -> None:
    target = tmp_path / "obs.ndjson"
    target.write_text(json.dumps(observation(FERRITIN, 20, "ug/L")) + "\n", encoding="utf-8")
    assert only_panel(panels_from_bundle(target)).ferritin is not None
    with pytest.raises(FhirError, match="file not found"):
        panels_from_bundle(tmp_path / "missing.json")


def test_import_labinterp_does_not_load_the_fhir_module() -> None:
    code = (
        "import sys, labinterp; print('labinterp.fhir' in sys.modules, "
        "any(m.startswith('labinterp._fhir') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- hostile input ----------------------------------------------------------------------------

_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_FIELDS = [
    "status",
    "code",
    "subject",
    "valueQuantity",
    "referenceRange",
    "interpretation",
    "effectiveDateTime",
    "effectivePeriod",
    "contained",
    "hasMember",
]


@given(field=st.sampled_from(_FIELDS), junk=_JSON, inner=st.booleans())
def test_any_junk_in_an_observation_is_reported_or_read_never_a_crash(
    field: str, junk: object, inner: bool
) -> None:
    bad = observation(FERRITIN, 20, "ug/L", oid="bad", low=15, high=150)
    if inner and isinstance(bad.get(field), dict):
        bad[field] = {**bad[field], "value": junk, "unit": junk, "coding": junk}
    else:
        bad[field] = junk
    good = observation(HEMOGLOBIN, 13, "g/dL", oid="good", subject="Patient/other")
    try:
        reading = panels_from_bundle(bundle(patient(), bad, good))
    except labinterp.LabinterpError:
        return  # a structural problem (a contained item that is not a resource ...)
    assert PanelKey("Patient/other", None) in reading.panels
    read = any("ferritin" in p.sources for p in reading.panels.values())
    reported = any(s.reference == "Observation/bad" for s in reading.skipped)
    assert read or reported


@given(field=st.sampled_from(["gender", "birthDate", "id"]), junk=_JSON)
def test_any_junk_in_a_patient_leaves_the_results_read(field: str, junk: object) -> None:
    person = patient()
    person[field] = junk
    reading = panels_from_bundle(bundle(person, observation(FERRITIN, 20, "ug/L")))
    (only,) = reading.panels.values()
    assert only.panel.ferritin is not None


def test_a_bad_value_with_a_range_is_skipped_once_without_saying_the_value_is_kept() -> None:
    reading = panels_from_bundle(observation(HEMOGLOBIN, 130, "g/dL", low=120, high=160))
    assert not reading.panels
    (skipped,) = reported(reading)
    assert skipped.part == "observation"
    assert "value is kept" not in skipped.reason
    assert "living patient" in skipped.reason


# --- which laboratory range applies to this patient ---------------------------------------------

GENDER = "http://hl7.org/fhir/administrative-gender"


def hb_range(
    low: float,
    high: float,
    *,
    sex: str | None = None,
    age: tuple[float | None, float | None] = (None, None),
    age_unit: str = "a",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "low": {"value": low, "unit": "g/dL"},
        "high": {"value": high, "unit": "g/dL"},
    }
    if sex is not None:
        item["appliesTo"] = [{"coding": [{"system": GENDER, "code": sex}], "text": sex}]
    if age != (None, None):
        item["age"] = {
            side: {"value": bound, "system": "http://unitsofmeasure.org", "code": age_unit}
            for side, bound in zip(("low", "high"), age, strict=True)
            if bound is not None
        }
    return item


def hb_with_ranges(value: float, *ranges: dict[str, Any]) -> dict[str, Any]:
    resource = observation(HEMOGLOBIN, value, "g/dL", when="2024-03-01T08:30:00Z")
    resource["referenceRange"] = list(ranges)
    return resource


def hb_interval(reading: FhirReading) -> tuple[float | None, float | None] | None:
    hb = only_panel(reading).hemoglobin
    assert hb is not None
    ri = hb.reference_interval
    return None if ri is None else (ri.low, ri.high)


def range_notes(reading: FhirReading) -> list[str]:
    return [s.reason for s in reading.skipped if s.part == "referenceRange"]


@pytest.mark.parametrize("order", [1, -1])
def test_the_range_for_the_patients_sex_is_used_in_any_order(order: int) -> None:
    ranges = [hb_range(13.5, 17.5, sex="male"), hb_range(12.0, 15.5, sex="female")][::order]
    reading = panels_from_bundle(
        bundle(patient(gender="female", birth="1984-02-29"), hb_with_ranges(12.5, *ranges))
    )
    assert hb_interval(reading) == (12.0, 15.5)
    assert not reported(reading)
    flag = labinterp.interpret(only_panel(reading)).flag("hemoglobin")
    assert flag is not None
    assert flag.code == "N"


@pytest.mark.parametrize("order", [1, -1])
def test_the_range_for_the_patients_age_is_used_in_any_order(order: int) -> None:
    ranges = [hb_range(9.5, 13.5, age=(0, 1)), hb_range(12.0, 15.5, age=(18, None))][::order]
    reading = panels_from_bundle(bundle(patient(birth="1984-02-29"), hb_with_ranges(10.5, *ranges)))
    assert hb_interval(reading) == (12.0, 15.5)
    flag = labinterp.interpret(only_panel(reading)).flag("hemoglobin")
    assert flag is not None
    assert flag.code == "L"


def test_an_age_band_in_months_covers_an_infant() -> None:
    ranges = [hb_range(9.5, 13.5, age=(6, 23), age_unit="mo"), hb_range(12.0, 15.5, age=(2, None))]
    reading = panels_from_bundle(bundle(patient(birth="2023-05-01"), hb_with_ranges(10.5, *ranges)))
    assert hb_interval(reading) == (9.5, 13.5)


def test_a_whole_upper_age_covers_that_whole_year() -> None:
    # "0-17 a" then "18- a": a patient of 17 and a half is in the first band, not in a gap.
    ranges = [hb_range(11.0, 15.0, age=(0, 17)), hb_range(12.0, 15.5, age=(18, None))]
    reading = panels_from_bundle(bundle(patient(birth="2006-09-01"), hb_with_ranges(12.5, *ranges)))
    assert hb_interval(reading) == (11.0, 15.0)


def test_sex_specific_ranges_for_a_patient_of_unknown_sex_are_not_guessed() -> None:
    ranges = [hb_range(13.5, 17.5, sex="male"), hb_range(12.0, 15.5, sex="female")]
    reading = panels_from_bundle(bundle(patient(gender=None), hb_with_ranges(12.5, *ranges)))
    assert hb_interval(reading) is None
    (note,) = range_notes(reading)
    assert "cannot tell which referenceRange applies" in note
    assert "sex is unknown" in note
    assert "the value is kept" in note


def test_ranges_for_a_subject_without_a_patient_are_not_guessed() -> None:
    ranges = [hb_range(13.5, 17.5, sex="male"), hb_range(12.0, 15.5, sex="female")]
    reading = panels_from_bundle(bundle(hb_with_ranges(12.5, *ranges)))
    assert hb_interval(reading) is None
    (note,) = range_notes(reading)
    assert "no Patient resource for 'Patient/p1'" in note


def test_no_range_for_this_patient_uses_none() -> None:
    reading = panels_from_bundle(
        bundle(patient(gender="female"), hb_with_ranges(12.5, hb_range(13.5, 17.5, sex="male")))
    )
    assert hb_interval(reading) is None
    (note,) = range_notes(reading)
    assert "no referenceRange applies to this patient (female, age 43.7 years)" in note


def test_several_different_ranges_that_apply_are_not_guessed() -> None:
    reading = panels_from_bundle(
        bundle(patient(), hb_with_ranges(12.5, hb_range(12.0, 15.5), hb_range(11.5, 15.0)))
    )
    assert hb_interval(reading) is None
    (note,) = range_notes(reading)
    assert "several referenceRanges with different limits" in note
    assert "referenceRange[0], referenceRange[1]" in note


def test_a_range_for_a_population_labinterp_cannot_check_is_not_guessed() -> None:
    pregnant = hb_range(11.0, 14.0)
    pregnant["appliesTo"] = [
        {"coding": [{"system": "http://snomed.info/sct", "code": "77386006"}], "text": "pregnant"}
    ]
    reading = panels_from_bundle(
        bundle(patient(), hb_with_ranges(12.5, hb_range(12.0, 15.5), pregnant))
    )
    assert hb_interval(reading) is None
    (note,) = range_notes(reading)
    assert "referenceRange[1]: it applies to pregnant, which labinterp cannot check" in note


def test_ldh_range_for_an_adult_is_not_the_infants() -> None:
    ldh = observation("2532-0", 400, "U/L", when="2024-03-01T08:30:00Z")
    ldh["referenceRange"] = [
        {
            "low": {"value": 170, "unit": "U/L"},
            "high": {"value": 580, "unit": "U/L"},
            "age": {"low": {"value": 0, "code": "a"}, "high": {"value": 1, "code": "a"}},
        },
        {
            "low": {"value": 122, "unit": "U/L"},
            "high": {"value": 222, "unit": "U/L"},
            "age": {"low": {"value": 18, "code": "a"}},
        },
    ]
    panel = only_panel(panels_from_bundle(bundle(patient(), ldh)))
    assert panel.ldh is not None
    assert panel.ldh.reference_interval is not None
    assert panel.ldh.reference_interval.high == 222


# --- one patient, however the reference is spelt ------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "Patient/p1",
        "https://srv/fhir/Patient/p1",
        "Patient/p1/_history/3",
        "https://srv/fhir/Patient/p1/_history/7",
    ],
)
def test_references_to_one_patient_spelt_differently_are_one_subject(spelling: str) -> None:
    doc = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": "https://srv/fhir/Patient/p1", "resource": patient(gender="male")},
            {
                "fullUrl": "https://srv/fhir/Observation/a",
                "resource": observation(HEMOGLOBIN, 11.0, "g/dL", oid="a", subject="Patient/p1"),
            },
            {
                "fullUrl": "https://srv/fhir/Observation/b",
                "resource": observation(FERRITIN, 11.0, "ng/mL", oid="b", subject=spelling),
            },
        ],
    }
    reading = panels_from_bundle(doc)
    (key,) = reading.panels
    assert key.subject == "Patient/p1"
    panel = only_panel(reading)
    assert set(panel.measurements) == {"hemoglobin", "ferritin"}
    assert panel.sex == "male"
    assert not reported(reading)
    assert not reading.skipped


def test_a_versioned_reference_finds_its_patient_without_a_bundle() -> None:
    reading = panels_from_bundle(
        [patient(gender="male"), observation(FERRITIN, 20, "ug/L", subject="Patient/p1/_history/2")]
    )
    assert only_panel(reading).sex == "male"
    assert not reading.skipped


def test_one_id_on_two_servers_is_two_patients() -> None:
    reading = panels_from_bundle(
        [
            observation(FERRITIN, 20, "ug/L", oid="a", subject="https://one/fhir/Patient/p1"),
            observation(FERRITIN, 30, "ug/L", oid="b", subject="https://two/fhir/Patient/p1"),
        ]
    )
    assert [k.subject for k in reading.panels] == [
        "https://one/fhir/Patient/p1",
        "https://two/fhir/Patient/p1",
    ]


def test_a_subject_whose_patient_is_not_found_is_reported_once() -> None:
    reading = panels_from_bundle(
        [
            patient(pid="p2"),
            observation(FERRITIN, 20, "ug/L", oid="a"),
            observation(HEMOGLOBIN, 12, "g/dL", oid="b"),
        ]
    )
    (note,) = reading.skipped
    assert note.part == "Patient"
    assert note.subject == "Patient/p1"
    assert "no Patient resource for 'Patient/p1' in the input" in note.reason
    assert only_panel(reading).sex is None


# --- results of one test at the same time ---------------------------------------------------


def test_conflicting_results_at_the_same_time_are_not_called_later() -> None:
    reading = panels_from_bundle(
        [
            patient(),
            observation(HEMOGLOBIN, 9.0, "g/dL", oid="hb-a"),
            observation(HEMOGLOBIN, 13.0, "g/dL", oid="hb-b"),
            observation(HEMOGLOBIN, 11.0, "g/dL", oid="hb-c", when=None),
        ]
    )
    hb = only_panel(reading).hemoglobin
    assert hb is not None
    assert is_close(hb.value, 13.0)  # the later in the input, as documented
    reasons = {s.reference: s.reason for s in reading.skipped}
    assert not any("later hemoglobin" in r for r in reasons.values())
    assert reasons["Observation/hb-a"].startswith(
        "conflicting results at the same time (2024-03-01T09:00:00+00:00): 9 g/dL here, "
        "13 g/dL in Observation/hb-b; the one later in the input is kept"
    )
    assert reasons["Observation/hb-c"].startswith(
        "replaced by a hemoglobin result with a time (Observation/hb-b"
    )


def test_an_equal_result_at_the_same_time_is_a_duplicate() -> None:
    reading = panels_from_bundle(
        [
            patient(),
            observation(FERRITIN, 20, "ug/L", oid="a"),
            observation(FERRITIN, 20, "ug/L", oid="b"),
        ]
    )
    (note,) = reading.skipped
    assert note.reason.startswith("a duplicate of Observation/b (same time")


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "high"),
    [("2532-0", 300, "U/L", 250), ("1975-2", 2.0, "mg/dL", 1.2), ("1988-5", 12, "mg/L", 5)],
)
def test_a_lower_reference_limit_of_zero_is_no_lower_limit(
    loinc: str, value: float, unit: str, high: float
) -> None:
    reading = panels_from_bundle(observation(loinc, value, unit, low=0, high=high))
    assert not [s for s in reading.skipped if s.part == "referenceRange"]
    (measurement,) = only_panel(reading).measurements.values()
    assert measurement.reference_interval is not None
    assert measurement.reference_interval.low is None
    assert measurement.reference_interval.high is not None
    assert is_close(measurement.reference_interval.high, high)
    flags = labinterp.interpret(only_panel(reading)).flags
    assert [f.code for f in flags] == ["H"]


def test_a_ucum_annotation_is_dropped_when_a_unit_remains() -> None:
    reading = panels_from_bundle(observation("17849-1", 1.2, "%", code="%{RBCs}"))
    retic = only_panel(reading).reticulocytes
    assert retic is not None
    assert retic.unit == "%"
    assert is_close(retic.value, 1.2)


@pytest.mark.parametrize(
    ("loinc", "code"),
    [("2502-3", "{percent}"), ("4544-3", "{fraction}"), ("2532-0", "[IU]/L")],
)
def test_units_labinterp_cannot_map_exactly_are_refused(loinc: str, code: str) -> None:
    # An annotation alone is UCUM's unity 1 (a percentage would be read 100 times off);
    # UCUM's [IU] is an arbitrary unit, not the enzyme unit U.
    reading = panels_from_bundle(observation(loinc, 9, None, code=code))
    assert not reading.panels
    (skipped,) = reported(reading)
    assert "unknown unit" in skipped.reason
