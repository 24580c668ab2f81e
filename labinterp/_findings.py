"""Findings: the result of an interpretation, as data.

An :class:`Interpretation` is a frozen pydantic model (``model_dump(mode="json")`` works);
its parts are frozen dataclasses built by the engine from the very rule results that decided
each label. Renderers (text today; Markdown and HTML later) are views of this data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, PrivateAttr, computed_field

from labinterp._analytes import resolve_analyte_id
from labinterp._errors import UnknownPatternError, did_you_mean, shorten
from labinterp._notebook_views import NotebookViews, short_repr
from labinterp._packs import class_finding_id
from labinterp._panel import Measurement, Panel
from labinterp._rules import CriterionResult, FlagName, GreyZoneResult, HL7Code

__all__ = [
    "AnalyteFlag",
    "ClassificationFinding",
    "FlagName",
    "HL7Code",
    "Interpretation",
    "PackRef",
    "PatternFinding",
    "PatternHeading",
    "Status",
    "pattern_headings",
]

Status = Literal["consistent", "not_consistent", "indeterminate"]


@dataclass(frozen=True, slots=True)
class PatternFinding(NotebookViews):
    """One pattern's status, its label, and the full trace of how it was reached.

    ``criteria`` is the trace of the pattern's criteria; ``grey_zones`` holds each grey zone
    the pack gives the pattern, with whether it held, its reason and its source. The status
    combines the two: a grey zone that holds (or may hold) makes the pattern indeterminate.
    """

    id: str
    kind: Literal["pattern", "note", "alert"]
    name: str
    status: Status
    label: str
    criteria: CriterionResult
    supporting: tuple[CriterionResult, ...]
    missing_analytes: tuple[str, ...]
    missing_context: tuple[str, ...]
    decisive_tests: tuple[str, ...]
    nearest_cutoff: str | None
    description: str
    note: str
    grey_zones: tuple[GreyZoneResult, ...] = ()
    sources: tuple[str, ...] = ()  # what the description and note cite
    classification: str | None = None  # for a class: the classification it belongs to

    # --- notebooks (the views themselves come from NotebookViews) -------------------------

    def __repr__(self) -> str:
        label = self.label if len(self.label) <= 150 else self.label[:146] + " ..."
        return f"PatternFinding(id={self.id!r}, status={self.status!r}, label={label!r})"


@dataclass(frozen=True, slots=True)
class PatternHeading:
    """What a pattern is and its status, without its trace: for a view that names a pattern
    it does not explain (the brief summary lists the patterns not supported by name only)."""

    id: str
    kind: Literal["pattern", "note", "alert"]
    name: str
    status: Status
    description: str
    classification: str | None = None


@dataclass(frozen=True, slots=True)
class ClassificationFinding:
    """Which class of an ordered classification the results are consistent with.

    ``chosen`` is the class id when the results decide it; otherwise it is None and
    ``possible`` lists the classes still possible (at least two), in the pack's order. Each
    class is also a :class:`PatternFinding` with the id ``<classification>.<class>``, which
    carries its trace.
    """

    id: str
    name: str
    label: str  # "anemia type: consistent with iron deficiency anemia"
    chosen: str | None
    possible: tuple[str, ...]
    classes: tuple[str, ...]  # every class id in order, ``otherwise`` last
    missing_analytes: tuple[str, ...]
    missing_context: tuple[str, ...]
    decisive_tests: tuple[str, ...]
    description: str
    note: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnalyteFlag:
    """A result against its reference interval, with the HL7 interpretation code."""

    analyte: str
    observed: Measurement
    flag: FlagName
    code: HL7Code | None
    low: float | None
    high: float | None
    unit: str
    interval_source: str | None
    missing_context: tuple[str, ...] = ()
    # When the context known leaves several reference intervals possible (pregnancy unknown),
    # each one as (context, low, high) in ``unit``; ``low``/``high`` are then None.
    possible_limits: tuple[tuple[str, float | None, float | None], ...] = ()


class PackRef(BaseModel):
    """The pack an interpretation used."""

    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    version: str
    title: str
    extends: str | None = None


def _unknown_pattern(pattern_id: str, known: Any) -> UnknownPatternError:
    ids = list(known)
    if not isinstance(pattern_id, str):
        return UnknownPatternError(
            f"pattern_id: a pattern id is text such as {ids[0]!r}, got {shorten(pattern_id)}"
            if ids
            else f"pattern_id: a pattern id is text, got {shorten(pattern_id)}",
            field="pattern_id",
            value=pattern_id,
            expected="a pattern id of the pack (text)",
        )
    hint = did_you_mean(pattern_id, ids)
    return UnknownPatternError(
        f"no pattern {shorten(pattern_id)} in this interpretation"
        + (f"; did you mean {hint!r}?" if hint else f"; known: {', '.join(ids)}"),
        field="pattern",
        value=pattern_id,
        expected="a pattern id of the pack",
        suggestion=hint,
    )


_Built = tuple[
    tuple[PatternFinding, ...], tuple[AnalyteFlag, ...], tuple[ClassificationFinding, ...]
]
_Materialise = Callable[[], _Built]


def _nothing() -> _Built:
    return (), (), ()


class _LazyFindings(Protocol):
    """The engine's builder of findings on demand (labinterp._engine), each built once."""

    def headings(self) -> tuple[PatternHeading, ...]: ...

    def finding(self, pattern_id: str) -> PatternFinding: ...

    def flags(self) -> tuple[AnalyteFlag, ...]: ...

    def classifications(self) -> tuple[ClassificationFinding, ...]: ...


