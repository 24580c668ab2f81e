"""Findings: the result of an interpretation, as data.

An :class:`Interpretation` is a frozen pydantic model (``model_dump(mode="json")`` works);
its parts are frozen dataclasses built by the engine from the very rule results that decided
each label. Renderers (text today; Markdown and HTML later) are views of this data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from labinterp._panel import Measurement
from labinterp._rules import CriterionResult

__all__ = [
    "AnalyteFlag",
    "FlagName",
    "HL7Code",
    "Interpretation",
    "PackRef",
    "PatternFinding",
    "Status",
]

Status = Literal["consistent", "not_consistent", "indeterminate"]
HL7Code = Literal["LL", "L", "N", "H", "HH"]
FlagName = Literal[
    "critically low",
    "low",
    "normal",
    "high",
    "critically high",
    "undetermined",
    "no reference interval",
]


@dataclass(frozen=True, slots=True)
class PatternFinding:
    """One pattern's status, its label, and the full trace of how it was reached."""

    id: str
    kind: Literal["pattern", "note"]
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


class PackRef(BaseModel):
    """The pack an interpretation used."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    version: str
    title: str
    extends: str | None = None


class Interpretation(BaseModel):
    """The answer to :func:`labinterp.interpret`: pattern findings, flags and their traces."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: PackRef
    patterns: tuple[PatternFinding, ...]
    flags: tuple[AnalyteFlag, ...]
    assumptions: tuple[str, ...]
    disclaimer: str

    def pattern(self, pattern_id: str) -> PatternFinding:
        """The finding for one pattern id."""
        for finding in self.patterns:
            if finding.id == pattern_id:
                return finding
        known = ", ".join(f.id for f in self.patterns)
        raise KeyError(f"no pattern {pattern_id!r} in this interpretation; known: {known}")

    def statuses(self) -> dict[str, Status]:
        """Each pattern id with its status, in evaluation order."""
        return {f.id: f.status for f in self.patterns}

    def flag(self, analyte: str) -> AnalyteFlag | None:
        for f in self.flags:
            if f.analyte == analyte:
                return f
        return None

    def to_json(self, *, indent: int | None = 2) -> str:
        """Deterministic JSON: the same input gives byte-identical output."""
        return self.model_dump_json(indent=indent)
