"""Builders of small FHIR R4 resources for the FHIR tests, and the vendored real examples."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "fhir"
F005 = DATA / "observation-example-f005-hemoglobin.json"
SYNTHEA_OBSERVATIONS = DATA / "ktmtwm_sytheadata_Observation.ndjson"
SYNTHEA_PATIENT = DATA / "ktmtwm_sytheadata_Patient1.ndjson"
GHP_TABLE = DATA / "diagnosticreport-example-ghp_extracted_quantities.csv"
SYNTHEA_SUBJECT = "Patient/913e9363-b137-25f7-9585-ce7970dce7b2"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

HEMOGLOBIN = "718-7"
FERRITIN = "2276-4"
MCV = "787-2"
RDW_CV = "788-0"
RDW_SD = "21000-5"


def synthea_text() -> str:
    """The Synthea patient and its observations, as one NDJSON export."""
    return SYNTHEA_PATIENT.read_text(encoding="utf-8") + SYNTHEA_OBSERVATIONS.read_text(
        encoding="utf-8"
    )


def quantity(
    value: object, unit: str | None = None, *, code: str | None = None, system: str | None = UCUM
) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    if unit is not None:
        out["unit"] = unit
    if code is not None:
        out["code"] = code
        if system is not None:
            out["system"] = system
    return out


def observation(
    loinc: str,
    value: object,
    unit: str | None,
    *,
    oid: str = "obs-1",
    subject: str | None = "Patient/p1",
    code: str | None = "same",
    comparator: str | None = None,
    low: float | None = None,
    high: float | None = None,
    range_unit: str | None = "same",
    when: str | None = "2024-03-01T09:00:00+00:00",
    interpretation: str | None = None,
    status: str = "final",
) -> dict[str, Any]:
    """One lab Observation; ``code="same"`` writes the UCUM code equal to the unit text."""
    ucum = unit if code == "same" else code
    value_quantity = quantity(value, unit, code=ucum)
    if comparator is not None:
        value_quantity["comparator"] = comparator
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "valueQuantity": value_quantity,
    }
    if subject is not None:
        resource["subject"] = {"reference": subject}
    if when is not None:
        resource["effectiveDateTime"] = when
    if low is not None or high is not None:
        r_unit = unit if range_unit == "same" else range_unit
        bounds: dict[str, Any] = {}
        for side, bound in (("low", low), ("high", high)):
            if bound is not None:
                bounds[side] = quantity(bound, r_unit, code=r_unit)
        resource["referenceRange"] = [bounds]
    if interpretation is not None:
        resource["interpretation"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": interpretation,
                    }
                ]
            }
        ]
    return resource


def patient(
    pid: str = "p1", gender: str | None = "female", birth: str | None = "1980-06-15"
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if gender is not None:
        resource["gender"] = gender
    if birth is not None:
        resource["birthDate"] = birth
    return resource


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def ghp_observations() -> list[dict[str, Any]]:
    """The GHP example's quantities as Observations, UCUM code only where the example has one."""
    out = []
    with GHP_TABLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            with_system = row["ucum_system_present"] == "yes"
            value_quantity = quantity(
                float(row["value"]),
                row["unit"],
                code=row["ucum_code"] if with_system else None,
            )
            if row["comparator"]:
                value_quantity["comparator"] = row["comparator"]
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "id": row["obs_id"],
                "status": "final",
                "code": {
                    "coding": [{"system": LOINC, "code": row["loinc"], "display": row["display"]}]
                },
                "subject": {"reference": "Patient/ghp"},
                "effectiveDateTime": "2012-04-04T10:00:00+10:00",
                "valueQuantity": value_quantity,
            }
            if row["ref_low"] or row["ref_high"]:
                bounds = {}
                for side in ("low", "high"):
                    if row[f"ref_{side}"]:
                        bounds[side] = quantity(
                            float(row[f"ref_{side}"]),
                            row["unit"],
                            code=row["ucum_code"] if with_system else None,
                        )
                resource["referenceRange"] = [bounds]
            out.append(resource)
    return out
