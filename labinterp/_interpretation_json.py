"""The JSON contract of an :class:`~labinterp.Interpretation`: a versioned, compact document
that reads back into an equal object.

The document says what the text rendering says, in the same words (a criterion "holds",
"does not hold" or is "undecided"; a pattern is "consistent", "not_consistent" or
"indeterminate"), and nothing a reader has to recompute. It is compact: every cut-off, every
"not covered" note and every source citation is written once, in the tables at the end
(``cutoffs``, ``not_covered``, ``sources``), and referenced by id from the findings; a
criterion leaves out the fields that are empty. Reported values are written exactly as given;
every number labinterp computed (canonical values, margins, limits, factors) is tidied with
:func:`labinterp._numbers.tidy`, so no ``450.00000000000006`` reaches a reader.

The pydantic models below describe the document: they validate a document read back and
generate the published JSON Schema (``labinterp schema --output interpretation``). The
writer builds plain dicts in a fixed order, so the same interpretation always gives the same
bytes, and ``from_json(text).to_json() == text`` for any text ``to_json`` wrote.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import to_json

from labinterp._analytes import ANALYTES
from labinterp._derived import compute_derived
from labinterp._errors import InvalidValueError, LabinterpError, shorten
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    Interpretation,
    PackRef,
    PatternFinding,
    Status,
)
from labinterp._numbers import MAX_FIGURES, round_figures, tidy
from labinterp._packs import When, class_finding_id
from labinterp._panel import Comparator, Measurement, Panel, fast_construct
from labinterp._rule_base import ALWAYS, INF, Band
from labinterp._rules import (
    CriterionResult,
    CutoffUsed,
    FlagName,
    GreyZoneResult,
    HL7Code,
    NotCoveredUsed,
    Outcome,
)
from labinterp._version import __version__

__all__ = [
    "SCHEMA_VERSION",
    "interpretation_from_json",
    "interpretation_json_schema",
    "interpretation_to_json",
    "interpretations_equal",
]

#: The version of the document's layout. The major number changes when a reader of the old
#: layout could misread the new one (a field removed, renamed or given a new meaning); the
#: minor number when fields are only added. See docs/json.md.
SCHEMA_VERSION = "1.0"

#: A criterion's outcome in the words the text rendering uses.
OutcomeWord = Literal["holds", "does not hold", "undecided"]
_WORD: dict[Outcome, OutcomeWord] = {
    Outcome.HELD: "holds",
    Outcome.FAILED: "does not hold",
    Outcome.UNDECIDED: "undecided",
}
_OUTCOME: dict[str, Outcome] = {word: outcome for outcome, word in _WORD.items()}

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


# --- writing ------------------------------------------------------------------------------------


def _number(value: float | None) -> float | None:
    # A computed number, shown without float noise (labinterp._numbers decides how).
    return None if value is None else tidy(value)


class _Table:
    """Entries written once and referenced by id; equal entries share one id."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self._by_content: dict[str, str] = {}
        self._by_object: dict[int, str] = {}
        self._keep: list[object] = []  # keeps id(obj) from being reused while writing

    def add(self, obj: object, base_id: str, entry: Callable[[], dict[str, Any]]) -> str:
        known = self._by_object.get(id(obj))
        if known is not None:
            return known
        content = entry()
        key = json.dumps(content, sort_keys=True, ensure_ascii=False)
        found = self._by_content.get(key)
        if found is None:
            found = base_id
            n = 1
            while found in self.entries:
                n += 1
                found = f"{base_id} #{n}"
            self.entries[found] = content
            self._by_content[key] = found
        self._by_object[id(obj)] = found
        self._keep.append(obj)
        return found


def _when(when: When) -> dict[str, Any] | None:
    if when is ALWAYS or when == ALWAYS:
        return None
    return when.model_dump(mode="json", exclude_none=True)


