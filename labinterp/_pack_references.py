"""A pack's cross-references: every name a pack uses must resolve, every threshold must give
each patient one cut-off, patterns must not refer to each other in a cycle, and what
``drop:`` removes must not be needed by what remains.

The checks read the parts of a validated pack (:class:`PackParts`) and yield every problem
with its key path as written, so that one load reports them all. Entries that exist but
failed their own validation are ``broken``: a reference to them is not reported again.

Patterns and the classes of classifications are both *pattern-like*: a criterion
``{pattern: id}`` may name either, a class by ``<classification>.<class>``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError, did_you_mean, shorten
from labinterp._pack_coverage import Problem, coverage_problems
from labinterp._pack_layers import ExtendStep
from labinterp._pack_models import (
    NotCovered,
    Population,
    ReferenceSpec,
    Source,
    ThresholdSpec,
    When,
)
from labinterp._pack_patterns import (
    AllOf,
    AnyOf,
    ClassificationSpec,
    ContextRef,
    Criterion,
    MissingRef,
    NotOf,
    PatternRef,
    PatternSpec,
    ReferencePosition,
    ReferenceRef,
    ThresholdRef,
)

__all__ = [
    "MAX_PATTERN_CHAIN",
    "Broken",
    "PackParts",
    "class_finding_id",
    "cross_reference_problems",
    "drop_problems",
    "entry_key",
    "listed_words",
    "pattern_dependencies",
    "pattern_like_ids",
    "referrers_of",
    "replaced_with_referrers",
]

#: How long a chain of patterns referring to patterns may be (the engine follows it).
MAX_PATTERN_CHAIN = 16
_NO_INFLAMMATION_PATTERN = "the pack names no inflammation_pattern"
#: How many problems of one report get a "did you mean" suggestion.
_MAX_SUGGESTIONS = 20


class PackParts(Protocol):
    """The parts of a pack the checks read (a :class:`labinterp.Pack`)."""

    @property
    def extends(self) -> str | None: ...
    @property
    def drop(self) -> Sequence[str]: ...
    @property
    def overrides(self) -> Sequence[str]: ...
    @property
    def population(self) -> Population: ...
    @property
    def inflammation_pattern(self) -> str | None: ...
    @property
    def sources(self) -> Mapping[str, Source]: ...
    @property
    def thresholds(self) -> Mapping[str, ThresholdSpec]: ...
    @property
    def reference_intervals(self) -> Mapping[str, ReferenceSpec]: ...
    @property
    def patterns(self) -> Mapping[str, PatternSpec]: ...
    @property
    def classifications(self) -> Mapping[str, ClassificationSpec]: ...


@dataclass(frozen=True, slots=True)
class Broken:
    """Entries written in the pack that failed their own validation (reported already), and
    patterns or classifications a ``drop:`` removed (reported at the drop): references to
    them are not reported again."""

    entries: Mapping[str, Collection[str]] = field(default_factory=dict)
    dropped: Collection[str] = ()
    # How many more "did you mean" suggestions to look for: each compares a name with every
    # choice (3,000 unknown names among 3,000 thresholds took a minute), and a reader fixes
    # the first problems first.
    _hints: list[int] = field(default_factory=lambda: [_MAX_SUGGESTIONS])

    def suggest(self, word: str, choices: Callable[[], Iterable[str]]) -> str | None:
        """The closest of ``choices()`` to ``word``, for the first problems of a report only."""
        if self._hints[0] <= 0:
            return None
        self._hints[0] -= 1
        return did_you_mean(word, choices())

    def has(self, section: str, entry: str) -> bool:
        return entry in self.entries.get(section, ())

    def pattern_like(self, pid: str) -> bool:
        if pid in self.dropped or self.has("patterns", pid):
            return True
        head = pid.partition(".")[0]
        return head != pid and (head in self.dropped or self.has("classifications", head))


def class_finding_id(classification: str, class_id: str) -> str:
    """The id of a class's finding: ``anemia_type.iron_deficiency_anemia``."""
    return f"{classification}.{class_id}"


def pattern_like_ids(pack: PackParts) -> list[str]:
    """Every pattern id, then every class finding id, in the pack's order."""
    ids = list(pack.patterns)
    for cid, spec in pack.classifications.items():
        ids += [class_finding_id(cid, k) for k in spec.class_ids()]
    return ids


