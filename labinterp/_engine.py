"""``interpret``: a panel and a pack in, an :class:`Interpretation` out. Pure and deterministic."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._context import CONDITIONS
from labinterp._derived import compute_derived
from labinterp._errors import LabinterpError, PanelError
from labinterp._findings import (
    AnalyteFlag,
    ClassificationFinding,
    Interpretation,
    PackRef,
    PatternFinding,
    PatternHeading,
    Status,
)
from labinterp._messages import ENGLISH
from labinterp._packs import Pack, check_pack, checked_when_loaded, default_pack, load_pack
from labinterp._panel import Panel, fast_construct
from labinterp._result_flags import flag_result
from labinterp._rules import (
    CompiledClassification,
    CompiledPack,
    CompiledPattern,
    CriterionResult,
    Facts,
    Outcome,
    PatternRule,
    PatternTrace,
    RangeUsed,
    compile_pack,
)
from labinterp._units import with_unit

__all__ = ["compiled_rules", "interpret", "resolve_pack"]

_STATUS: Mapping[Outcome, Status] = {
    Outcome.HELD: "consistent",
    Outcome.FAILED: "not_consistent",
    Outcome.UNDECIDED: "indeterminate",
}
# How an undecided label names missing context: "cannot be decided without the pregnancy
# status" reads as a sentence.
_CONTEXT_WORDS = {
    "sex": "the sex",
    "pregnant": "the pregnancy status",
    "trimester": "the trimester",
    "age": "the age",
    "inflammation": "the inflammation status",
}


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A compiled pack plus what every interpretation of it shares."""

    rules: CompiledPack
    pack_ref: PackRef
    disclaimer: str

    @property
    def patterns(self) -> tuple[CompiledPattern, ...]:
        return self.rules.patterns

    @property
    def pattern_rules(self) -> Mapping[str, PatternRule]:
        return self.rules.pattern_rules

    @property
    def ranges(self) -> Mapping[str, tuple[RangeUsed, ...]]:
        return self.rules.ranges


class _CompiledCache:
    """Compiled packs, keyed by the pack object (packs are immutable). A bounded memo."""

    def __init__(self, size: int = 16) -> None:
        self._items: OrderedDict[int, tuple[Pack, _Compiled]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, pack: Pack) -> _Compiled:
        with self._lock:
            hit = self._items.get(id(pack))
            if hit is not None and hit[0] is pack:
                self._items.move_to_end(id(pack))
                return hit[1]
        if not checked_when_loaded(pack):
            check_pack(pack)  # a Pack built directly has skipped the loaders' checks
        compiled = _Compiled(
            compile_pack(pack),
            # The pack's fields are validated already; no validator is built for them.
            PackRef.model_construct(
                name=pack.name, version=pack.version, title=pack.title, extends=pack.extends
            ),
            " ".join(pack.disclaimer.split()),
        )
        with self._lock:
            self._items[id(pack)] = (pack, compiled)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return compiled


_COMPILED = _CompiledCache()


def compiled_rules(pack: Pack) -> CompiledPack:
    """The pack's compiled rules, from the same bounded memo as :func:`interpret` (checked
    once); for evaluators that walk the rules themselves, such as ``_columnar``."""
    return _COMPILED.get(pack).rules


def resolve_pack(pack: Pack | str | Path | None) -> Pack:
    """The Pack that :func:`interpret` uses for its ``pack`` argument."""
    return _resolve_pack(pack)


def _resolve_pack(pack: Pack | str | Path | None) -> Pack:
    if pack is None:
        return default_pack()
    if isinstance(pack, Pack):
        return pack
    return load_pack(pack)


