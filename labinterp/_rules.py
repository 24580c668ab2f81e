"""Rules: small frozen predicate objects, compiled once from a pack, evaluated three-valued.

This module compiles a pack into rules and is the one place the layers above import rules
from. The rules themselves are in ``_rule_base`` (outcomes, traces, facts, context
matching), ``_rule_leaves`` (one analyte, a pattern, the context, a missing result) and
``_rule_logic`` (all, any, not; patterns with grey zones).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from labinterp._analytes import ANALYTES
from labinterp._messages import ENGLISH
from labinterp._packs import (
    AllOf,
    AnyOf,
    ContextRef,
    Criterion,
    Cutoff,
    GreyZone,
    MissingRef,
    NotCovered,
    NotOf,
    Pack,
    PatternRef,
    ReferenceRef,
    ThresholdRef,
    When,
    class_finding_id,
    pattern_dependencies,
    pattern_like_ids,
)
from labinterp._rule_base import (
    INF,
    Band,
    CriterionResult,
    CutoffUsed,
    Facts,
    FlagBand,
    FlagName,
    GreyZoneResult,
    HL7Code,
    NotCoveredUsed,
    Outcome,
    PatternTrace,
    Rule,
    band_outcome,
    canonical_when,
    deciding_context,
    match_when,
)
from labinterp._rule_leaves import (
    ContextRule,
    MissingRule,
    PatternIs,
    ReferencePositionRule,
    ThresholdRule,
    context_text,
    interval_text,
    position_band,
    position_cutoff,
)
from labinterp._rule_logic import (
    AllRule,
    AnyRule,
    ClassRule,
    GreyZoneRule,
    NotRule,
    PatternRule,
    grey_zone_outcome,
)
from labinterp._units import with_unit

__all__ = [
    "AllRule",
    "AnyRule",
    "ClassRule",
    "CompiledClassification",
    "CompiledPack",
    "CompiledPattern",
    "ContextRule",
    "CriterionResult",
    "CutoffUsed",
    "Facts",
    "FlagBand",
    "FlagName",
    "GreyZoneResult",
    "GreyZoneRule",
    "HL7Code",
    "MissingRule",
    "NotCoveredUsed",
    "NotRule",
    "Outcome",
    "PatternIs",
    "PatternRule",
    "PatternTrace",
    "RangeUsed",
    "ReferencePositionRule",
    "Rule",
    "ThresholdRule",
    "band_outcome",
    "compile_pack",
    "context_text",
    "deciding_context",
    "flag_bands",
    "grey_zone_outcome",
    "interval_text",
    "match_when",
]


def _cutoff_used(
    pack: Pack,
    analyte: str,
    cut: Cutoff,
    default_source: str | None,
    confidence: str,
    note: str,
) -> CutoffUsed:
    entry = ANALYTES[analyte]
    factor = entry.resolve_unit(cut.unit).to_canonical
    source_id = cut.source or default_source or ""
    source = pack.sources[source_id]
    if cut.interval is not None:
        iv = cut.interval
        band = Band(iv.low * factor, iv.low_inclusive, iv.high * factor, iv.high_inclusive)
        lo_sym = "<=" if iv.low_inclusive else "<"
        hi_sym = "<=" if iv.high_inclusive else "<"
        rule = with_unit(f"{iv.low:g} {lo_sym} {analyte} {hi_sym} {iv.high:g}", cut.unit)
        comparator, value = None, None
        low: float | None = iv.low
        high: float | None = iv.high
        low_incl: bool | None = iv.low_inclusive
        high_incl: bool | None = iv.high_inclusive
    else:
        # Cutoff's validator guarantees a comparator with a value when there is no interval.
        assert cut.comparator is not None
        assert cut.value is not None
        v = cut.value * factor
        comparator, value = cut.comparator, cut.value
        band = {
            "<": Band(high=v),
            "<=": Band(high=v, high_inclusive=True),
            ">": Band(low=v),
            ">=": Band(low=v, low_inclusive=True),
        }[cut.comparator]
        rule = with_unit(f"{analyte} {cut.comparator} {cut.value:g}", cut.unit)
        low = value if comparator in (">", ">=") else None
        high = value if comparator in ("<", "<=") else None
        low_incl = (comparator == ">=") if low is not None else None
        high_incl = (comparator == "<=") if high is not None else None
    return CutoffUsed(
        rule=rule,
        applies_to=cut.when.describe(),
        unit=cut.unit,
        comparator=comparator,
        value=value,
        low=low,
        high=high,
        low_inclusive=low_incl,
        high_inclusive=high_incl,
        canonical_unit=entry.canonical_unit,
        source=source.citation(),
        source_id=source_id,
        confidence=cut.confidence or confidence,
        note=" ".join(" ".join(part.split()) for part in (note, cut.note) if part.strip()),
        band=band,
        to_canonical=factor,
        when=canonical_when(cut.when),
    )


@dataclass(frozen=True, slots=True)
class RangeUsed:
    """A pack reference interval, compiled: flags use all four bands."""

    analyte: str
    when: When
    low: float | None
    high: float | None
    critical_low: float | None
    critical_high: float | None
    unit: str
    source: str
    source_id: str
    confidence: str
    to_canonical: float
    bands: tuple[FlagBand, ...] = ()  # tested in this order; the first that holds decides
    critical_source: str | None = None


def flag_bands(
    low: float | None,
    high: float | None,
    critical_low: float | None,
    critical_high: float | None,
) -> tuple[FlagBand, ...]:
    """The bands that decide a flag, most severe first, then the interval itself.

    Inside an interval with both limits is "normal" (N); inside one with a single limit is
    only "not low" or "not high", with no HL7 code, since nothing bounds the other side.
    """
    bands: list[FlagBand] = []
    if critical_low is not None:
        bands.append(("critically low", "LL", Band(high=critical_low)))
    if low is not None:
        bands.append(("low", "L", Band(high=low)))
    if critical_high is not None:
        bands.append(("critically high", "HH", Band(low=critical_high)))
    if high is not None:
        bands.append(("high", "H", Band(low=high)))
    inside = Band(
        low=-INF if low is None else low,
        low_inclusive=low is not None,
        high=INF if high is None else high,
        high_inclusive=high is not None,
    )
    if low is not None and high is not None:
        bands.append(("normal", "N", inside))
    elif low is not None:
        bands.append(("not low", None, inside))
    elif high is not None:
        bands.append(("not high", None, inside))
    return tuple(bands)


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A pattern, compiled. ``rule`` is its criteria; ``decide`` gives its status (criteria
    and grey zones), ``decider`` also explains it."""

    id: str
    label: str
    kind: Literal["pattern", "note", "alert"]
    description: str
    rule: Rule
    supporting: tuple[Rule, ...]
    decisive_tests: tuple[str, ...]
    note: str
    grey_zones: tuple[GreyZoneRule, ...] = ()
    sources: tuple[str, ...] = ()  # citations, as the pack's sources print them
    classification: str | None = None  # the classification a class belongs to
    labels: Mapping[str, str] = field(init=False)
    decider: PatternRule = field(init=False)
    decide: Callable[[Facts], Outcome] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Educational wording, fixed per pattern: "consistent with", never a diagnosis. An
        # alert says that prompt assessment is worth considering; it names no disease.
        # The words come from the message catalog, so renderers and labels agree.
        statuses = ("consistent", "not_consistent", "indeterminate")
        if self.kind == "note":
            labels = {s: ENGLISH.note_label(s, self.label) for s in statuses}
        elif self.kind == "alert":
            labels = {s: ENGLISH.alert_label(s, self.label) for s in statuses}
        else:
            labels = {
                "consistent": ENGLISH.consistent_with(self.label),
                "not_consistent": ENGLISH.not_supported(self.label),
                "indeterminate": self.label,
            }
        object.__setattr__(self, "labels", labels)
        decider = PatternRule(self.rule, self.grey_zones)
        object.__setattr__(self, "decider", decider)
        # Without grey zones the criteria decide alone: no extra call on the hot path.
        object.__setattr__(self, "decide", decider.decide if self.grey_zones else self.rule.decide)

    def undecided_label(self, why: str) -> str:
        """The label when undecided; ``why`` is "without ..." or "from these results ..."."""
        return ENGLISH.cannot_be_decided(self.labels["indeterminate"], why)


