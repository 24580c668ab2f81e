"""Reading a JSON document ``Interpretation.to_json`` wrote back into an equal
:class:`~labinterp.Interpretation`: data only, nothing evaluated again, every fault located
by its JSON path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from labinterp._derived import bound_of, compute_derived
from labinterp._errors import InvalidValueError, LabinterpError, shorten
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    Interpretation,
    PackRef,
    PatternFinding,
    Status,
)
from labinterp._interpretation_doc import (
    SCHEMA_VERSION,
    WORD_OUTCOME,
    ClassificationDoc,
    CriterionDoc,
    CutoffDoc,
    FlagDoc,
    InterpretationDoc,
    PatternDoc,
)
from labinterp._interpretation_writer import panel_derived
from labinterp._packs import When, class_finding_id
from labinterp._panel import Measurement, Panel, fast_construct
from labinterp._rule_base import ALWAYS, INF, Band
from labinterp._rules import (
    CriterionResult,
    CutoffUsed,
    GreyZoneResult,
    NotCoveredUsed,
)
from labinterp._version import __version__

__all__ = ["interpretation_from_json"]

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

    def observed(self, c: CriterionDoc) -> Measurement | None:
        if c.analyte is None:
            return None
        found = self.values.get(c.analyte)
        settled = c.kind in ("threshold", "reference") and c.outcome != "undecided"
        if found is None and (settled or (c.kind == "missing" and c.outcome == "does not hold")):
            # A comparison settled by a range computed from censored or missing inputs
            # (labinterp._derived.bounded_derived), or a "missing" check that the range
            # answers; otherwise the engine keeps no value.
            found = bound_of(self.values, c.analyte)
        return found

    def criterion(self, c: CriterionDoc, path: str) -> CriterionResult:
        return CriterionResult(
            kind=c.kind,
            rule=c.rule,
            outcome=WORD_OUTCOME[c.outcome],
            analyte=c.analyte,
            # The engine compares the panel's (or the derived) value of the analyte, when
            # there is one; the document names the analyte instead of repeating the value.
            observed=self.observed(c),
            cutoffs=tuple(
                self.cutoff(cid, f"{path}.cutoffs[{i}]") for i, cid in enumerate(c.cutoffs)
            ),
            cutoff_outcomes=tuple(WORD_OUTCOME[o] for o in c.cutoff_outcomes),
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
    if data["derived"] != panel_derived(panel):
        # Indices are computed from the panel, never read: an edited one would be ignored.
        raise _error(
            "$.derived",
            "does not match the indices computed from $.panel",
            expected=shorten(panel_derived(panel), 200),
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