def interpret(
    panel: Panel | Mapping[str, Any], *, pack: Pack | str | Path | None = None
) -> Interpretation:
    """Interpret a panel against a threshold pack (the default pack when ``pack`` is None).

    ``panel`` may be a :class:`Panel` or the mapping :meth:`Panel.from_mapping` accepts.
    ``pack`` may be a :class:`Pack`, a bundled pack name or a path to a pack file (read on
    every call: for many panels, load it once with :func:`load_pack` and pass the Pack).

    Every status is decided here; the traces (``.patterns``, or one at a time with
    ``.pattern(id)``) and flags are built on first access by the same rules. The result is
    deterministic: the same input gives byte-identical ``to_json()``.
    """
    if not isinstance(panel, Panel):
        panel = Panel.from_mapping(panel)
    chosen = _resolve_pack(pack)
    _check_pregnancy_age(panel, chosen)
    compiled = _COMPILED.get(chosen)
    assumptions: list[str] = []
    facts = _facts(panel, compiled, assumptions)
    outside = _outside_population(panel, chosen, assumptions)

    outcomes = facts.outcomes
    for cp in compiled.patterns:
        outcomes[cp.id] = Outcome.UNDECIDED if outside else cp.decide(facts)
    statuses = {cp.id: _STATUS[outcomes[cp.id]] for cp in compiled.patterns}
    build = _FindingBuilder(compiled, facts, outside, statuses)

    return fast_construct(
        Interpretation,
        {
            "pack": compiled.pack_ref,
            "panel": panel,
            "assumptions": tuple(assumptions),
            "disclaimer": compiled.disclaimer,
        },
        {
            "_statuses": statuses,
            "_classes": {cid: cc.class_ids for cid, cc in compiled.rules.classifications.items()},
            "_materialise": build,
            "_lazy": build,
            "_built": None,
            "_rebuild": (_reinterpret, (panel, chosen)),
        },
    )


class _FindingBuilder:
    """Builds an interpretation's findings on demand, each at most once.

    ``finding(id)`` builds one pattern's trace and finding, so that a view that explains a
    few patterns (the brief summary) does not pay for the rest; calling the builder gives
    every finding, the flags and the classifications, reusing what was built already.
    Thread-safe: the engine is deterministic, so two threads racing on one id build equal
    findings, and ``setdefault`` keeps the first so that every caller sees the same object.
    """

    __slots__ = (
        "_by_id",
        "_classified",
        "_compiled",
        "_facts",
        "_flags",
        "_memo",
        "_outside",
        "_statuses",
    )

    def __init__(
        self,
        compiled: _Compiled,
        facts: Facts,
        outside: str | None,
        statuses: Mapping[str, Status],
    ) -> None:
        self._compiled = compiled
        self._facts = facts
        self._outside = outside
        self._statuses = statuses
        self._by_id: dict[str, CompiledPattern] | None = None
        self._memo: dict[str, PatternFinding] = {}
        self._classified: tuple[ClassificationFinding, ...] | None = None
        self._flags: tuple[AnalyteFlag, ...] | None = None

    def __call__(
        self,
    ) -> tuple[
        tuple[PatternFinding, ...], tuple[AnalyteFlag, ...], tuple[ClassificationFinding, ...]
    ]:
        findings = tuple(self.finding(cp.id) for cp in self._compiled.patterns)
        return findings, self.flags(), self.classifications()

    def headings(self) -> tuple[PatternHeading, ...]:
        """What each pattern is and its status, in evaluation order, without any trace."""
        return tuple(
            PatternHeading(
                cp.id, cp.kind, cp.label, self._statuses[cp.id], cp.description, cp.classification
            )
            for cp in self._compiled.patterns
        )

    def _trace(self, cp: CompiledPattern) -> PatternTrace:
        if self._outside is not None:
            return PatternTrace(
                Outcome.UNDECIDED,
                CriterionResult("all", cp.rule.text, Outcome.UNDECIDED, reason=self._outside),
            )
        return self._facts.trace(cp.id)

    def finding(self, pattern_id: str) -> PatternFinding:
        """One pattern's finding with its trace (``pattern_id`` is one of the pack's)."""
        found = self._memo.get(pattern_id)
        if found is not None:
            return found
        cp = self._pattern(pattern_id)
        supporting: tuple[CriterionResult, ...] = ()
        if self._outside is None:
            supporting = tuple(r.evaluate(self._facts) for r in cp.supporting)
        built = _finding(cp, self._trace(cp), supporting, self._facts.values.keys())
        return self._memo.setdefault(pattern_id, built)

    def flags(self) -> tuple[AnalyteFlag, ...]:
        """Each measured result against its reference interval (no pattern is explained)."""
        if self._flags is None:
            self._flags = tuple(
                flag_result(m, self._compiled.rules, self._facts, self._outside is not None)
                for m in self._facts.values.values()
                if m.derived_from is None  # flags are for measured results
            )
        return self._flags

    def classifications(self) -> tuple[ClassificationFinding, ...]:
        """Each classification, from the findings of its classes only."""
        if self._classified is None:
            classified = []
            for cc in self._compiled.rules.classifications.values():
                ids = [cc.finding_id(k) for k in cc.class_ids]
                members = {fid: self.finding(fid) for fid in ids}
                traces = {fid: self._trace(self._pattern(fid)) for fid in ids}
                classified.append(_classification(cc, members, traces))
            self._classified = tuple(classified)
        return self._classified

    def _pattern(self, pattern_id: str) -> CompiledPattern:
        if self._by_id is None:
            self._by_id = {cp.id: cp for cp in self._compiled.patterns}
        return self._by_id[pattern_id]