class _Writer:
    def __init__(self, interpretation: Interpretation) -> None:
        self.interpretation = interpretation
        self.cutoffs = _Table()
        self.not_covered = _Table()
        self.sources: dict[str, str] = {}
        self._source_by_text: dict[str, str] = {}

    # Sources: cut-offs, grey zones and gaps carry the pack's id; findings and flags cite
    # the text only, so their id is looked up from the first pass (or made up, if unused).
    def _collect_sources(self, patterns: Sequence[PatternFinding]) -> None:
        def visit(result: CriterionResult) -> None:
            for cut in result.cutoffs:
                self._source(cut.source_id, cut.source)
            for gap in result.not_covered:
                self._source(gap.source_id, gap.source)
            for child in result.children:
                visit(child)

        for finding in patterns:
            visit(finding.criteria)
            for result in finding.supporting:
                visit(result)
            for zone in finding.grey_zones:
                self._source(zone.source_id, zone.source)
                visit(zone.result)

    def _source(self, source_id: str, text: str) -> str:
        if source_id not in self.sources:
            self.sources[source_id] = text
            self._source_by_text.setdefault(text, source_id)
        return source_id

    def _cited(self, text: str) -> str:
        found = self._source_by_text.get(text)
        if found is None:
            n = len(self.sources) + 1
            while f"source {n}" in self.sources:
                n += 1
            found = self._source(f"source {n}", text)
        return found

    def _cutoff(self, cut: CutoffUsed) -> str:
        base = cut.rule if cut.applies_to == "everyone" else f"{cut.rule} ({cut.applies_to})"

        def entry() -> dict[str, Any]:
            doc: dict[str, Any] = {"rule": cut.rule, "applies_to": cut.applies_to, "unit": cut.unit}
            if cut.comparator is not None:
                # low/high follow from the comparator and value; the reader works them out.
                doc["comparator"] = cut.comparator
                doc["value"] = _number(cut.value)
            else:
                for key in ("low", "high"):
                    if getattr(cut, key) is not None:
                        doc[key] = _number(getattr(cut, key))
                        doc[f"{key}_inclusive"] = getattr(cut, f"{key}_inclusive")
            doc["canonical_unit"] = cut.canonical_unit
            doc["to_canonical"] = tidy(cut.to_canonical)
            doc["source"] = self._source(cut.source_id, cut.source)
            doc["confidence"] = cut.confidence
            if cut.note:
                doc["note"] = cut.note
            when = _when(cut.when)
            if when is not None:
                doc["when"] = when
            return doc

        return self.cutoffs.add(cut, base, entry)

    def _gap(self, gap: NotCoveredUsed) -> str:
        def entry() -> dict[str, Any]:
            doc: dict[str, Any] = {
                "applies_to": gap.applies_to,
                "reason": gap.reason,
                "source": self._source(gap.source_id, gap.source),
            }
            when = _when(gap.when)
            if when is not None:
                doc["when"] = when
            return doc

        return self.not_covered.add(gap, f"{gap.applies_to} ({gap.source_id})", entry)

    def criterion(self, r: CriterionResult) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": r.kind, "rule": r.rule, "outcome": _WORD[r.outcome]}
        if r.analyte is not None:
            doc["analyte"] = r.analyte
        if r.cutoffs:
            doc["cutoffs"] = [self._cutoff(c) for c in r.cutoffs]
        if r.cutoff_outcomes:
            doc["cutoff_outcomes"] = [_WORD[o] for o in r.cutoff_outcomes]
        if r.margin is not None:
            # A difference of two converted numbers carries their noise at the 1e-10 level
            # (229.999999999); six significant figures of the margin itself keep every digit
            # a reader can use.
            doc["margin"] = round_figures(r.margin, MAX_FIGURES)
        if r.margin_unit is not None:
            doc["margin_unit"] = r.margin_unit
        if r.would_change is not None:
            doc["would_change"] = r.would_change
        if r.missing_analytes:
            doc["missing_analytes"] = list(r.missing_analytes)
        if r.missing_context:
            doc["missing_context"] = list(r.missing_context)
        if r.reason is not None:
            doc["reason"] = r.reason
        if r.children:
            doc["children"] = [self.criterion(c) for c in r.children]
        if r.not_covered:
            doc["not_covered"] = [self._gap(g) for g in r.not_covered]
        return doc

    def pattern(self, f: PatternFinding) -> dict[str, Any]:
        return {
            "id": f.id,
            "kind": f.kind,
            "name": f.name,
            "status": f.status,
            "label": f.label,
            "criteria": self.criterion(f.criteria),
            "supporting": [self.criterion(r) for r in f.supporting],
            "missing_analytes": list(f.missing_analytes),
            "missing_context": list(f.missing_context),
            "decisive_tests": list(f.decisive_tests),
            "nearest_cutoff": f.nearest_cutoff,
            "description": f.description,
            "note": f.note,
            "grey_zones": [
                {
                    "result": self.criterion(z.result),
                    "reason": z.reason,
                    "decisive_tests": list(z.decisive_tests),
                    "source": self._source(z.source_id, z.source),
                    "confidence": z.confidence,
                }
                for z in f.grey_zones
            ],
            "sources": [self._cited(s) for s in f.sources],
            "classification": f.classification,
        }

    def classification(self, c: ClassificationFinding) -> dict[str, Any]:
        return {
            "id": c.id,
            "name": c.name,
            "label": c.label,
            "chosen": c.chosen,
            "possible": list(c.possible),
            "classes": list(c.classes),
            "missing_analytes": list(c.missing_analytes),
            "missing_context": list(c.missing_context),
            "decisive_tests": list(c.decisive_tests),
            "description": c.description,
            "note": c.note,
            "sources": [self._cited(s) for s in c.sources],
        }

    def flag(self, f: AnalyteFlag) -> dict[str, Any]:
        return {
            "analyte": f.analyte,
            "flag": f.flag,
            "code": f.code,
            "low": _number(f.low),
            "high": _number(f.high),
            "unit": f.unit,
            "interval_source": (
                None if f.interval_source is None else self._cited(f.interval_source)
            ),
            "missing_context": list(f.missing_context),
        }

    def document(self) -> dict[str, Any]:
        it = self.interpretation
        patterns = it.patterns
        self._collect_sources(patterns)
        written_patterns = [self.pattern(f) for f in patterns]
        written_classes = [self.classification(c) for c in it.classifications]
        written_flags = [self.flag(f) for f in it.flags]
        return {
            "schema_version": SCHEMA_VERSION,
            "labinterp_version": __version__,
            "pack": it.pack.model_dump(mode="json"),
            "panel": _panel(it.panel),
            "derived": _derived(it.panel),
            "assumptions": list(it.assumptions),
            "disclaimer": it.disclaimer,
            "patterns": written_patterns,
            "classifications": written_classes,
            "flags": written_flags,
            "cutoffs": self.cutoffs.entries,
            "not_covered": self.not_covered.entries,
            "sources": dict(sorted(self.sources.items())),
        }


