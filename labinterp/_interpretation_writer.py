"""Writing an :class:`~labinterp.Interpretation` as its JSON document: plain dicts in a fixed
order, so the same interpretation always gives the same bytes; every cut-off, "not covered"
note and source written once in the tables at the end and referenced by id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import to_json

from labinterp._derived import compute_derived
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    Interpretation,
    PatternFinding,
)
from labinterp._interpretation_doc import OUTCOME_WORD, SCHEMA_VERSION
from labinterp._numbers import MAX_FIGURES, round_figures, tidy
from labinterp._packs import When
from labinterp._panel import Measurement, Panel
from labinterp._rule_base import ALWAYS
from labinterp._rules import CriterionResult, CutoffUsed, NotCoveredUsed
from labinterp._version import __version__

__all__ = ["interpretation_to_json", "interpretations_equal", "panel_derived"]

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
        doc: dict[str, Any] = {"kind": r.kind, "rule": r.rule, "outcome": OUTCOME_WORD[r.outcome]}
        if r.analyte is not None:
            doc["analyte"] = r.analyte
        if r.cutoffs:
            doc["cutoffs"] = [self._cutoff(c) for c in r.cutoffs]
        if r.cutoff_outcomes:
            doc["cutoff_outcomes"] = [OUTCOME_WORD[o] for o in r.cutoff_outcomes]
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
            "derived": panel_derived(it.panel),
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


def panel_derived(panel: Panel) -> dict[str, Any]:
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