@dataclass(frozen=True, slots=True)
class CompiledClassification:
    """A classification, compiled: its classes are findings among the compiled patterns
    (``<classification>.<class>``); this says which, in order, ``otherwise`` last."""

    id: str
    label: str
    description: str
    note: str
    class_ids: tuple[str, ...]
    class_labels: Mapping[str, str]
    decisive_tests: tuple[str, ...]
    sources: tuple[str, ...]

    def finding_id(self, class_id: str) -> str:
        return class_finding_id(self.id, class_id)


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """A pack turned into rule objects, in the order patterns must be evaluated."""

    pack: Pack
    thresholds: Mapping[str, ThresholdRule]
    ranges: Mapping[str, tuple[RangeUsed, ...]]
    patterns: tuple[CompiledPattern, ...]
    #: Per analyte, the contexts the pack's reference intervals do not cover.
    range_gaps: Mapping[str, tuple[NotCoveredUsed, ...]] = field(default_factory=dict)
    classifications: Mapping[str, CompiledClassification] = field(default_factory=dict)
    pattern_rules: Mapping[str, PatternRule] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern_rules", {p.id: p.decider for p in self.patterns})


def _not_covered_used(pack: Pack, gap: NotCovered, default_source: str | None) -> NotCoveredUsed:
    source_id = gap.source or default_source or ""
    return NotCoveredUsed(
        applies_to=gap.when.describe(),
        reason=" ".join(gap.reason.split()),
        source=pack.sources[source_id].citation(),
        source_id=source_id,
        when=canonical_when(gap.when),
    )