def _check_pregnancy_age(panel: Panel, pack: Pack) -> None:
    """Refuse a pregnancy given at an age outside the pack's pregnancy ages.

    A pregnancy switches cut-offs (105 g/L hemoglobin in the second trimester), so one at
    age 8 or 90 would silently change the answer; like a pregnant man, it is a data error.
    """
    if panel.pregnant is not True or panel.age is None:
        return
    ages = pack.population.pregnancy_ages
    if ages.min <= panel.age <= ages.max:
        return
    given = "pregnant=true" + ("" if panel.trimester is None else f", trimester={panel.trimester}")
    raise PanelError(
        f"pregnant: {given} at age {panel.age:g} years, outside the pregnancy ages of pack "
        f"{pack.name!r} ({ages.min:g} to {ages.max:g} years); check the age and the "
        "pregnancy, or give pregnant=false or null",
        field="pregnant",
        value=True,
        expected=f"pregnant only at ages {ages.min:g} to {ages.max:g} years",
    )


def _reinterpret(panel: Panel, pack: Pack) -> Interpretation:
    """Unpickling an Interpretation interprets its panel again (module-level: picklable)."""
    return interpret(panel, pack=pack)


def _reported(ids: tuple[str, ...]) -> frozenset[str]:
    return frozenset(ids) if ids else _NONE_REPORTED


_NONE_REPORTED: frozenset[str] = frozenset()


def _facts(panel: Panel, compiled: _Compiled, assumptions: list[str]) -> Facts:
    pack = compiled.rules.pack
    values = panel.measurements
    # Indices computed from the panel (Mentzer index ...) are seen by the rules as measured.
    values.update(compute_derived(values))
    # A male patient is not pregnant, and a pregnant patient is female: facts of the
    # context, not assumptions.
    pregnant = False if panel.sex == "male" and panel.pregnant is None else panel.pregnant
    sex = "female" if panel.sex is None and panel.pregnant is True else panel.sex
    assumed = False
    unknown_age_rule = pack.population.when_age_unknown
    assumed_ages = (
        (unknown_age_rule.assume_age_min, unknown_age_rule.assume_age_max or math.inf)
        if panel.age is None and unknown_age_rule is not None
        else None
    )
    if pregnant is None and panel.age is not None:
        ages = pack.population.pregnancy_ages
        if not ages.min <= panel.age <= ages.max:
            # The pack's stated assumption, listed: an 88-year-old is not asked about pregnancy.
            pregnant, assumed = False, True
            assumptions.append(
                f"pregnancy was not given; at age {panel.age:g} years it is taken as not "
                f"pregnant (this pack assumes pregnancy possible from {ages.min:g} to "
                f"{ages.max:g} years)"
            )
    return Facts(
        values=values,
        sex=sex,
        pregnant=pregnant,
        trimester=panel.trimester,
        age=panel.age,
        use_lab_reference_intervals=pack.use_lab_reference_intervals,
        inflammation_pattern=pack.inflammation_pattern,
        pattern_rules=compiled.pattern_rules,
        conditions=_reported(panel.conditions),
        medications=_reported(panel.medications),
        symptoms=_reported(panel.symptoms),
        diet=panel.diet,
        pregnancy_assumed=assumed,
        assumed_ages=assumed_ages,
    )