def _unknown_classification(classification_id: object, known: list[str]) -> UnknownPatternError:
    if not isinstance(classification_id, str):
        return UnknownPatternError(
            f"classification_id: a classification id is text, got {shorten(classification_id)}",
            field="classification_id",
            value=classification_id,
            expected="a classification id of the pack (text)",
        )
    hint = did_you_mean(classification_id, known)
    listed = f"; known: {', '.join(known)}" if known else "; the pack has no classifications"
    return UnknownPatternError(
        f"no classification {shorten(classification_id)} in this interpretation"
        + (f"; did you mean {hint!r}?" if hint else listed),
        field="classification",
        value=classification_id,
        expected="a classification id of the pack",
        suggestion=hint,
    )


class Interpretation(BaseModel, NotebookViews):
    """The answer to :func:`labinterp.interpret`: pattern findings, flags and their traces.

    Every status is decided when the interpretation is made. The findings with their traces
    (``patterns``) and the flags are built on first access, by the same rule objects that
    decided the statuses, and a finding whose trace disagrees with its decided status is an
    internal error. ``pattern(id)`` builds that one finding only (each is built at most once).
    ``to_json`` writes the versioned document of docs/json.md and ``from_json`` reads it back;
    ``model_dump`` gives pydantic's full, uncompressed form.
    """

    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    pack: PackRef
    panel: Panel
    assumptions: tuple[str, ...]
    disclaimer: str

    _statuses: dict[str, Status] = PrivateAttr(default_factory=dict)
    _classes: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)
    _rebuild: tuple[Callable[..., Interpretation], tuple[object, ...]] | None = PrivateAttr(
        default=None
    )
    _materialise: _Materialise = PrivateAttr(default=_nothing)
    _built: _Built | None = PrivateAttr(default=None)
    # Builds one finding at a time until everything is built (None: read from a document).
    _lazy: _LazyFindings | None = PrivateAttr(default=None)

    def _on_demand(self) -> _LazyFindings | None:
        """The per-finding builder while not everything is built; None once it is."""
        private = self.__pydantic_private__
        assert private is not None
        if private["_built"] is not None:
            return None
        return private.get("_lazy")

    def _findings(self) -> _Built:
        private = self.__pydantic_private__
        assert private is not None
        built = private["_built"]
        if built is None:
            # Deterministic, so two threads racing here build equal values.
            built = private["_materialise"]()
            private["_built"] = built
        return built  # type: ignore[no-any-return]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def patterns(self) -> tuple[PatternFinding, ...]:
        """Every pattern of the pack, in evaluation order, with its trace."""
        return self._findings()[0]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def flags(self) -> tuple[AnalyteFlag, ...]:
        """Each measured analyte against its reference interval."""
        lazy = self._on_demand()
        return lazy.flags() if lazy is not None else self._findings()[1]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def classifications(self) -> tuple[ClassificationFinding, ...]:
        """Each classification of the pack: the class chosen, or the classes still possible."""
        lazy = self._on_demand()
        return lazy.classifications() if lazy is not None else self._findings()[2]

    def classification(self, classification_id: str) -> str | tuple[str, ...]:
        """The class the results are consistent with, by its id; when they cannot decide,
        the tuple of the classes still possible (no trace is built)."""
        private = self.__pydantic_private__
        assert private is not None
        classes: dict[str, tuple[str, ...]] = private["_classes"]
        if not isinstance(classification_id, str) or classification_id not in classes:
            raise _unknown_classification(classification_id, list(classes))
        statuses = private["_statuses"]
        status = {
            k: statuses[class_finding_id(classification_id, k)] for k in classes[classification_id]
        }
        chosen = [k for k, s in status.items() if s == "consistent"]
        if chosen:
            return chosen[0]
        return tuple(k for k, s in status.items() if s == "indeterminate")

    @property
    def alerts(self) -> tuple[PatternFinding, ...]:
        """The alerts that hold, in evaluation order: results and context for which prompt
        medical assessment is worth considering. Educational; never a diagnosis."""
        return tuple(
            self.pattern(h.id)
            for h in pattern_headings(self)
            if h.kind == "alert" and h.status == "consistent"
        )

    def statuses(self) -> dict[str, Status]:
        """Each pattern id with its status, in evaluation order (no trace is built)."""
        private = self.__pydantic_private__
        assert private is not None
        return dict(private["_statuses"])

    def status(self, pattern_id: str) -> Status:
        """One pattern's status (no trace is built)."""
        statuses = self.statuses()
        if not isinstance(pattern_id, str) or pattern_id not in statuses:
            raise _unknown_pattern(pattern_id, statuses)
        return statuses[pattern_id]

    def pattern(self, pattern_id: str) -> PatternFinding:
        """The finding for one pattern id (only its trace is built, if none is yet)."""
        if not isinstance(pattern_id, str):
            raise _unknown_pattern(pattern_id, self.statuses())
        lazy = self._on_demand()
        if lazy is not None:
            statuses = self.statuses()
            if pattern_id not in statuses:
                raise _unknown_pattern(pattern_id, statuses)
            return lazy.finding(pattern_id)
        for finding in self.patterns:
            if finding.id == pattern_id:
                return finding
        raise _unknown_pattern(pattern_id, [f.id for f in self.patterns])

    def flag(self, analyte: str) -> AnalyteFlag | None:
        """The flag for a measured analyte (id or alias), or ``None`` if it was not measured."""
        analyte_id = resolve_analyte_id(analyte)
        for f in self.flags:
            if f.analyte == analyte_id:
                return f
        return None

    def to_json(self, *, indent: int | None = 2) -> str:
        """The interpretation as a versioned, compact JSON document (see docs/json.md).

        Deterministic: the same input gives byte-identical output. It carries
        ``schema_version`` and ``labinterp_version``; cut-offs, notes on contexts not covered
        and sources are written once and referenced by id; computed numbers are tidied,
        reported values are written as given. :meth:`from_json` reads it back.
        """
        # The codec builds the classes of this module, so it is imported when used.
        from labinterp._interpretation_json import interpretation_to_json

        return interpretation_to_json(self, indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Interpretation:
        """Read a document :meth:`to_json` wrote: an equal Interpretation, as data.

        Nothing is evaluated again and nothing in the document is executed; the accessors
        (``status``, ``pattern``, ``flag``, ``classification``, ``alerts``) work on it. Bad
        input raises :class:`labinterp.InvalidValueError` naming the JSON path
        (``$.patterns[3].criteria.outcome``); a document of another ``schema_version`` is
        refused with the versions named.
        """
        from labinterp._interpretation_json import interpretation_from_json

        return interpretation_from_json(text)

    def __reduce__(self) -> tuple[Any, ...]:
        # The trace builder is a closure; rebuild from the panel and the pack instead. The
        # engine is deterministic, so the copy is equal to the original.
        private = self.__pydantic_private__
        rebuild = private.get("_rebuild") if private else None
        if rebuild is None:
            raise TypeError("this Interpretation was not made by labinterp.interpret")
        func, args = rebuild
        return (func, args)

    def __eq__(self, other: object) -> bool:
        # Equal when the JSON documents are equal: the same findings in the same words, with
        # numbers at the precision the document shows, so that from_json(x.to_json()) == x.
        if not isinstance(other, Interpretation):
            return NotImplemented
        return self.to_json(indent=None) == other.to_json(indent=None)

    def __hash__(self) -> int:
        return hash(self.to_json(indent=None))

    # --- notebooks (the views themselves come from NotebookViews) -------------------------

    def __repr__(self) -> str:
        statuses = self.statuses()  # no trace is built
        consistent = [k for k, s in statuses.items() if s == "consistent"]
        undecided = [k for k, s in statuses.items() if s == "indeterminate"]
        text = (
            f"Interpretation(pack='{self.pack.name} {self.pack.version}', "
            f"consistent={consistent!r}, undecided={len(undecided)})"
        )
        return short_repr(text)


def pattern_headings(interp: Interpretation) -> tuple[PatternHeading, ...]:
    """Each pattern's id, kind, name, status and description, in evaluation order; no trace
    is built for an interpretation the engine made."""
    lazy = interp._on_demand()
    if lazy is not None:
        return lazy.headings()
    return tuple(
        PatternHeading(f.id, f.kind, f.name, f.status, f.description, f.classification)
        for f in interp.patterns
    )