def _criteria_roots(pack: PackParts, pid: str) -> list[Criterion]:
    """The criteria a pattern-like finding reads: a pattern's criteria, supporting criteria
    and grey zones; a class's own criteria and those of every class before it."""
    spec = pack.patterns.get(pid)
    if spec is not None:
        return [spec.criteria, *spec.supporting, *(zone.if_ for zone in spec.grey_zones)]
    cid, _, class_id = pid.partition(".")
    classification = pack.classifications[cid]
    upto = classification.class_ids().index(class_id)
    return [item.criteria for item in classification.classes[: upto + 1]]


def pattern_dependencies(pack: PackParts, pid: str) -> set[str]:
    """Pattern-like findings that ``pid`` refers to directly, including through inflammation
    cut-offs."""
    deps: set[str] = set()

    def walk(crit: Criterion) -> None:
        match crit:
            case PatternRef(pattern=other):
                deps.add(other)
            case ThresholdRef(threshold=tid) if tid in pack.thresholds:
                threshold = pack.thresholds[tid]
                contexts = [c.when for c in threshold.cutoffs]
                contexts += [gap.when for gap in threshold.not_covered]
                if pack.inflammation_pattern and any(w.inflammation is not None for w in contexts):
                    deps.add(pack.inflammation_pattern)
            case ContextRef(context=when) if when.inflammation is not None:
                if pack.inflammation_pattern:
                    deps.add(pack.inflammation_pattern)
            case ReferenceRef(reference=ReferencePosition(analyte=aid)):
                ref = pack.reference_intervals.get(aid)
                if (
                    ref is not None
                    and pack.inflammation_pattern
                    and any(ri.when.inflammation is not None for ri in ref.intervals)
                ):
                    deps.add(pack.inflammation_pattern)
            case AllOf(all=items) | AnyOf(any=items):
                for item in items:
                    walk(item)
            case NotOf(not_=inner):
                walk(inner)
            case _:
                return

    for crit in _criteria_roots(pack, pid):
        walk(crit)
    return deps


# --- the checks -------------------------------------------------------------------------------


def cross_reference_problems(pack: PackParts, broken: Broken | None = None) -> Iterator[Problem]:
    """Every reference must resolve and every threshold cover its population exactly once;
    collected so that one load reports every problem."""
    broken = broken or Broken()
    by_inflammation = pack.inflammation_pattern is not None
    for tid, spec in pack.thresholds.items():
        yield from _threshold_problems(pack, broken, tid, spec, by_inflammation)
    for aid, ref in pack.reference_intervals.items():
        yield from _reference_problems(pack, broken, aid, ref, by_inflammation)
    inflammation = pack.inflammation_pattern
    if inflammation and inflammation not in pack.patterns and not broken.pattern_like(inflammation):
        yield "inflammation_pattern", f"no pattern named {shorten(inflammation)}"
    for pid, pattern in pack.patterns.items():
        yield from _pattern_problems(pack, broken, pid, pattern)
    known = set(pattern_like_ids(pack))
    for cid, classification in pack.classifications.items():
        yield from _classification_problems(pack, broken, known, cid, classification)
    if pack.extends is None:
        for key in ("drop", "overrides"):
            if getattr(pack, key):
                yield key, f"only a pack that extends another can use {key}"
    for i, pid in enumerate(pack.drop):
        if pid in pack.patterns or pid in pack.classifications:
            yield f"drop[{i}]", f"{shorten(pid)} is dropped but the pack defines it"
    yield from _chain_problems(pack, known)


def _threshold_problems(
    pack: PackParts, broken: Broken, tid: str, spec: ThresholdSpec, by_inflammation: bool
) -> Iterator[Problem]:
    where = f"thresholds.{tid}"
    yield from _analyte_problems(where, spec.analyte)
    yield from _source_problems(where, pack, broken, spec.source, "")
    for i, cut in enumerate(spec.cutoffs):
        if spec.analyte in ANALYTES:
            yield from _unit_problems(f"{where}.cutoffs[{i}].unit", spec.analyte, cut.unit)
        yield from _source_problems(f"{where}.cutoffs[{i}]", pack, broken, cut.source, spec.source)
        if cut.when.inflammation is not None and not by_inflammation:
            yield f"{where}.cutoffs[{i}].when.inflammation", _NO_INFLAMMATION_PATTERN
    entries = [(f"cutoffs[{i}]", cut.when) for i, cut in enumerate(spec.cutoffs)]
    yield from _gap_and_coverage_problems(
        where, "cutoffs", entries, spec.not_covered, spec.source, pack, broken, by_inflammation
    )