def _outside_population(panel: Panel, pack: Pack, assumptions: list[str]) -> str | None:
    pop = pack.population
    unreported = [c for c in pop.written_for or () if c not in panel.conditions]
    if unreported:
        # Interpreted all the same (the caller chose this pack), but the reader is told.
        assumptions.append(
            f"this pack's definitions are written for people with "
            # A condition's name is its gloss up to the colon ("chronic kidney disease").
            f"{' and '.join(CONDITIONS[c].split(':')[0] for c in unreported)}, which the "
            "panel does not report; read its results with that in mind"
        )
    rule = pop.when_age_unknown
    if panel.age is None and rule is not None:
        # The pack's own rule, stated: its cut-offs for these ages apply.
        assumptions.append(
            f"age was not given; taken as {rule.describe()} ({rule.description}), this "
            "pack's rule when age is unknown"
        )
        return None
    if pop.age_min is None and pop.age_max is None:
        return None
    if panel.age is None:
        assumptions.append(f"age was not given; the pack's thresholds are for {pop.description}")
        return None
    if (pop.age_min is not None and panel.age < pop.age_min) or (
        pop.age_max is not None and panel.age >= pop.age_max
    ):
        assumptions.append(
            f"age {panel.age:g} years is outside this pack's population; flags use only the "
            "laboratory's own reference intervals"
        )
        return f"age {panel.age:g} years is outside this pack's population: {pop.description}"
    return None


def _describe_missing(analytes: Sequence[str], context: Sequence[str]) -> str:
    words = [ANALYTES[a].display_name for a in analytes]
    words += [_CONTEXT_WORDS.get(c, c) for c in context]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _unsettled(results: Sequence[CriterionResult]) -> tuple[str, str | None]:
    """Why undecided leaves are undecided when data would not settle them (a censored result
    that straddles a cut-off, no cut-off for this context), and the first reason of any."""
    unsettled: list[str] = []
    first: str | None = None
    for result in results:
        for leaf in result.leaves():
            if leaf.outcome is not Outcome.UNDECIDED or not leaf.reason:
                continue
            first = first or leaf.reason
            if leaf.observed is not None and not leaf.missing_analytes and not leaf.missing_context:
                unsettled.append(f"{_readable_rule(leaf)}: {leaf.reason}")
    return "; ".join(unsettled), first


def _readable_rule(leaf: CriterionResult) -> str:
    """A leaf's rule with the test's display name, never its id ("transferrin saturation <
    15 %"); a cut-off chosen by context is named as such."""
    if leaf.analyte is None:
        return leaf.rule
    name = ANALYTES[leaf.analyte].display_name
    if len(leaf.cutoffs) == 1:
        return leaf.cutoffs[0].rule.replace(leaf.analyte, name, 1)
    return f"{name} (cut-off chosen by context)"


def _why_undecided(trace: PatternTrace) -> str:
    """The end of an undecided label: "without ..." or "from these results ..."."""
    held = trace.held_zones
    if held:
        return "from these results: " + "; ".join(z.reason for z in held)
    open_zones = trace.open_zones
    undecided = [z.result for z in open_zones]
    if trace.criteria.outcome is Outcome.UNDECIDED:
        undecided.insert(0, trace.criteria)
    unsettled, first = _unsettled(undecided)
    missing = _describe_missing(trace.missing_analytes, trace.missing_context)
    if missing:
        why = f"without {missing}"
        notes = [f"and {unsettled}"] if unsettled else []
    else:
        why = "from these results"
        notes = [unsettled or first or "undecided"]
    if open_zones:
        notes.append("it may fall in a grey zone: " + "; ".join(z.reason for z in open_zones))
    return f"{why} ({'; '.join(notes)})" if notes else why


def _decisive_tests(cp: CompiledPattern, trace: PatternTrace, given: Set[str]) -> tuple[str, ...]:
    held = trace.held_zones
    if held:
        # In a grey zone, what decides is what its source names, plus any result it lacks.
        names = [
            ANALYTES[leaf.analyte].display_name
            for zone in held
            for leaf in zone.result.leaves()
            if leaf.kind == "missing" and leaf.outcome is Outcome.HELD and leaf.analyte
        ]
        tests = [*(t for zone in held for t in zone.decisive_tests)] or list(cp.decisive_tests)
        return tuple(dict.fromkeys([*names, *_not_given(tests, given)]))
    if _only_uncovered(trace):
        return ()  # the source covers no one like this patient: no test would decide it
    names = [ANALYTES[a].display_name for a in trace.missing_analytes]
    zone_tests = [t for zone in trace.open_zones for t in zone.decisive_tests]
    return tuple(dict.fromkeys([*names, *_not_given([*zone_tests, *cp.decisive_tests], given)]))


