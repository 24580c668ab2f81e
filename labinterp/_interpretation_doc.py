"""The interpretation document's layout, as pydantic models: they validate a document read
back and generate the published JSON Schema (``labinterp schema --output interpretation``).
See :mod:`labinterp._interpretation_json` for the contract and docs/json.md for readers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from labinterp._analytes import ANALYTES
from labinterp._findings import Status
from labinterp._panel import Comparator, Panel
from labinterp._rules import FlagName, HL7Code, Outcome

__all__ = [
    "OUTCOME_WORD",
    "SCHEMA_VERSION",
    "WORD_OUTCOME",
    "ClassificationDoc",
    "CriterionDoc",
    "CutoffDoc",
    "FlagDoc",
    "InterpretationDoc",
    "PatternDoc",
    "interpretation_json_schema",
]

#: The version of the document's layout. The major number changes when a reader of the old
#: layout could misread the new one (a field removed, renamed or given a new meaning); the
#: minor number when fields are only added. See docs/json.md.
SCHEMA_VERSION = "1.0"

#: A criterion's outcome in the words the text rendering uses.
OutcomeWord = Literal["holds", "does not hold", "undecided"]
OUTCOME_WORD: dict[Outcome, OutcomeWord] = {
    Outcome.HELD: "holds",
    Outcome.FAILED: "does not hold",
    Outcome.UNDECIDED: "undecided",
}
WORD_OUTCOME: dict[str, Outcome] = {word: outcome for outcome, word in OUTCOME_WORD.items()}

# --- the document, as pydantic models (validation on reading; the JSON Schema) -----------------


class _Doc(BaseModel):
    # Strict: a number written as text, or a boolean as a number, is refused, not coerced.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Ids = Annotated[list[str], Field(description="ids, in order")]


class ReferenceIntervalDoc(_Doc):
    """The laboratory's own reference interval, as the report gave it."""

    low: float | None = None
    high: float | None = None
    unit: str


class MeasurementDoc(_Doc):
    """One result: as the report gave it (value, unit, comparator, reference_interval)
    and in the analyte's canonical unit (computed by labinterp, tidied)."""

    value: float
    unit: str
    comparator: Comparator | None = None
    reference_interval: ReferenceIntervalDoc | None = None
    canonical_value: float
    canonical_unit: str


def _panel_doc_fields() -> dict[str, Any]:
    # One optional field per measured analyte of the catalog, so that the schema names them.
    return {
        name: (MeasurementDoc | None, None)
        for name, info in Panel.model_fields.items()
        if name in ANALYTES and "Measurement" in str(info.annotation)
    }


class DerivedDoc(_Doc):
    """An index labinterp computed from the panel's results (the Mentzer index ...)."""

    value: float
    unit: str
    canonical_value: float
    canonical_unit: str
    derived_from: str = Field(description="the arithmetic with its inputs")


class _PanelContextDoc(_Doc):
    sex: Literal["female", "male"] | None = None
    age: float | None = None
    pregnant: bool | None = None
    trimester: Literal[1, 2, 3] | None = None
    conditions: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    diet: str | None = None


PanelDoc: type[_PanelContextDoc] = create_model(
    "PanelDoc",
    __base__=_PanelContextDoc,
    __doc__="The panel as interpreted: the results given (keyed by analyte id) and the "
    "context. It is itself a panel document `labinterp interpret` reads.",
    **_panel_doc_fields(),
)


class PackDoc(_Doc):
    """The pack the interpretation used."""

    name: str
    version: str
    title: str
    extends: str | None = None


class CutoffDoc(_Doc):
    """A cut-off as applied, in the pack's unit (or the lab's, for its own interval)."""

    rule: str
    applies_to: str
    unit: str
    comparator: Comparator | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    low_inclusive: bool | None = None
    high_inclusive: bool | None = None
    canonical_unit: str
    to_canonical: float = Field(description="multiply a value in `unit` by this for canonical")
    source: str = Field(description="an id of the `sources` table")
    confidence: str
    note: str = ""
    when: dict[str, Any] | None = Field(
        default=None, description="the context this cut-off is for (the pack's `when`)"
    )


class NotCoveredDoc(_Doc):
    """A context the source of a threshold gives no cut-off for."""

    applies_to: str
    reason: str
    source: str = Field(description="an id of the `sources` table")
    when: dict[str, Any] | None = None


class CriterionDoc(_Doc):
    """One criterion's outcome and why; empty fields are left out."""

    kind: Literal["threshold", "reference", "pattern", "all", "any", "not", "context", "missing"]
    rule: str
    outcome: OutcomeWord
    analyte: str | None = Field(
        default=None, description="the analyte compared; its value is the panel's (or derived)"
    )
    cutoffs: Ids = Field(default_factory=list, description="ids of the `cutoffs` table")
    cutoff_outcomes: list[OutcomeWord] = Field(default_factory=list)
    margin: float | None = None
    margin_unit: str | None = None
    would_change: str | None = None
    missing_analytes: Ids = Field(default_factory=list)
    missing_context: Ids = Field(default_factory=list)
    reason: str | None = None
    children: list[CriterionDoc] = Field(default_factory=list)
    not_covered: Ids = Field(default_factory=list, description="ids of the `not_covered` table")


class GreyZoneDoc(_Doc):
    """A grey zone of a pattern as evaluated: whether it holds, why, and who says so."""

    result: CriterionDoc
    reason: str
    decisive_tests: Ids
    source: str
    confidence: str


class PatternDoc(_Doc):
    """One pattern (or note, or alert) with its status, label and trace."""

    id: str
    kind: Literal["pattern", "note", "alert"]
    name: str
    status: Status
    label: str
    criteria: CriterionDoc
    supporting: list[CriterionDoc]
    missing_analytes: Ids
    missing_context: Ids
    decisive_tests: Ids
    nearest_cutoff: str | None
    description: str
    note: str
    grey_zones: list[GreyZoneDoc]
    sources: Ids
    classification: str | None


class ClassificationDoc(_Doc):
    """Which class of a classification the results are consistent with."""

    id: str
    name: str
    label: str
    chosen: str | None
    possible: Ids
    classes: Ids
    missing_analytes: Ids
    missing_context: Ids
    decisive_tests: Ids
    description: str
    note: str
    sources: Ids


class FlagDoc(_Doc):
    """A measured result against its reference interval (limits in the canonical unit)."""

    analyte: str
    flag: FlagName
    code: HL7Code | None
    low: float | None
    high: float | None
    unit: str
    interval_source: str | None = Field(description="an id of the `sources` table")
    missing_context: Ids


class InterpretationDoc(_Doc):
    """An interpretation of a panel by labinterp: educational, never a diagnosis."""

    schema_version: str = Field(pattern=r"^\d+\.\d+$")
    labinterp_version: str
    pack: PackDoc
    panel: PanelDoc
    derived: dict[str, DerivedDoc] = Field(
        description="indices computed from the panel; criteria name them like results"
    )
    assumptions: list[str]
    disclaimer: str
    patterns: list[PatternDoc]
    classifications: list[ClassificationDoc]
    flags: list[FlagDoc]
    cutoffs: dict[str, CutoffDoc]
    not_covered: dict[str, NotCoveredDoc]
    sources: dict[str, str] = Field(description="source id -> citation")


def interpretation_json_schema() -> dict[str, Any]:
    """The JSON Schema of the document ``Interpretation.to_json`` writes."""
    schema = InterpretationDoc.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"labinterp interpretation, schema_version {SCHEMA_VERSION}"
    schema["properties"]["schema_version"]["const"] = SCHEMA_VERSION
    return schema