def _gap_and_coverage_problems(
    where: str,
    key: Literal["cutoffs", "intervals"],
    entries: list[tuple[str, When]],
    gaps: Sequence[NotCovered],
    default_source: str | None,
    pack: PackParts,
    broken: Broken,
    by_inflammation: bool,
) -> Iterator[Problem]:
    """A threshold's or reference's ``not_covered`` entries (their sources and context), then
    whether its entries and gaps together give each patient exactly one."""
    for i, gap in enumerate(gaps):
        yield from _source_problems(
            f"{where}.not_covered[{i}]", pack, broken, gap.source, default_source
        )
        if gap.when.inflammation is not None and not by_inflammation:
            yield f"{where}.not_covered[{i}].when.inflammation", _NO_INFLAMMATION_PATTERN
    entries = entries + [(f"not_covered[{i}]", gap.when) for i, gap in enumerate(gaps)]
    yield from coverage_problems(
        where, key, entries, pack.population, by_inflammation, extends=pack.extends is not None
    )


def _reference_problems(
    pack: PackParts, broken: Broken, aid: str, ref: ReferenceSpec, by_inflammation: bool
) -> Iterator[Problem]:
    where = f"reference_intervals.{aid}"
    yield from _analyte_problems(where, aid)
    yield from _source_problems(where, pack, broken, ref.source, "")
    for i, ri in enumerate(ref.intervals):
        yield from _source_problems(f"{where}.intervals[{i}]", pack, broken, ri.source, ref.source)
        if ri.critical_source is not None:
            yield from _source_problems(
                f"{where}.intervals[{i}]", pack, broken, ri.critical_source, "", "critical_source"
            )
    if aid not in ANALYTES:
        return
    first = ref.intervals[0]
    for i, ri in enumerate(ref.intervals):
        yield from _unit_problems(f"{where}.intervals[{i}].unit", aid, ri.unit)
        if ri.when.inflammation is not None and not by_inflammation:
            yield f"{where}.intervals[{i}].when.inflammation", _NO_INFLAMMATION_PATTERN
        # "Above its reference interval" needs a high end in every context, or a patient of
        # unknown sex would be judged by the intervals that have one.
        for end in ("low", "high"):
            if (getattr(ri, end) is None) != (getattr(first, end) is None):
                given = "gives" if getattr(first, end) is not None else "has no"
                yield (
                    f"{where}.intervals[{i}].{end}",
                    f"intervals[0] {given} '{end}' but this interval differs; every interval "
                    "of one analyte must give the same ends",
                )
    entries = [(f"intervals[{i}]", ri.when) for i, ri in enumerate(ref.intervals)]
    yield from _gap_and_coverage_problems(
        where, "intervals", entries, ref.not_covered, ref.source, pack, broken, by_inflammation
    )


def _pattern_problems(
    pack: PackParts, broken: Broken, pid: str, pattern: PatternSpec
) -> Iterator[Problem]:
    for j, crit in enumerate([pattern.criteria, *pattern.supporting]):
        where = f"patterns.{pid}." + ("criteria" if j == 0 else f"supporting[{j - 1}]")
        yield from _criterion_problems(where, pack, broken, crit)
    for j, zone in enumerate(pattern.grey_zones):
        where = f"patterns.{pid}.grey_zones[{j}]"
        yield from _criterion_problems(f"{where}.if", pack, broken, zone.if_)
        yield from _source_problems(where, pack, broken, zone.source, "")
    yield from _cited_problems(f"patterns.{pid}", pack, broken, pattern.sources)
    if pattern.kind != "pattern" and not pattern.sources:
        # A note or an alert is teaching text; like a cut-off, it says where it comes from.
        yield f"patterns.{pid}.sources", f"a {pattern.kind} must cite at least one source"


def _classification_problems(
    pack: PackParts,
    broken: Broken,
    known: set[str],
    cid: str,
    spec: ClassificationSpec,
) -> Iterator[Problem]:
    where = f"classifications.{cid}"
    if cid in pack.patterns:
        yield where, f"{shorten(cid)} is also a pattern id; a classification needs an id of its own"
    keys = [f"classes[{i}]" for i in range(len(spec.classes))] + ["otherwise"]
    for key, class_id in zip(keys, spec.class_ids(), strict=True):
        full = class_finding_id(cid, class_id)
        if full in pack.patterns:
            yield (
                f"{where}.{key}.id",
                f"the class's finding {shorten(full)} has the id of a pattern; rename one of them",
            )
    for i, item in enumerate(spec.classes):
        yield from _criterion_problems(
            f"{where}.classes[{i}].criteria", pack, broken, item.criteria
        )
    yield from _cited_problems(where, pack, broken, spec.sources)