def _not_given(tests: Sequence[str], given: Set[str]) -> list[str]:
    """A pack's suggested tests by display name, without those the panel already has (a
    result given, or computed from others): suggesting a test already done misleads."""
    out = []
    for name in tests:
        try:
            analyte = resolve_analyte_id(name)
        except LabinterpError:
            out.append(name)
            continue
        if analyte not in given:
            out.append(ANALYTES[analyte].display_name)
    return out


def _only_uncovered(trace: PatternTrace) -> bool:
    """Undecided only because a threshold's source does not cover this patient's context."""
    if trace.missing_analytes or trace.missing_context or trace.open_zones:
        return False
    undecided = [leaf for leaf in trace.criteria.leaves() if leaf.outcome is Outcome.UNDECIDED]
    return bool(undecided) and all(leaf.not_covered for leaf in undecided)


def _finding(
    cp: CompiledPattern,
    trace: PatternTrace,
    supporting: tuple[CriterionResult, ...],
    given: Set[str],
) -> PatternFinding:
    status = _STATUS[trace.outcome]
    undecided = trace.outcome is Outcome.UNDECIDED
    label = cp.undecided_label(_why_undecided(trace)) if undecided else cp.labels[status]
    return PatternFinding(
        id=cp.id,
        kind=cp.kind,
        name=cp.label,
        status=status,
        label=label,
        criteria=trace.criteria,
        supporting=supporting,
        missing_analytes=trace.missing_analytes if undecided else (),
        missing_context=trace.missing_context if undecided else (),
        decisive_tests=_decisive_tests(cp, trace, given) if undecided else (),
        nearest_cutoff=_nearest(trace.criteria),
        description=cp.description,
        note=cp.note,
        grey_zones=trace.grey_zones,
        sources=cp.sources,
        classification=cp.classification,
    )


def _classification(
    cc: CompiledClassification,
    findings: Mapping[str, PatternFinding],
    traces: Mapping[str, PatternTrace],
) -> ClassificationFinding:
    """The class chosen, or the classes still possible and what would decide between them."""
    members = [(k, findings[cc.finding_id(k)]) for k in cc.class_ids]
    chosen = next((k for k, f in members if f.status == "consistent"), None)
    possible = (chosen,) if chosen else tuple(k for k, f in members if f.status == "indeterminate")
    undecided = [f for k, f in members if chosen is None and k in possible]
    analytes = tuple(dict.fromkeys(a for f in undecided for a in f.missing_analytes))
    context = tuple(dict.fromkeys(c for f in undecided for c in f.missing_context))
    if chosen is not None:
        label = ENGLISH.classification_chosen(cc.label, cc.class_labels[chosen])
    else:
        names = [cc.class_labels[k] for k in possible]
        between = ENGLISH.join_and(names)
        missing = _describe_missing(analytes, context)
        why = (
            f"without {missing}" if missing else _why_undecided(traces[cc.finding_id(possible[0])])
        )
        label = ENGLISH.classification_undecided(cc.label, between, why)
    return ClassificationFinding(
        id=cc.id,
        name=cc.label,
        label=label,
        chosen=chosen,
        possible=possible,
        classes=cc.class_ids,
        missing_analytes=analytes,
        missing_context=context,
        decisive_tests=tuple(dict.fromkeys(t for f in undecided for t in f.decisive_tests)),
        description=cc.description,
        note=cc.note,
        sources=cc.sources,
    )


def _nearest(result: CriterionResult) -> str | None:
    best: tuple[float, float, CriterionResult] | None = None
    for leaf in result.leaves():
        if leaf.margin is None or leaf.observed is None or not leaf.cutoffs:
            continue
        edge = leaf.observed.canonical_value / leaf.cutoffs[0].to_canonical - leaf.margin
        relative = abs(leaf.margin) / abs(edge) if edge else abs(leaf.margin)
        if best is None or relative < best[0]:
            best = (relative, edge, leaf)
    if best is None:
        return None
    _, edge, leaf = best
    assert leaf.observed is not None
    assert leaf.margin is not None
    unit = leaf.margin_unit or ""
    where = f"the cut-off at {with_unit(f'{edge:g}', unit)}"
    if leaf.margin == 0:
        return f"{leaf.rule}: {leaf.observed.as_given} is at {where}; it {leaf.would_change}"
    side = "below" if leaf.margin < 0 else "above"
    return (
        f"{leaf.rule}: {leaf.observed.as_given} is {with_unit(f'{abs(leaf.margin):.3g}', unit)} "
        f"{side} {where}; it {leaf.would_change}"
    )