def compile_pack(pack: Pack) -> CompiledPack:
    thresholds = {
        tid: ThresholdRule(
            tid,
            spec.analyte,
            tuple(
                _cutoff_used(pack, spec.analyte, cut, spec.source, spec.confidence, spec.note)
                for cut in spec.cutoffs
            ),
            tuple(_not_covered_used(pack, gap, spec.source) for gap in spec.not_covered),
        )
        for tid, spec in pack.thresholds.items()
    }
    ranges: dict[str, tuple[RangeUsed, ...]] = {}
    range_gaps: dict[str, tuple[NotCoveredUsed, ...]] = {}
    for aid, ref in pack.reference_intervals.items():
        entry = ANALYTES[aid]
        items = []
        for ri in ref.intervals:
            factor = entry.resolve_unit(ri.unit).to_canonical
            source_id = ri.source or ref.source or ""

            def scaled(x: float | None, f: float = factor) -> float | None:
                return None if x is None else x * f

            low, high = scaled(ri.low), scaled(ri.high)
            crit_low, crit_high = scaled(ri.critical_low), scaled(ri.critical_high)
            items.append(
                RangeUsed(
                    aid,
                    ri.when,
                    low,
                    high,
                    crit_low,
                    crit_high,
                    ri.unit,
                    pack.sources[source_id].citation(),
                    source_id,
                    ref.confidence,
                    factor,
                    flag_bands(low, high, crit_low, crit_high),
                    pack.sources[ri.critical_source].citation() if ri.critical_source else None,
                )
            )
        ranges[aid] = tuple(items)
        if ref.not_covered:
            range_gaps[aid] = tuple(
                _not_covered_used(pack, gap, ref.source) for gap in ref.not_covered
            )

    def build(crit: Criterion) -> Rule:
        match crit:
            case ThresholdRef(threshold=tid):
                return thresholds[tid]
            case ReferenceRef(reference=ref):
                return ReferencePositionRule(
                    ref.analyte,
                    ref.position,
                    _range_cutoffs(ranges.get(ref.analyte, ()), ref.position),
                    range_gaps.get(ref.analyte, ()),
                )
            case PatternRef(pattern=pid):
                return PatternIs(pid)
            case AllOf(all=items):
                return AllRule(tuple(build(i) for i in items))
            case AnyOf(any=items):
                return AnyRule(tuple(build(i) for i in items))
            case NotOf(not_=inner):
                return NotRule(build(inner))
            case ContextRef(context=when):
                return ContextRule(canonical_when(when))
            case MissingRef(missing=aid):
                return MissingRule(aid)
        raise AssertionError(f"unknown criterion {crit!r}")  # pragma: no cover

    def zone(item: GreyZone) -> GreyZoneRule:
        return GreyZoneRule(
            build(item.if_),
            " ".join(item.reason.split()),
            tuple(item.decisive_tests),
            pack.sources[item.source].citation(),
            item.source,
            item.confidence,
        )

    compiled: dict[str, CompiledPattern] = {
        pid: CompiledPattern(
            pid,
            spec.label,
            spec.kind,
            " ".join(spec.description.split()),
            build(spec.criteria),
            tuple(build(c) for c in spec.supporting),
            tuple(spec.decisive_tests),
            " ".join(spec.note.split()),
            tuple(zone(z) for z in spec.grey_zones),
            tuple(pack.sources[sid].citation() for sid in spec.sources),
        )
        for pid, spec in pack.patterns.items()
    }
    classifications = {
        cid: _compile_classification(pack, cid, build, compiled) for cid in pack.classifications
    }
    patterns = tuple(compiled[pid] for pid in _evaluation_order(pack))
    return CompiledPack(
        pack, thresholds, ranges, patterns, range_gaps=range_gaps, classifications=classifications
    )


