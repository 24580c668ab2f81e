"""FHIR R4 in and out. Import it as ``labinterp.fhir``; ``import labinterp`` does not load it.

In: :func:`panels_from_bundle` reads ``Observation`` and ``Patient`` resources from a
``Bundle``, an NDJSON export (Synthea, bulk data), a JSON array, a list of dicts or a path,
as plain dicts: no FHIR model library is needed. Each Observation is mapped to a catalog
analyte by its LOINC code, its ``valueQuantity`` read (the UCUM ``code`` when ``system`` is
UCUM, the free ``unit`` text otherwise; ``comparator`` gives a censored result), its
``referenceRange`` (low and high, both inclusive) attached when it applies to the patient
(``appliesTo`` sex, ``age``; never guessed among several) and can describe healthy people,
its ``interpretation`` kept as the laboratory's codes, its ``effective[x]`` used to order and
window results. Results are grouped by ``subject`` (``Patient/p1``, its absolute URL and a
``_history`` version are one subject) and, with ``window=``, by time; the subject's
``Patient`` gives sex (``gender``) and age at the panel's date (``birthDate``, completed
months / 12).
Nothing is dropped silently: every observation not read, every laboratory range refused and
every patient whose sex or age could not be read (or whose Patient is not in the input) is in
:attr:`FhirReading.skipped`, with its
JSON path and the reason, and one bad result never stops the others. Input whose structure
cannot be read (not JSON, a resource without ``resourceType``, a Bundle whose ``entry`` is
not a list) raises :class:`FhirError`, naming the JSON path.

RDW: the catalog's ``rdw`` is RDW-CV (LOINC 788-0, in %). RDW-SD (LOINC 21000-5, in fL) is
another measure and cannot be converted to it, so it is skipped with that reason.

Laboratory ranges: a reference range describes healthy people, so it must share at least one
value with the pack's own reference interval for the analyte in some context. One that does
not (the HL7 example f005 gives hemoglobin 7.5-10 "g/dL", which is 7.5-10 mmol/L) is refused
and the value kept; the reason names the unit in which the range would fit.

Out: :func:`to_fhir` turns an interpretation into a ``Bundle`` (type ``collection``) of

* one ``Observation`` per result, restating the value with labinterp's flag as
  ``interpretation`` (codes of the HL7 v3-ObservationInterpretation system: ``L``, ``H``,
  ``N``, ``LL``, ``HH``; a flag with no code, such as "not low", is given as text only),
  the reference range used, and ``derivedFrom`` the Observation it was read from;
* one ``Observation`` (status ``preliminary``) per result labinterp computed and LOINC
  names: a transferrin saturation from iron and TIBC (2502-3, in %), with ``derivedFrom``
  its inputs and a ``note`` that labinterp calculated it; indices with no LOINC code and
  values only bounded over a missing input are not exported (docs/fhir.md);
* one ``Observation`` for the patterns: a ``component`` per pattern (its id and name, and
  its status as the value: consistent, not_consistent, indeterminate, with the label as
  text) and per classification; ``method`` names the pack (code = name, version = the
  pack's version); ``derivedFrom`` lists the inputs (the source Observations when the panel
  came from FHIR, the restated ones otherwise); ``note`` carries the educational disclaimer
  and the assumptions. Its status is ``preliminary``: no clinician has verified it.

Why an ``Observation`` and not a ``GuidanceResponse``: a GuidanceResponse answers a request
to a decision-support service and points to its recommendations (a RequestGroup or
CarePlan); labinterp makes no request and recommends nothing. It states whether results are
consistent with described patterns, which is an assessment derived from other observations:
exactly what ``Observation.derivedFrom`` records, and what a FHIR server stores and searches
by patient, code and date like any other result.

:func:`pack_to_observation_definitions` exports a pack's limits as ``ObservationDefinition``
resources, one per analyte, with ``qualifiedInterval`` entries: ``category`` reference (the
pack's reference intervals), critical (critical limits), or no category for the decision
limits of patterns (which no FHIR category fits; ``condition`` names the threshold); the
context as ``gender``, ``age`` (years) and ``appliesTo`` (pregnancy, trimester, inflammation,
reported conditions). FHIR ranges include both ends, so ``condition`` says when the pack
excludes a limit (``< 15 ug/L``, age below an upper bound).

Codes labinterp invents (pack, pattern and status ids) use the URN systems
:data:`PACK_SYSTEM`, :data:`PATTERN_SYSTEM` and :data:`STATUS_SYSTEM`. The output validates
against the R4B models of the ``fhir.resources`` package (extra ``labinterp[fhir]``), whose
Observation, Bundle and ObservationDefinition are those of R4; the tests check it.

Educational use only: the output says what results are consistent with; it is not a diagnosis.
"""

from __future__ import annotations

from labinterp._fhir_json import FhirError
from labinterp._fhir_observation import LOOK_ALIKE_LOINC, Skipped
from labinterp._fhir_panels import FhirPanel, FhirReading, PanelKey, panels_from_bundle
from labinterp._fhir_write import (
    PACK_SYSTEM,
    PATTERN_SYSTEM,
    STATUS_SYSTEM,
    V3_INTERPRETATION,
    pack_to_observation_definitions,
    to_fhir,
)

__all__ = [
    "LOOK_ALIKE_LOINC",
    "PACK_SYSTEM",
    "PATTERN_SYSTEM",
    "STATUS_SYSTEM",
    "V3_INTERPRETATION",
    "FhirError",
    "FhirPanel",
    "FhirReading",
    "PanelKey",
    "Skipped",
    "pack_to_observation_definitions",
    "panels_from_bundle",
    "to_fhir",
]