def _measurement(m: Measurement) -> dict[str, Any]:
    doc: dict[str, Any] = {"value": m.value, "unit": m.unit}  # exactly as reported
    if m.comparator is not None:
        doc["comparator"] = m.comparator
    if m.reference_interval is not None:
        doc["reference_interval"] = m.reference_interval.model_dump(mode="json")
    doc["canonical_value"] = tidy(m.canonical_value)
    doc["canonical_unit"] = m.canonical_unit
    return doc


def _derived(panel: Panel) -> dict[str, Any]:
    # The same indices the engine computed for its rules (deterministic, from the panel).
    return {
        name: {
            "value": tidy(m.value),
            "unit": m.unit,
            "canonical_value": tidy(m.canonical_value),
            "canonical_unit": m.canonical_unit,
            "derived_from": m.derived_from,
        }
        for name, m in compute_derived(panel.measurements).items()
    }


def _panel(panel: Panel) -> dict[str, Any]:
    doc: dict[str, Any] = {name: _measurement(m) for name, m in panel.measurements.items()}
    for key in ("sex", "age", "pregnant", "trimester"):
        value = getattr(panel, key)
        if value is not None:
            doc[key] = value
    for key in ("conditions", "medications", "symptoms"):
        if getattr(panel, key):
            doc[key] = list(getattr(panel, key))
    if panel.diet is not None:
        doc["diet"] = panel.diet
    return doc


def interpretation_to_json(interpretation: Interpretation, indent: int | None) -> str:
    """The document of ``interpretation`` (see the module's docstring)."""
    document = _Writer(interpretation).document()
    # pydantic's serialiser: the same text as json.dumps(ensure_ascii=False) with an indent,
    # ten times faster (the standard library indents in pure Python), and compact without
    # an indent. Every number written is finite (the writer builds it from checked values).
    return to_json(document, indent=indent).decode()


def interpretations_equal(a: Interpretation, b: Interpretation) -> bool:
    """Equal when their JSON documents are the same: the same findings, in the same words,
    with the same numbers at the precision the document shows (see docs/json.md)."""
    return interpretation_to_json(a, None) == interpretation_to_json(b, None)