def _cited_problems(
    where: str, pack: PackParts, broken: Broken, sources: Sequence[str]
) -> Iterator[Problem]:
    for j, sid in enumerate(sources):
        if sid not in pack.sources and not broken.has("sources", sid):
            hint = broken.suggest(sid, pack.sources.keys)
            yield (
                f"{where}.sources[{j}]",
                f"unknown source {shorten(sid)}"
                + (f"; did you mean {shorten(hint)}?" if hint else ""),
            )


def _analyte_problems(where: str, analyte: str) -> Iterator[Problem]:
    if analyte not in ANALYTES:
        hint = did_you_mean(analyte, ANALYTES)
        yield (
            where,
            f"unknown analyte {shorten(analyte)}"
            + (f"; did you mean {shorten(hint)}?" if hint else ""),
        )


def _unit_problems(where: str, analyte: str, unit: str) -> Iterator[Problem]:
    try:
        ANALYTES[analyte].resolve_unit(unit)
    except LabinterpError as exc:
        yield where, str(exc)


def _source_problems(
    where: str,
    pack: PackParts,
    broken: Broken,
    source: str | None,
    default: str | None,
    key: str = "source",
) -> Iterator[Problem]:
    """The source an entry gives under ``key`` must be the pack's; without one, ``default``
    (the enclosing entry's source, checked where it is written; "" for no default) must
    exist."""
    if source is None:
        if default is None:
            yield where, "no source; every threshold must cite one (document title or guideline)"
    elif source not in pack.sources and not broken.has("sources", source):
        hint = broken.suggest(source, pack.sources.keys)
        yield (
            f"{where}.{key}",
            f"unknown source {shorten(source)}"
            + (f"; did you mean {shorten(hint)}?" if hint else ""),
        )


def _criterion_problems(
    where: str, pack: PackParts, broken: Broken, crit: Criterion
) -> Iterator[Problem]:
    # Recursion is bounded: the models refuse criteria nested deeper than 16 levels.
    match crit:
        case ThresholdRef(threshold=tid) if tid not in pack.thresholds:
            if broken.has("thresholds", tid):
                return
            hint = broken.suggest(tid, pack.thresholds.keys)
            yield (
                f"{where}.threshold",
                f"unknown threshold {shorten(tid)}"
                + (f"; did you mean {shorten(hint)}?" if hint else ""),
            )
        case ReferenceRef(reference=ReferencePosition(analyte=aid)):
            yield from _analyte_problems(f"{where}.reference.analyte", aid)
        case PatternRef(pattern=pid) if not _is_pattern_like(pack, pid):
            if broken.pattern_like(pid):
                return
            hint = broken.suggest(pid, lambda: pattern_like_ids(pack))
            yield (
                f"{where}.pattern",
                f"unknown pattern {shorten(pid)}"
                + (f"; did you mean {shorten(hint)}?" if hint else ""),
            )
        case AllOf(all=items) | AnyOf(any=items):
            key = "all" if isinstance(crit, AllOf) else "any"
            for i, item in enumerate(items):
                yield from _criterion_problems(f"{where}.{key}[{i}]", pack, broken, item)
        case NotOf(not_=inner):
            yield from _criterion_problems(f"{where}.not", pack, broken, inner)
        case MissingRef(missing=aid):
            yield from _analyte_problems(f"{where}.missing", aid)
        case ContextRef(context=when) if when.inflammation is not None:
            if pack.inflammation_pattern is None:
                yield f"{where}.context.inflammation", _NO_INFLAMMATION_PATTERN
        case _:
            return


def _is_pattern_like(pack: PackParts, pid: str) -> bool:
    if pid in pack.patterns:
        return True
    cid, dot, class_id = pid.partition(".")
    spec = pack.classifications.get(cid)
    return bool(dot) and spec is not None and class_id in spec.class_ids()


def _entry_path(pack: PackParts, pid: str) -> str:
    """Where a pattern-like finding is written: ``patterns.x`` or ``classifications.c``."""
    if pid in pack.patterns:
        return f"patterns.{pid}"
    return f"classifications.{pid.partition('.')[0]}"


