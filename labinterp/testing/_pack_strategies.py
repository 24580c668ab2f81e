"""Hypothesis strategies for whole packs: valid ones of every shape the pack language allows,
and broken ones, each with the error labinterp must raise when it loads it."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hypothesis import strategies as st

from labinterp._analytes import ANALYTES
from labinterp._context import CONTEXT_VOCABULARIES
from labinterp._errors import LabinterpError, PackError
from labinterp._packs import (
    AllOf,
    AnyOf,
    ClassificationSpec,
    ClassSpec,
    ContextRef,
    Criterion,
    Cutoff,
    GreyZone,
    Interval,
    MissingRef,
    NotCovered,
    NotOf,
    OtherwiseSpec,
    Pack,
    PatternRef,
    PatternSpec,
    Population,
    PregnancyAges,
    ReferenceIntervalSpec,
    ReferencePosition,
    ReferenceRef,
    ReferenceSpec,
    Source,
    ThresholdRef,
    ThresholdSpec,
    Unless,
    When,
)

__all__ = ["BrokenPack", "broken_packs", "packs"]

# Strategies are built once, at import: building them inside every draw is what makes
# generating nested objects slow. Choices among per-pack lists are drawn as indices.
IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
# Characters YAML treats specially (": ", "#", quotes, "!", "&", "*", "%", "@", "`"), words
# YAML reads as booleans or null, and non-ASCII letters.
TEXT = st.text(alphabet="aZ09 :#'\"!&*%@`-,.?[]{}|>éµü", min_size=3, max_size=16) | st.sampled_from(
    [
        "yes",
        "null",
        "NULL",
        "off",
        "True",
        "1.0",
        ".inf",
        ".nan",
        "0x1f",
        "2026-11-21",
        " pad ",
        "a: b",
        "- item",
    ]
)
OPTIONAL_TEXT = st.just("") | TEXT
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
DISTINCT_PAIR = st.lists(FLOATS, min_size=2, max_size=2, unique=True).map(sorted)
CATALOG = sorted(ANALYTES)
CONFIDENCE: st.SearchStrategy[Literal["verified", "established", "uncertain"]] = st.sampled_from(
    ["verified", "established", "uncertain"]
)
KINDS: st.SearchStrategy[
    Literal["seed document", "guideline", "review", "textbook", "primary study"]
] = st.sampled_from(["seed document", "guideline", "review", "textbook", "primary study"])
COMPARATORS: st.SearchStrategy[Literal["<", "<=", ">", ">="]] = st.sampled_from(
    ["<", "<=", ">", ">="]
)
POSITIONS: st.SearchStrategy[Literal["below", "within", "above"]] = st.sampled_from(
    ["below", "within", "above"]
)
# labinterp refuses a threshold unless every patient of the population gets exactly one
# cut-off, so generated cut-offs split the population in one of these ways. The age split
# lies inside every generated population (age_min <= 18, age_max >= 19).
AGE_SPLIT = 18.5
SPLITS: list[list[When]] = [
    [When()],
    [When(sex="male"), When(sex="female")],
    [When(pregnant=False), When(pregnant=True)],
    [
        When(sex="male"),
        When(sex="female", pregnant=False),
        When(sex="female", pregnant=True, trimester=[1, 3]),
        When(sex="female", pregnant=True, trimester=[2]),
    ],
    [When(age_max=AGE_SPLIT), When(age_min=AGE_SPLIT)],
    [
        When(sex="male", age_max=AGE_SPLIT),
        When(sex="male", age_min=AGE_SPLIT),
        When(sex="female"),
    ],
]


def pick(draw: st.DrawFn, items: Sequence[str]) -> str:
    return items[draw(st.integers(0, len(items) - 1))]


def pick_optional(draw: st.DrawFn, items: Sequence[str]) -> str | None:
    return pick(draw, items) if draw(st.booleans()) else None


def unit_of(draw: st.DrawFn, analyte: str) -> str:
    return pick(draw, ANALYTES[analyte].common_units)


REPORTED_FIELDS = ("conditions", "medications", "symptoms", "diet")


def draw_ids(draw: st.DrawFn, field: str) -> Any:
    """None, or a non-empty list of a vocabulary's ids (typed loosely: the models check)."""
    if draw(st.booleans()):
        return None
    ids = sorted(CONTEXT_VOCABULARIES[field])
    return draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))


def draw_some_ids(draw: st.DrawFn) -> tuple[str, Any]:
    """A reported-context field and a non-empty list of its ids."""
    field = draw(st.sampled_from(REPORTED_FIELDS))
    ids = sorted(CONTEXT_VOCABULARIES[field])
    return field, draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))