# --- reading ------------------------------------------------------------------------------------


def _error(path: str, message: str, value: object = None, expected: str | None = None) -> Exception:
    return InvalidValueError(
        f"interpretation JSON at {path}: {message}",
        field=path,
        value=value,
        expected=expected,
    )


def _path(loc: Sequence[int | str]) -> str:
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _error("$", f"the key {shorten(key)} is given twice", key, "each key once")
        out[key] = value
    return out


def _parse(text: object) -> Any:
    if not isinstance(text, str | bytes | bytearray):
        raise _error(
            "$", f"expected JSON text or bytes, got {type(text).__name__}", text, "a JSON object"
        )
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as exc:
        raise _error("$", f"not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise _error(
            "$",
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            exc.doc[max(exc.pos - 20, 0) : exc.pos + 20],
            "a JSON object",
        ) from None
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, LabinterpError):
            raise
        raise _error(
            "$", f"cannot be read: {shorten(str(exc))}", expected="a JSON object"
        ) from None


def _check_version(data: Any) -> None:
    if not isinstance(data, dict):
        raise _error("$", f"expected a JSON object, got {shorten(data)}", data, "a JSON object")
    if "schema_version" not in data:
        raise _error(
            "$.schema_version",
            "missing; this is not an interpretation document written by labinterp",
            expected=f"schema_version {SCHEMA_VERSION!r}",
        )
    version = data["schema_version"]
    if version != SCHEMA_VERSION:
        raise _error(
            "$.schema_version",
            f"labinterp {__version__} reads schema_version {SCHEMA_VERSION!r} documents, got "
            f"{shorten(version)}; read it with the labinterp version that wrote it "
            f"(labinterp_version in the document) or interpret the panel again",
            version,
            SCHEMA_VERSION,
        )


def _validated(data: Any) -> InterpretationDoc:
    try:
        return InterpretationDoc.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        raise _error(
            _path(err["loc"]),
            f"{message[:1].lower()}{message[1:]} (got {shorten(err.get('input'))})",
            err.get("input"),
            message,
        ) from None
    except RecursionError:
        raise _error("$", "nested too deeply", expected="criteria a few levels deep") from None