def _chain_problems(pack: PackParts, known: set[str]) -> Iterator[Problem]:
    """Patterns that refer to each other in a cycle, or in a chain longer than
    :data:`MAX_PATTERN_CHAIN`. Walked with a stack: a pack may hold many patterns."""
    deps = {
        pid: sorted(d for d in pattern_dependencies(pack, pid) if d in known)
        for pid in pattern_like_ids(pack)
    }
    length: dict[str, int] = {}  # the longest chain that starts at each finished pattern
    for start in deps:
        if start in length:
            continue
        path: list[str] = [start]
        todo: list[list[str]] = [list(deps[start])]
        while path:
            if not todo[-1]:
                pid = path.pop()
                todo.pop()
                length[pid] = 1 + max((length[d] for d in deps[pid]), default=0)
                if length[pid] > MAX_PATTERN_CHAIN:
                    yield (
                        _entry_path(pack, pid),
                        f"patterns refer to patterns more than {MAX_PATTERN_CHAIN} deep from here",
                    )
                    return
                continue
            dep = todo[-1].pop()
            if dep in path:
                cycle = " -> ".join([*path[path.index(dep) :], dep])
                yield _entry_path(pack, dep), f"patterns refer to each other in a cycle: {cycle}"
                return
            if dep not in length:
                path.append(dep)
                todo.append(list(deps[dep]))


# --- drop and overrides -------------------------------------------------------------------------


def referrers_of(pack: PackParts) -> dict[tuple[str, str], list[str]]:
    """Who refers to what: (section, id) of a pattern, or of a classification through its
    classes, -> the pattern-like findings that refer to it, in the pack's order. Built once,
    so that checking many dropped or replaced entries stays linear in the pack's size."""
    index: dict[tuple[str, str], dict[str, None]] = {}
    for pid in pattern_like_ids(pack):
        for dep in pattern_dependencies(pack, pid):
            if dep in pack.patterns:
                target = ("patterns", dep)
            else:
                # A class finding <classification>.<class> refers to its classification.
                target = ("classifications", dep.partition(".")[0])
            if entry_key(pack, pid) != target:  # a class reads its own classification
                index.setdefault(target, {})[pid] = None
    return {key: list(found) for key, found in index.items()}


def entry_key(pack: PackParts, pid: str) -> tuple[str, str]:
    """Where a pattern-like finding is defined: ("patterns", id) or ("classifications", c)."""
    if pid in pack.patterns:
        return ("patterns", pid)
    return ("classifications", pid.partition(".")[0])


def _referrer_paths(
    pack: PackParts,
    index: Mapping[tuple[str, str], list[str]],
    key: tuple[str, str],
    keep: Callable[[str], bool] = lambda _: True,
) -> list[str]:
    """Where the referrers of ``key`` are written (``patterns.y``, ``classifications.c``),
    the inflammation_pattern key first when it names the pattern."""
    found: dict[str, None] = {}
    if key == ("patterns", pack.inflammation_pattern):
        found["inflammation_pattern"] = None
    for pid in index.get(key, ()):
        if keep(pid):
            found[_entry_path(pack, pid)] = None
    return list(found)


def drop_problems(pack: PackParts, steps: Sequence[ExtendStep]) -> Iterator[tuple[int, str, str]]:
    """A pattern or classification dropped while what remains still refers to it:
    (document, key path, problem), at the ``drop`` entry, naming both."""
    present = set(pack.patterns) | set(pack.classifications)
    index = referrers_of(pack) if any(step.drop for step in steps) else {}
    for step in steps:
        for i, pid in step.drop:
            if pid in present:
                continue  # a later pack of the chain defines it again
            referrers = _referrer_paths(pack, index, ("patterns", pid))
            referrers += _referrer_paths(pack, index, ("classifications", pid))
            if referrers:
                yield (
                    step.document,
                    f"drop[{i}]",
                    f"cannot drop {shorten(pid)}: {listed_words(referrers)} still "
                    f"refer{'s' if len(referrers) == 1 else ''} to it; drop "
                    f"{'it' if len(referrers) == 1 else 'them'} too, or keep {shorten(pid)}",
                )


def listed_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def replaced_with_referrers(
    pack: PackParts,
    step: ExtendStep,
    inherited: Callable[[str], bool],
    changed: Callable[[tuple[str, str]], bool],
    index: Mapping[tuple[str, str], list[str]],
) -> Iterator[tuple[str, str, list[str]]]:
    """Inherited patterns or classifications ``step`` replaced with a different definition
    while inherited entries still refer to them, and it does not list them under
    ``overrides``: (section, id, referrers).

    ``inherited`` tells whether a pattern-like finding's entry comes from before ``step``
    (and was not written again since); ``changed`` whether a replacement differs from what it
    replaced; ``index`` is :func:`referrers_of` the pack.
    """
    acknowledged = {pid for _, pid in step.overrides}
    for section, pid in step.replaced:
        if pid in acknowledged or (
            (section, pid) not in index
            and not (section == "patterns" and pid == pack.inflammation_pattern)
        ):
            continue
        if not changed((section, pid)):
            continue
        found = _referrer_paths(pack, index, (section, pid), inherited)
        if found:
            yield section, pid, found
