"""The view model's data: what a rendering shows, as frozen records in reading order.

Built by :mod:`labinterp.render._view` and laid out by the text, Markdown and HTML renderers;
nothing here decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from labinterp._findings import Status
from labinterp._messages import Messages

__all__ = [
    "AUDIENCES",
    "MARKS",
    "Audience",
    "ContextItem",
    "NextTest",
    "NumberLine",
    "PatternView",
    "ResultRow",
    "Step",
    "SummaryItem",
    "View",
]

Audience = Literal["learner", "clinician"]
AUDIENCES: tuple[Audience, ...] = ("learner", "clinician")

#: The mark shown before each status and outcome; every one used appears in the legend.
MARKS: dict[str, str] = {
    "consistent": "[+]",
    "not_consistent": "[-]",
    "indeterminate": "[?]",
    "alert": "[!]",
}


@dataclass(frozen=True, slots=True)
class ContextItem:
    """One piece of the patient's context as it was used: ``sex: female``."""

    term: str
    value: str


@dataclass(frozen=True, slots=True)
class NextTest:
    """A test that would help decide a pattern, with the source that names it."""

    name: str
    source: str


@dataclass(frozen=True, slots=True)
class SummaryItem:
    """One line of the summary: a pattern consistent or undecided, why, and what next."""

    id: str
    status: Status
    mark: str
    headline: str
    why: str
    notes: tuple[str, ...] = ()
    next_tests: tuple[NextTest, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a pattern's reasoning, indented by ``depth``; ``details`` go under it."""

    depth: int
    mark: str
    text: str
    outcome: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PatternView:
    """A pattern's reasoning: its steps, grey zones, supporting criteria and notes."""

    id: str
    status: Status
    mark: str
    headline: str
    description: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NumberLine:
    """Where a value sits, in the result's unit: the reference interval and the cut-offs."""

    unit: str
    value: float
    comparator: str | None
    low: float | None
    high: float | None
    cutoffs: tuple[tuple[float, str], ...]  # (value, label) in the result's unit
    # The limits as the results table shows them ("" when absent or not given).
    low_text: str = ""
    high_text: str = ""


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A measured result against its reference interval."""

    analyte: str
    name: str
    value: str
    interval: str
    flag: str
    code: str | None
    source: str
    loinc: str
    line: NumberLine | None


@dataclass(frozen=True, slots=True)
class View:
    """Everything a rendering shows, in reading order."""

    title: str
    audience: Audience
    brief: bool
    messages: Messages
    alerts: tuple[SummaryItem, ...]
    alert_meaning: str
    context: tuple[ContextItem, ...]
    assumptions: tuple[str, ...]
    summary: tuple[SummaryItem, ...]
    not_supported: tuple[str, ...]
    reasoning: tuple[PatternView, ...]
    results: tuple[ResultRow, ...]
    legend: tuple[tuple[str, str], ...]
    glossary: tuple[tuple[str, str], ...]
    disclaimer: str
    symbols: frozenset[str] = field(default_factory=frozenset)
    #: Said instead of the summary when the panel gives no result at all.
    empty_note: str = ""