def draw_unless(draw: st.DrawFn, named: Sequence[str]) -> Unless | None:
    """An ``unless`` over the fields the context does not name, so that someone can match."""
    free = [field for field in REPORTED_FIELDS if field not in named]
    if not free or draw(st.booleans()):
        return None
    excluded = {field: draw_ids(draw, field) for field in free}
    if all(ids is None for ids in excluded.values()):
        excluded[free[0]] = [sorted(CONTEXT_VOCABULARIES[free[0]])[0]]
    return Unless(**excluded)


def draw_when(draw: st.DrawFn) -> When:
    """Any context a patient can have: a part of a split, narrowed by reported context."""
    if draw(st.booleans()):
        return When()
    part = draw(st.sampled_from([when for split in SPLITS for when in split]))
    reported = {field: draw_ids(draw, field) for field in REPORTED_FIELDS}
    named = [field for field, ids in reported.items() if ids is not None]
    return When(**part.model_dump(exclude_none=True), **reported, unless=draw_unless(draw, named))


def draw_split(draw: st.DrawFn) -> list[When]:
    """Contexts that give every patient exactly one: a split of SPLITS, one part of which may
    be split again into "with these ids reported" and its exact complement, "unless" them."""
    split = list(draw(st.sampled_from(SPLITS)))
    if draw(st.booleans()):
        i = draw(st.integers(0, len(split) - 1))
        field, ids = draw_some_ids(draw)
        known = split[i].model_dump(exclude_none=True)
        split[i : i + 1] = [
            When(**known, **{field: ids}),
            When(**known, unless=Unless(**{field: ids})),
        ]
    return split


def draw_cutoff(draw: st.DrawFn, analyte: str, source_ids: Sequence[str], when: When) -> Cutoff:
    unit = unit_of(draw, analyte)
    source = pick_optional(draw, source_ids)
    note = draw(OPTIONAL_TEXT)
    if draw(st.booleans()):
        return Cutoff(
            when=when,
            comparator=draw(COMPARATORS),
            value=draw(FLOATS),
            unit=unit,
            source=source,
            note=note,
        )
    low, high = draw(DISTINCT_PAIR)
    interval = Interval(
        low=low, high=high, low_inclusive=draw(st.booleans()), high_inclusive=draw(st.booleans())
    )
    return Cutoff(when=when, interval=interval, unit=unit, source=source, note=note)


def draw_threshold(draw: st.DrawFn, source_ids: Sequence[str]) -> ThresholdSpec:
    analyte = pick(draw, CATALOG)
    split = draw_split(draw)
    gaps: list[NotCovered] = []
    if len(split) > 1 and draw(st.booleans()):
        # A context the source gives no cut-off for takes the place of that context's cut-off.
        uncovered = split.pop(draw(st.integers(0, len(split) - 1)))
        gaps.append(
            NotCovered(when=uncovered, reason=draw(TEXT), source=pick_optional(draw, source_ids))
        )
    return ThresholdSpec(
        analyte=analyte,
        source=pick(draw, source_ids),
        confidence=draw(CONFIDENCE),
        note=draw(OPTIONAL_TEXT),
        cutoffs=[draw_cutoff(draw, analyte, source_ids, when) for when in split],
        not_covered=gaps,
    )


def draw_reference(draw: st.DrawFn, analyte: str, source_ids: Sequence[str]) -> ReferenceSpec:
    intervals = []
    with_low = draw(st.booleans())  # every interval of one analyte gives the same ends
    for when in draw_split(draw):
        low, high = draw(DISTINCT_PAIR)
        intervals.append(
            ReferenceIntervalSpec(
                when=when,
                low=low if with_low else None,
                high=high,
                critical_low=low - 1 if draw(st.booleans()) else None,
                unit=unit_of(draw, analyte),
                source=pick_optional(draw, source_ids),
            )
        )
    return ReferenceSpec(
        source=pick(draw, source_ids), confidence=draw(CONFIDENCE), intervals=intervals
    )