class _Reader:
    def __init__(self, doc: InterpretationDoc, values: Mapping[str, Measurement]) -> None:
        self.doc = doc
        self.values = values
        self._cutoffs: dict[str, CutoffUsed] = {}
        self._gaps: dict[str, NotCoveredUsed] = {}

    def source(self, source_id: str, path: str) -> str:
        text = self.doc.sources.get(source_id)
        if text is None:
            raise _error(path, f"no source {shorten(source_id)} in $.sources", source_id)
        return text

    def when(self, data: dict[str, Any] | None, path: str) -> When:
        if data is None:
            return ALWAYS
        try:
            return When.model_validate(data)
        except (ValidationError, LabinterpError, ValueError) as exc:
            raise _error(path, f"not a valid context: {shorten(str(exc), 200)}", data) from None

    def cutoff(self, cutoff_id: str, path: str) -> CutoffUsed:
        found = self._cutoffs.get(cutoff_id)
        if found is not None:
            return found
        c = self.doc.cutoffs.get(cutoff_id)
        if c is None:
            raise _error(path, f"no cut-off {shorten(cutoff_id)} in $.cutoffs", cutoff_id)
        where = f"$.cutoffs[{json.dumps(cutoff_id, ensure_ascii=False)}]"
        if not (math.isfinite(c.to_canonical) and c.to_canonical > 0):
            raise _error(f"{where}.to_canonical", "expected a positive factor", c.to_canonical)
        low, low_inclusive, high, high_inclusive = _limits(c, where)
        found = CutoffUsed(
            rule=c.rule,
            applies_to=c.applies_to,
            unit=c.unit,
            comparator=c.comparator,
            value=c.value,
            low=low,
            high=high,
            low_inclusive=low_inclusive,
            high_inclusive=high_inclusive,
            canonical_unit=c.canonical_unit,
            source=self.source(c.source, f"{where}.source"),
            source_id=c.source,
            confidence=c.confidence,
            note=c.note,
            band=_band(c),
            to_canonical=c.to_canonical,
            when=self.when(c.when, f"{where}.when"),
        )
        self._cutoffs[cutoff_id] = found
        return found

    def gap(self, gap_id: str, path: str) -> NotCoveredUsed:
        found = self._gaps.get(gap_id)
        if found is not None:
            return found
        g = self.doc.not_covered.get(gap_id)
        if g is None:
            raise _error(path, f"no entry {shorten(gap_id)} in $.not_covered", gap_id)
        where = f"$.not_covered[{json.dumps(gap_id, ensure_ascii=False)}]"
        found = NotCoveredUsed(
            applies_to=g.applies_to,
            reason=g.reason,
            source=self.source(g.source, f"{where}.source"),
            source_id=g.source,
            when=self.when(g.when, f"{where}.when"),
        )
        self._gaps[gap_id] = found
        return found

    def criterion(self, c: CriterionDoc, path: str) -> CriterionResult:
        return CriterionResult(
            kind=c.kind,
            rule=c.rule,
            outcome=_OUTCOME[c.outcome],
            analyte=c.analyte,
            # The engine compares the panel's (or the derived) value of the analyte, when
            # there is one; the document names the analyte instead of repeating the value.
            observed=None if c.analyte is None else self.values.get(c.analyte),
            cutoffs=tuple(
                self.cutoff(cid, f"{path}.cutoffs[{i}]") for i, cid in enumerate(c.cutoffs)
            ),
            cutoff_outcomes=tuple(_OUTCOME[o] for o in c.cutoff_outcomes),
            margin=c.margin,
            margin_unit=c.margin_unit,
            would_change=c.would_change,
            missing_analytes=tuple(c.missing_analytes),
            missing_context=tuple(c.missing_context),
            reason=c.reason,
            children=tuple(
                self.criterion(child, f"{path}.children[{i}]") for i, child in enumerate(c.children)
            ),
            not_covered=tuple(
                self.gap(gid, f"{path}.not_covered[{i}]") for i, gid in enumerate(c.not_covered)
            ),
        )

    def pattern(self, p: PatternDoc, path: str) -> PatternFinding:
        return PatternFinding(
            id=p.id,
            kind=p.kind,
            name=p.name,
            status=p.status,
            label=p.label,
            criteria=self.criterion(p.criteria, f"{path}.criteria"),
            supporting=tuple(
                self.criterion(s, f"{path}.supporting[{i}]") for i, s in enumerate(p.supporting)
            ),
            missing_analytes=tuple(p.missing_analytes),
            missing_context=tuple(p.missing_context),
            decisive_tests=tuple(p.decisive_tests),
            nearest_cutoff=p.nearest_cutoff,
            description=p.description,
            note=p.note,
            grey_zones=tuple(
                GreyZoneResult(
                    self.criterion(z.result, f"{path}.grey_zones[{i}].result"),
                    z.reason,
                    tuple(z.decisive_tests),
                    self.source(z.source, f"{path}.grey_zones[{i}].source"),
                    z.source,
                    z.confidence,
                )
                for i, z in enumerate(p.grey_zones)
            ),
            sources=tuple(self.source(s, f"{path}.sources[{i}]") for i, s in enumerate(p.sources)),
            classification=p.classification,
        )

    def classification(self, c: ClassificationDoc, path: str) -> ClassificationFinding:
        return ClassificationFinding(
            id=c.id,
            name=c.name,
            label=c.label,
            chosen=c.chosen,
            possible=tuple(c.possible),
            classes=tuple(c.classes),
            missing_analytes=tuple(c.missing_analytes),
            missing_context=tuple(c.missing_context),
            decisive_tests=tuple(c.decisive_tests),
            description=c.description,
            note=c.note,
            sources=tuple(self.source(s, f"{path}.sources[{i}]") for i, s in enumerate(c.sources)),
        )

    def flag(self, f: FlagDoc, path: str) -> AnalyteFlag:
        observed = self.values.get(f.analyte)
        if observed is None:
            raise _error(
                f"{path}.analyte",
                f"{shorten(f.analyte)} is not a result of $.panel",
                f.analyte,
                "a measured analyte of the panel",
            )
        source = None
        if f.interval_source is not None:
            source = self.source(f.interval_source, f"{path}.interval_source")
        return AnalyteFlag(
            f.analyte,
            observed,
            f.flag,
            f.code,
            f.low,
            f.high,
            f.unit,
            source,
            tuple(f.missing_context),
        )


