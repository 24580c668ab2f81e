"""Threshold packs: cited thresholds and declarative patterns, kept as data.

A pack is a YAML file validated *whole and early*: the models (``_pack_models``) refuse
unknown keys and loose types; then every cross-reference (analyte, unit, source, threshold,
pattern) is checked, and every threshold must give each patient of the pack's population
exactly one cut-off (``_pack_coverage``). Errors name the file and the dotted key path.
The criteria vocabulary is closed (``all``/``any``/``not``, a threshold, a position against a
reference interval, another pattern's result, the patient's context, a missing result; see
``_pack_patterns``): no expressions, no code in data.

A pack may ``extends:`` another (a bundled name, or a file in its own folder; see
``_pack_loading``) and then replaces whole entries by key, so a user can override one
threshold without copying the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import Field, ValidationError

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError, PackError, did_you_mean, shorten
from labinterp._pack_coverage import Problem, coverage_problems
from labinterp._pack_loading import (
    bundled_pack_file,
    bundled_pack_names,
    locate_pack,
    merge_pack_data,
    read_pack_data,
)
from labinterp._pack_models import (
    SCHEMA_VERSION,
    Cutoff,
    Interval,
    NotCovered,
    Population,
    PregnancyAges,
    ReferenceIntervalSpec,
    ReferenceSpec,
    Source,
    StrictModel,
    ThresholdSpec,
    Unless,
    When,
    check_input_shape,
    validation_error,
)
from labinterp._pack_patterns import (
    AllOf,
    AnyOf,
    ContextRef,
    Criterion,
    GreyZone,
    MissingRef,
    NotOf,
    PatternRef,
    PatternSpec,
    ReferencePosition,
    ReferenceRef,
    ThresholdRef,
)

__all__ = [
    "AllOf",
    "AnyOf",
    "ContextRef",
    "Criterion",
    "Cutoff",
    "GreyZone",
    "Interval",
    "MissingRef",
    "NotCovered",
    "NotOf",
    "Pack",
    "PatternRef",
    "PatternSpec",
    "Population",
    "PregnancyAges",
    "ReferenceIntervalSpec",
    "ReferencePosition",
    "ReferenceRef",
    "ReferenceSpec",
    "Source",
    "ThresholdRef",
    "ThresholdSpec",
    "Unless",
    "When",
    "bundled_pack_names",
    "check_pack",
    "default_pack",
    "dump_pack",
    "extend_pack",
    "load_pack",
    "pack_json_schema",
    "pattern_dependencies",
]


class Pack(StrictModel):
    """A validated threshold pack. Build it with :func:`load_pack` or :func:`default_pack`.

    The constructor checks structure only; :meth:`model_validate`, the loaders and
    ``interpret`` also check every cross-reference and each threshold's coverage.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(min_length=1)
    title: str
    description: str = ""
    extends: str | None = None
    population: Population
    use_lab_reference_intervals: bool = True
    inflammation_pattern: str | None = None
    disclaimer: str
    sources: dict[str, Source]
    thresholds: dict[str, ThresholdSpec] = Field(default_factory=dict)
    reference_intervals: dict[str, ReferenceSpec] = Field(default_factory=dict)
    patterns: dict[str, PatternSpec] = Field(default_factory=dict)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate a pack from Python data, cross-references included (raises PackError)."""
        pack = super().model_validate(obj, *args, **kwargs)
        check_pack(pack, where="Pack")
        return pack

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        """Validate a pack from JSON text, cross-references included (raises PackError)."""
        pack = super().model_validate_json(json_data, *args, **kwargs)
        check_pack(pack, where="Pack")
        return pack


def pack_json_schema() -> dict[str, Any]:
    """The JSON Schema of a pack file, for editors (committed as reference_ranges/)."""
    schema = Pack.model_json_schema(by_alias=True)
    schema["$id"] = "https://labinterp.invalid/pack.schema.json"
    schema["title"] = "labinterp threshold pack"
    return schema


# --- loading ----------------------------------------------------------------------------------


def load_pack(path: str | Path, *, extends_root: str | Path | None = None) -> Pack:
    """Load and validate a bundled pack by name (``"default"``) or a pack file.

    A bare lower-case name is always a bundled pack; a file is a ``Path`` or text with a
    ``.yaml``/``.yml`` suffix or a folder separator (``./default`` for a file named
    ``default``). ``extends:`` in a file may name a bundled pack or a file in the extending
    pack's folder or below it; ``extends_root`` widens that to one folder of your choice.
    Bundled packs are loaded once and shared; a file is read again on every call.
    """
    found = locate_pack(path, folder=Path.cwd(), key="pack", label=None)
    if isinstance(found, str):
        return _load_bundled(found)
    root = None
    if extends_root is not None:
        if not isinstance(extends_root, str | Path):
            raise PackError(
                f"extends_root must be a folder path, got {type(extends_root).__name__}",
                field="extends_root",
                expected="a folder path",
            )
        located = locate_pack(Path(extends_root), folder=Path.cwd(), key="extends_root", label=None)
        assert isinstance(located, Path)  # a Path is always located as a path
        root = located
    return _load_path(found, extends_root=root)


@cache
def _load_bundled(name: str) -> Pack:
    return _load_path(bundled_pack_file(name), extends_root=None)


def _load_path(path: Path, *, extends_root: Path | None) -> Pack:
    raw = read_pack_data(path, extends_root=extends_root, pack_keys=_PACK_KEYS)
    return _validated(raw, str(path))


_PACK_KEYS = frozenset(f.alias or name for name, f in Pack.model_fields.items())


def _validated(raw: Mapping[str, Any], where: str) -> Pack:
    """Validate the whole pack: its structure first, then every cross-reference.

    ``raw`` is bounded already: read from files without aliases and within the size limit,
    or checked by :func:`check_input_shape`.
    """
    try:
        # pydantic's own entry point, so that the error can name the file or caller.
        pack: Pack = Pack.__pydantic_validator__.validate_python(raw)
    except ValidationError as exc:
        raise validation_error(where, exc) from None
    check_pack(pack, where=where)
    return pack


def extend_pack(base: Pack, changes: Mapping[str, Any]) -> Pack:
    """A new pack from ``base`` with whole entries replaced or added, validated like a file.

    ``changes`` has the shape of a pack file and must give ``name`` and ``version`` (a derived
    pack is a different pack). Sections (``sources``, ``thresholds``, ``reference_intervals``,
    ``patterns``) are merged by key; other keys replace the base's.
    """
    if not isinstance(base, Pack):
        raise PackError(
            f"extend_pack: base must be a Pack (from load_pack or default_pack), "
            f"got {type(base).__name__}",
            field="base",
            expected="a Pack",
        )
    if not isinstance(changes, Mapping):
        raise PackError(
            f"extend_pack: changes must be a mapping of pack keys, got {type(changes).__name__}",
            field="changes",
            expected="a mapping such as {'name': ..., 'version': ..., 'thresholds': {...}}",
        )
    missing = [key for key in ("name", "version") if key not in changes]
    if missing:
        raise PackError(
            f"extend_pack: give {' and '.join(missing)} for the derived pack",
            field=missing[0],
            expected="a new name and version",
        )
    check_input_shape(changes, "extend_pack")
    raw = base.model_dump(mode="json", by_alias=True)
    merged = merge_pack_data(raw, {**changes, "extends": base.name})
    return _validated(merged, f"<extend_pack {str(changes['name'])[:80]!r}>")


def default_pack() -> Pack:
    """The bundled default pack, built from the seed documents (loaded once)."""
    return _load_bundled("default")


def dump_pack(pack: Pack) -> str:
    """The pack as YAML text that :func:`load_pack` reads back to an equal pack."""
    _require_pack(pack, "dump_pack")
    data = pack.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["schema_version"] = SCHEMA_VERSION
    return yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False, allow_unicode=True)


def _require_pack(pack: object, caller: str) -> None:
    if not isinstance(pack, Pack):
        raise PackError(
            f"{caller}: expected a Pack, got {type(pack).__name__}",
            field="pack",
            expected="a Pack",
        )


# --- checks -----------------------------------------------------------------------------------


def check_pack(pack: Pack, *, where: str | None = None) -> None:
    """Check a pack's cross-references and coverage (done by every loader and by
    ``interpret``; for packs built directly). ``where`` names the file or caller in the
    message; it defaults to the pack's name.
    """
    _require_pack(pack, "check_pack")
    problems = list(_cross_reference_problems(pack))
    if problems:
        raise PackError(
            f"{where or f'pack {shorten(pack.name)}'}: the pack does not validate:\n"
            + "\n".join(f"  {_clip(path)}: {_clip(message)}" for path, message in problems[:20])
            + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""),
            field=problems[0][0],
            expected=problems[0][1],
        )


#: The longest key path or problem shown in a message: a key path holds the pack's own names,
#: and a 20 kB name repeated in twenty lines must not make a 400 kB message.
_LINE_LIMIT = 240


def _clip(text: str) -> str:
    return text if len(text) <= _LINE_LIMIT else text[: _LINE_LIMIT - 3] + "..."


def _cross_reference_problems(pack: Pack) -> Iterator[Problem]:
    """Every reference must resolve and every threshold cover its population exactly once;
    collected so that one load reports every problem."""
    by_inflammation = pack.inflammation_pattern is not None
    for tid, spec in pack.thresholds.items():
        where = f"thresholds.{tid}"
        yield from _analyte_problems(where, spec.analyte)
        if spec.analyte not in ANALYTES:
            continue
        for i, cut in enumerate(spec.cutoffs):
            yield from _unit_problems(f"{where}.cutoffs[{i}].unit", spec.analyte, cut.unit)
            yield from _source_problems(f"{where}.cutoffs[{i}]", pack, cut.source or spec.source)
            if cut.when.inflammation is not None and not by_inflammation:
                yield f"{where}.cutoffs[{i}].when.inflammation", _NO_INFLAMMATION_PATTERN
        for i, gap in enumerate(spec.not_covered):
            yield from _source_problems(
                f"{where}.not_covered[{i}]", pack, gap.source or spec.source
            )
            if gap.when.inflammation is not None and not by_inflammation:
                yield f"{where}.not_covered[{i}].when.inflammation", _NO_INFLAMMATION_PATTERN
        entries = [(f"cutoffs[{i}]", cut.when) for i, cut in enumerate(spec.cutoffs)]
        entries += [(f"not_covered[{i}]", gap.when) for i, gap in enumerate(spec.not_covered)]
        yield from coverage_problems(where, "cutoffs", entries, pack.population, by_inflammation)
    for aid, ref in pack.reference_intervals.items():
        yield from _reference_problems(pack, aid, ref, by_inflammation)
    if pack.inflammation_pattern and pack.inflammation_pattern not in pack.patterns:
        yield "inflammation_pattern", f"no pattern named {shorten(pack.inflammation_pattern)}"
    for pid, pattern in pack.patterns.items():
        for j, crit in enumerate([pattern.criteria, *pattern.supporting]):
            where = f"patterns.{pid}." + ("criteria" if j == 0 else f"supporting[{j - 1}]")
            yield from _criterion_problems(where, pack, crit)
        for j, zone in enumerate(pattern.grey_zones):
            where = f"patterns.{pid}.grey_zones[{j}]"
            yield from _criterion_problems(f"{where}.if", pack, zone.if_)
            yield from _source_problems(where, pack, zone.source)
        for j, sid in enumerate(pattern.sources):
            if sid not in pack.sources:
                hint = did_you_mean(sid, pack.sources)
                yield (
                    f"patterns.{pid}.sources[{j}]",
                    f"unknown source {shorten(sid)}"
                    + (f"; did you mean {shorten(hint)}?" if hint else ""),
                )
        if pattern.kind != "pattern" and not pattern.sources:
            # A note or an alert is teaching text; like a cut-off, it says where it comes from.
            yield f"patterns.{pid}.sources", f"a {pattern.kind} must cite at least one source"
    yield from _chain_problems(pack)


_NO_INFLAMMATION_PATTERN = "the pack names no inflammation_pattern"


def _reference_problems(
    pack: Pack, aid: str, ref: ReferenceSpec, by_inflammation: bool
) -> Iterator[Problem]:
    where = f"reference_intervals.{aid}"
    yield from _analyte_problems(where, aid)
    if aid not in ANALYTES:
        return
    first = ref.intervals[0]
    for i, ri in enumerate(ref.intervals):
        yield from _unit_problems(f"{where}.intervals[{i}].unit", aid, ri.unit)
        yield from _source_problems(f"{where}.intervals[{i}]", pack, ri.source or ref.source)
        if ri.when.inflammation is not None and not by_inflammation:
            yield f"{where}.intervals[{i}].when.inflammation", _NO_INFLAMMATION_PATTERN
        if ri.critical_source is not None:
            yield from _source_problems(
                f"{where}.intervals[{i}].critical", pack, ri.critical_source
            )
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
    yield from coverage_problems(where, "intervals", entries, pack.population, by_inflammation)


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


def _source_problems(where: str, pack: Pack, source: str | None) -> Iterator[Problem]:
    if source is None:
        yield where, "no source; every threshold must cite one (document title or guideline)"
    elif source not in pack.sources:
        hint = did_you_mean(source, pack.sources)
        yield (
            f"{where}.source",
            f"unknown source {shorten(source)}"
            + (f"; did you mean {shorten(hint)}?" if hint else ""),
        )


def _criterion_problems(where: str, pack: Pack, crit: Criterion) -> Iterator[Problem]:
    # Recursion is bounded: PatternSpec refuses criteria nested deeper than 16 levels.
    match crit:
        case ThresholdRef(threshold=tid) if tid not in pack.thresholds:
            hint = did_you_mean(tid, pack.thresholds)
            yield (
                f"{where}.threshold",
                f"unknown threshold {shorten(tid)}"
                + (f"; did you mean {shorten(hint)}?" if hint else ""),
            )
        case ReferenceRef(reference=ReferencePosition(analyte=aid)):
            yield from _analyte_problems(f"{where}.reference.analyte", aid)
        case PatternRef(pattern=pid) if pid not in pack.patterns:
            hint = did_you_mean(pid, pack.patterns)
            yield (
                f"{where}.pattern",
                f"unknown pattern {shorten(pid)}"
                + (f"; did you mean {shorten(hint)}?" if hint else ""),
            )
        case AllOf(all=items) | AnyOf(any=items):
            key = "all" if isinstance(crit, AllOf) else "any"
            for i, item in enumerate(items):
                yield from _criterion_problems(f"{where}.{key}[{i}]", pack, item)
        case NotOf(not_=inner):
            yield from _criterion_problems(f"{where}.not", pack, inner)
        case MissingRef(missing=aid):
            yield from _analyte_problems(f"{where}.missing", aid)
        case ContextRef(context=when) if when.inflammation is not None:
            if pack.inflammation_pattern is None:
                yield f"{where}.context.inflammation", _NO_INFLAMMATION_PATTERN
        case _:
            return


def pattern_dependencies(pack: Pack, pid: str) -> set[str]:
    """Patterns that ``pid`` refers to directly, including through inflammation cut-offs."""
    deps: set[str] = set()
    spec = pack.patterns[pid]

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

    for crit in [spec.criteria, *spec.supporting, *(zone.if_ for zone in spec.grey_zones)]:
        walk(crit)
    return deps


#: How long a chain of patterns referring to patterns may be (the engine follows it).
MAX_PATTERN_CHAIN = 16


def _chain_problems(pack: Pack) -> Iterator[Problem]:
    """Patterns that refer to each other in a cycle, or in a chain longer than
    :data:`MAX_PATTERN_CHAIN`. Walked with a stack: a pack may hold many patterns."""
    deps = {
        pid: sorted(d for d in pattern_dependencies(pack, pid) if d in pack.patterns)
        for pid in pack.patterns
    }
    length: dict[str, int] = {}  # the longest chain that starts at each finished pattern
    for start in pack.patterns:
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
                        f"patterns.{pid}",
                        f"patterns refer to patterns more than {MAX_PATTERN_CHAIN} deep from here",
                    )
                    return
                continue
            dep = todo[-1].pop()
            if dep in path:
                cycle = " -> ".join([*path[path.index(dep) :], dep])
                yield f"patterns.{dep}", f"patterns refer to each other in a cycle: {cycle}"
                return
            if dep not in length:
                path.append(dep)
                todo.append(list(deps[dep]))