def draw_criterion(
    draw: st.DrawFn, threshold_ids: Sequence[str], earlier: Sequence[str], depth: int = 0
) -> Criterion:
    """Criteria over the pack's thresholds, any analyte's reference position and patterns
    defined earlier (so that there is no cycle), nested at most two levels deep."""
    kinds = ["threshold", "reference", "context", "missing", *(["pattern"] if earlier else [])]
    if depth < 2:
        kinds += ["all", "any", "not"]
    kind = pick(draw, kinds)
    if kind == "threshold":
        return ThresholdRef(threshold=pick(draw, threshold_ids))
    if kind == "context":
        return ContextRef(context=draw_when(draw))
    if kind == "missing":
        return MissingRef(missing=pick(draw, CATALOG))
    if kind == "reference":
        return ReferenceRef(
            reference=ReferencePosition(analyte=pick(draw, CATALOG), position=draw(POSITIONS))
        )
    if kind == "pattern":
        return PatternRef(pattern=pick(draw, earlier))
    if kind == "not":
        inner = draw_criterion(draw, threshold_ids, earlier, depth + 1)
        return NotOf.model_validate({"not": inner})
    items = [
        draw_criterion(draw, threshold_ids, earlier, depth + 1)
        for _ in range(draw(st.integers(1, 3)))
    ]
    return AllOf(all=items) if kind == "all" else AnyOf(any=items)


@st.composite
def _packs(draw: st.DrawFn) -> Pack:
    source_ids = draw(st.lists(IDENT, min_size=1, max_size=3, unique=True))
    sources = {
        sid: Source(
            title=draw(TEXT),
            year=draw(st.none() | st.integers(1900, 2100)),
            kind=draw(KINDS),
            note=draw(OPTIONAL_TEXT),
        )
        for sid in source_ids
    }
    threshold_ids = draw(st.lists(IDENT, min_size=1, max_size=3, unique=True))
    threshold_specs = {tid: draw_threshold(draw, source_ids) for tid in threshold_ids}
    ref_analytes = draw(st.lists(st.sampled_from(CATALOG), max_size=2, unique=True))
    refs = {a: draw_reference(draw, a, source_ids) for a in ref_analytes}
    pattern_ids = draw(st.lists(IDENT, min_size=1, max_size=3, unique=True))
    patterns: dict[str, PatternSpec] = {}
    for i, pid in enumerate(pattern_ids):
        earlier = pattern_ids[:i]
        zones = [
            GreyZone.model_validate(
                {
                    "if": draw_criterion(draw, threshold_ids, earlier, 1),
                    "reason": draw(TEXT),
                    "decisive_tests": draw(st.lists(TEXT, max_size=1)),
                    "source": pick(draw, source_ids),
                    "confidence": draw(CONFIDENCE),
                }
            )
            for _ in range(draw(st.integers(0, 1)))
        ]
        kind: Literal["pattern", "note", "alert"] = draw(
            st.sampled_from(["pattern", "note", "alert"])
        )
        patterns[pid] = PatternSpec(
            label=draw(TEXT),
            kind=kind,
            # Notes and alerts must cite a source; plain patterns may.
            sources=draw(
                st.lists(st.sampled_from(source_ids), min_size=kind != "pattern", max_size=2)
            ),
            grey_zones=zones,
            description=draw(OPTIONAL_TEXT),
            criteria=draw_criterion(draw, threshold_ids, earlier),
            supporting=[
                draw_criterion(draw, threshold_ids, earlier, 1)
                for _ in range(draw(st.integers(0, 2)))
            ],
            decisive_tests=draw(st.lists(TEXT, max_size=2)),
            note=draw(OPTIONAL_TEXT),
        )
    classifications = {
        # Longer than any drawn pattern id, so never a pattern id too (a pack refuses that).
        f"classification_{n}": draw_classification(draw, threshold_ids, pattern_ids, source_ids)
        for n in range(draw(st.integers(0, 1)))
    }
    return Pack(
        name=draw(IDENT),
        version=draw(st.sampled_from(["1", "1.0", "2026.11.0", "0.1-beta", "2"])),
        title=draw(TEXT),
        description=draw(OPTIONAL_TEXT),
        population=Population(
            age_min=draw(st.none() | st.floats(0, 18)),
            age_max=draw(st.none() | st.floats(19, 130)),
            description=draw(TEXT),
            pregnancy_ages=PregnancyAges(min=draw(st.floats(0, 20)), max=draw(st.floats(21, 130))),
        ),
        use_lab_reference_intervals=draw(st.booleans()),
        inflammation_pattern=pick_optional(draw, pattern_ids),
        disclaimer=draw(TEXT),
        sources=sources,
        thresholds=threshold_specs,
        reference_intervals=refs,
        patterns=patterns,
        classifications=classifications,
    )


def draw_classification(
    draw: st.DrawFn,
    threshold_ids: Sequence[str],
    pattern_ids: Sequence[str],
    source_ids: Sequence[str],
) -> ClassificationSpec:
    """Ordered classes over the pack's thresholds and patterns, with an otherwise."""
    count = draw(st.integers(1, 3))
    return ClassificationSpec(
        label=draw(TEXT),
        description=draw(OPTIONAL_TEXT),
        classes=[
            ClassSpec(
                id=f"k{i}",
                label=draw(TEXT),
                criteria=draw_criterion(draw, threshold_ids, pattern_ids),
            )
            for i in range(count)
        ],
        otherwise=OtherwiseSpec(id="other", label=draw(TEXT)),
        sources=draw(st.lists(st.sampled_from(source_ids), max_size=2)),
    )