_Limits = tuple[float | None, bool | None, float | None, bool | None]


def _limits(c: CutoffDoc, where: str) -> _Limits:
    """low, low_inclusive, high, high_inclusive: written, or implied by the comparator."""
    if c.comparator is None:
        if c.low is None and c.high is None:
            raise _error(where, "a cut-off needs a comparator and value, or low and/or high")
        if (c.low is None) != (c.low_inclusive is None) or (c.high is None) != (
            c.high_inclusive is None
        ):
            raise _error(where, "each of low and high comes with its _inclusive flag")
        return c.low, c.low_inclusive, c.high, c.high_inclusive
    if c.value is None or any(x is not None for x in (c.low, c.high)):
        raise _error(where, "a cut-off with a comparator has a value and no low or high")
    if c.comparator in (">", ">="):
        return c.value, c.comparator == ">=", None, None
    return None, None, c.value, c.comparator == "<="


def _band(c: CutoffDoc) -> Band:
    """The cut-off's band in canonical units (used only if the cut-off is applied again)."""
    f = c.to_canonical
    if c.comparator is not None and c.value is not None:
        v = c.value * f
        return {
            "<": Band(high=v),
            "<=": Band(high=v, high_inclusive=True),
            ">": Band(low=v),
            ">=": Band(low=v, low_inclusive=True),
        }[c.comparator]
    return Band(
        -INF if c.low is None else c.low * f,
        bool(c.low_inclusive),
        INF if c.high is None else c.high * f,
        bool(c.high_inclusive),
    )


def _read_panel(data: Any) -> Panel:
    try:
        return Panel.from_mapping(data)
    except LabinterpError as exc:
        where = f"$.panel.{exc.field}" if exc.field else "$.panel"
        raise _error(where, str(exc), exc.value, exc.expected) from None


def _unique(ids: Sequence[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for i, one in enumerate(ids):
        if one in seen:
            raise _error(f"{path}[{i}].id", f"the {what} {shorten(one)} is given twice", one)
        seen.add(one)


def interpretation_from_json(text: str | bytes) -> Interpretation:
    """Read a document ``to_json`` wrote back into an :class:`Interpretation` (data only:
    nothing is evaluated again, nothing in the document is executed)."""
    data = _parse(text)
    _check_version(data)
    doc = _validated(data)
    panel = _read_panel(data["panel"])
    values = panel.measurements
    values.update(compute_derived(values))
    if data["derived"] != _derived(panel):
        # Indices are computed from the panel, never read: an edited one would be ignored.
        raise _error(
            "$.derived",
            "does not match the indices computed from $.panel",
            expected=shorten(_derived(panel), 200),
        )
    reader = _Reader(doc, values)
    _unique([p.id for p in doc.patterns], "$.patterns", "pattern id")
    _unique([c.id for c in doc.classifications], "$.classifications", "classification id")
    patterns = tuple(reader.pattern(p, f"$.patterns[{i}]") for i, p in enumerate(doc.patterns))
    statuses: dict[str, Status] = {p.id: p.status for p in patterns}
    classes: dict[str, tuple[str, ...]] = {}
    for i, c in enumerate(doc.classifications):
        for j, class_id in enumerate(c.classes):
            if class_finding_id(c.id, class_id) not in statuses:
                raise _error(
                    f"$.classifications[{i}].classes[{j}]",
                    f"no pattern {class_finding_id(c.id, class_id)!r} in $.patterns for this class",
                    class_id,
                )
        classes[c.id] = tuple(c.classes)
    classified = tuple(
        reader.classification(c, f"$.classifications[{i}]")
        for i, c in enumerate(doc.classifications)
    )
    flags = tuple(reader.flag(f, f"$.flags[{i}]") for i, f in enumerate(doc.flags))
    built = (patterns, flags, classified)
    return fast_construct(
        Interpretation,
        {
            "pack": PackRef.model_validate(doc.pack.model_dump()),
            "panel": panel,
            "assumptions": tuple(doc.assumptions),
            "disclaimer": doc.disclaimer,
        },
        {
            "_statuses": statuses,
            "_classes": classes,
            "_materialise": lambda: built,
            "_built": built,
            # Pickled as the document it was read from: reading it again gives an equal copy.
            "_rebuild": (interpretation_from_json, (text,)),
        },
    )