def _compile_classification(
    pack: Pack,
    cid: str,
    build: Callable[[Criterion], Rule],
    compiled: dict[str, CompiledPattern],
) -> CompiledClassification:
    """Each class as a pattern-like finding (added to ``compiled``), and the classification."""
    spec = pack.classifications[cid]
    rules = [(item.id, build(item.criteria)) for item in spec.classes]
    sources = tuple(pack.sources[sid].citation() for sid in spec.sources)
    members = [(item.id, item.label, item.description) for item in spec.classes]
    members.append((spec.otherwise.id, spec.otherwise.label, spec.otherwise.description))
    for k, (class_id, label, description) in enumerate(members):
        own = rules[k][1] if k < len(rules) else None
        fid = class_finding_id(cid, class_id)
        compiled[fid] = CompiledPattern(
            fid,
            label,
            "pattern",
            " ".join(description.split()),
            ClassRule(tuple(rules[:k]), own),
            (),
            tuple(spec.decisive_tests),
            "",
            (),
            sources,
            cid,
        )
    return CompiledClassification(
        cid,
        spec.label,
        " ".join(spec.description.split()),
        " ".join(spec.note.split()),
        tuple(class_id for class_id, _, _ in members),
        {class_id: label for class_id, label, _ in members},
        tuple(spec.decisive_tests),
        sources,
    )


def _range_cutoffs(ranges: Sequence[RangeUsed], position: str) -> tuple[CutoffUsed, ...]:
    cuts = []
    for r in ranges:
        band = position_band(position, r.low, r.high)
        if band is None:
            continue
        cuts.append(
            position_cutoff(
                r.analyte,
                position,
                None if r.low is None else r.low / r.to_canonical,
                None if r.high is None else r.high / r.to_canonical,
                r.unit,
                band,
                to_canonical=r.to_canonical,
                whose="",
                applies_to=r.when.describe(),
                when=canonical_when(r.when),
                source=r.source,
                source_id=r.source_id,
                confidence=r.confidence,
            )
        )
    return tuple(cuts)


def _evaluation_order(pack: Pack) -> list[str]:
    """Patterns (and classes) after those they depend on; otherwise in the pack's order,
    classes after patterns."""
    order: list[str] = []
    placed: set[str] = set()

    def place(pid: str) -> None:
        if pid in placed:
            return
        placed.add(pid)
        for dep in sorted(pattern_dependencies(pack, pid)):
            place(dep)
        order.append(pid)

    if pack.inflammation_pattern:
        place(pack.inflammation_pattern)
    for pid in pattern_like_ids(pack):
        place(pid)
    return order