def packs() -> st.SearchStrategy[Pack]:
    """Valid packs of every shape the pack language allows: thresholds on any analyte in any
    accepted unit, cut-offs split by sex, pregnancy, trimester, age and reported context,
    contexts not covered, reference intervals, nested criteria, grey zones, notes, alerts and
    classifications; texts with the characters YAML treats specially."""
    return _packs()


@dataclass(frozen=True)
class BrokenPack:
    """A pack document with one deliberate defect, and what loading it must raise.

    ``data`` is the pack as Python data (what ``yaml.safe_load`` gives for a pack file);
    ``Pack.model_validate(data)``, ``load_pack`` of its YAML and ``labinterp.testing.check_pack``
    must refuse it with ``error`` and a message matching ``match`` (which names the entry at
    fault).
    """

    defect: str
    data: dict[str, Any]
    error: type[LabinterpError]
    match: str


def _overlapping_cutoffs(data: dict[str, Any], tid: str, pid: str) -> str:
    cutoffs = data["thresholds"][tid]["cutoffs"]
    cutoffs.append(copy.deepcopy(cutoffs[0]))
    return f"threshold {tid!r}: two cut-offs for the same patients"


def _unknown_analyte(data: dict[str, Any], tid: str, pid: str) -> str:
    data["thresholds"][tid]["analyte"] = "unobtainium"
    return f"threshold {tid!r}: an analyte labinterp does not know"


def _unknown_unit(data: dict[str, Any], tid: str, pid: str) -> str:
    data["thresholds"][tid]["cutoffs"][0]["unit"] = "furlongs"
    return f"threshold {tid!r}: a cut-off in an unknown unit"


def _empty_interval(data: dict[str, Any], tid: str, pid: str) -> str:
    cut = data["thresholds"][tid]["cutoffs"][0]
    cut.pop("comparator", None)
    cut.pop("value", None)
    cut["interval"] = {"low": 5, "high": 5, "low_inclusive": True, "high_inclusive": True}
    return f"threshold {tid!r}: an interval whose low is not below its high"


def _impossible_context(data: dict[str, Any], tid: str, pid: str) -> str:
    data["thresholds"][tid]["cutoffs"][0]["when"] = {"sex": "male", "pregnant": True}
    return f"threshold {tid!r}: a cut-off for pregnant men"


def _unknown_source(data: dict[str, Any], tid: str, pid: str) -> str:
    data["thresholds"][tid]["source"] = "no_such_source"
    return f"threshold {tid!r}: a source the pack does not list"


def _unknown_threshold(data: dict[str, Any], tid: str, pid: str) -> str:
    data["patterns"][pid]["criteria"] = {"threshold": "no_such_threshold"}
    return f"pattern {pid!r}: criteria on a threshold the pack does not define"


def _self_reference(data: dict[str, Any], tid: str, pid: str) -> str:
    data["patterns"][pid]["criteria"] = {"pattern": pid}
    return f"pattern {pid!r}: criteria that refer to the pattern itself"


_DEFECTS = {
    _overlapping_cutoffs: "thresholds",
    _unknown_analyte: "thresholds",
    _unknown_unit: "thresholds",
    _empty_interval: "thresholds",
    _impossible_context: "thresholds",
    _unknown_source: "thresholds",
    _unknown_threshold: "patterns",
    _self_reference: "patterns",
}


@st.composite
def _broken(draw: st.DrawFn) -> BrokenPack:
    valid = draw(_packs())
    data = valid.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    tid = draw(st.sampled_from(sorted(valid.thresholds)))
    pid = draw(st.sampled_from(sorted(valid.patterns)))
    damage = draw(st.sampled_from(list(_DEFECTS)))
    defect = damage(data, tid, pid)
    key = f"{_DEFECTS[damage]}.{tid if _DEFECTS[damage] == 'thresholds' else pid}"
    return BrokenPack(defect=defect, data=data, error=PackError, match=re.escape(key))


def broken_packs() -> st.SearchStrategy[BrokenPack]:
    """Packs with one deliberate defect each (overlapping cut-offs, an unknown analyte, unit
    or source, an empty interval, a context no patient has, a criterion on an undefined
    threshold, a pattern that refers to itself), with the error each must raise and a pattern
    its message must match: the key path of the entry at fault."""
    return _broken()
