"""Threshold packs: cited thresholds and declarative patterns, kept as data.

A pack is a YAML file validated *whole and early* by the pydantic models below: unknown keys
are refused, types are strict, and every cross-reference (analyte, unit, source, threshold,
pattern) is checked when the pack loads, with errors that name the file and the key path.
The criteria vocabulary is closed (``all``/``any``/``not``, a threshold, a position against a
reference interval, another pattern's result): no expressions, no code in data.

A pack may ``extends:`` another (a bundled name or a relative path) and then replaces whole
entries by key, so a user can override one threshold without copying the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from labinterp._analytes import ANALYTES
from labinterp._errors import LabinterpError, PackError, did_you_mean
from labinterp._panel import Comparator
from labinterp._resources import bundled_packs_dir

__all__ = [
    "AllOf",
    "AnyOf",
    "Criterion",
    "Cutoff",
    "Interval",
    "NotOf",
    "Pack",
    "PatternRef",
    "PatternSpec",
    "Population",
    "ReferenceIntervalSpec",
    "ReferencePosition",
    "ReferenceSpec",
    "Source",
    "ThresholdRef",
    "ThresholdSpec",
    "When",
    "bundled_pack_names",
    "check_pack",
    "default_pack",
    "dump_pack",
    "extend_pack",
    "load_pack",
    "pack_json_schema",
]

SCHEMA_VERSION: Literal[1] = 1
# Cut-off values must be real numbers: YAML's .nan and .inf would make a rule meaningless.
Finite = Annotated[float, Field(allow_inf_nan=False)]
Confidence = Literal["verified", "established", "uncertain"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Source(_Strict):
    """A document or guideline a threshold comes from, cited by title and year."""

    title: str = Field(min_length=3)
    year: int | None = Field(default=None, ge=1900, le=2100)
    kind: Literal[
        "seed document",
        "guideline",
        "population guideline",
        "review",
        "review article",
        "textbook",
        "primary study",
        "dataset",
        "laboratory",
    ] = Field(
        description="what the source is; 'population guideline' for cut-offs written to assess "
        "groups, 'laboratory' for a laboratory's published reference interval"
    )
    note: str = ""

    def citation(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


def _check_age_band(age_min: float | None, age_max: float | None) -> None:
    if age_min is not None and age_max is not None and age_min >= age_max:
        raise ValueError(f"age_min ({age_min:g}) must be below age_max ({age_max:g})")


class When(_Strict):
    """The patient context a cut-off applies to. A field left out applies to every value.

    ``age_min`` is inclusive and ``age_max`` exclusive (years), as WHO writes age bands.
    ``inflammation`` refers to the pack's inflammation pattern.
    """

    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = None
    trimester: list[Literal[1, 2, 3]] | None = Field(default=None, min_length=1)
    age_min: float | None = Field(default=None, ge=0)
    age_max: float | None = Field(default=None, gt=0)
    inflammation: bool | None = None

    @model_validator(mode="after")
    def _age_band(self) -> Self:
        _check_age_band(self.age_min, self.age_max)
        return self

    def describe(self) -> str:
        parts: list[str] = []
        if self.sex:
            parts.append(self.sex)
        if self.pregnant is not None:
            parts.append("pregnant" if self.pregnant else "not pregnant")
        if self.trimester:
            parts.append("trimester " + "/".join(map(str, self.trimester)))
        if self.age_min is not None:
            parts.append(f"age >= {self.age_min:g} y")
        if self.age_max is not None:
            parts.append(f"age < {self.age_max:g} y")
        if self.inflammation is not None:
            parts.append("with inflammation" if self.inflammation else "without inflammation")
        return ", ".join(parts) or "everyone"


class Interval(_Strict):
    """A band with explicit inclusivity at each end."""

    low: Finite
    high: Finite
    low_inclusive: bool
    high_inclusive: bool

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Cutoff(_Strict):
    """One cut-off: a comparator and value, or an interval, in a unit of the analyte."""

    when: When = Field(default_factory=When)
    comparator: Comparator | None = None
    value: Finite | None = None
    interval: Interval | None = None
    unit: str
    source: str | None = Field(default=None, description="overrides the threshold's source")
    confidence: Confidence | None = Field(
        default=None, description="overrides the threshold's confidence"
    )
    note: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        simple = self.comparator is not None and self.value is not None
        if simple == (self.interval is not None) or (
            (self.comparator is None) != (self.value is None)
        ):
            raise ValueError("give either 'comparator' with 'value', or 'interval', not both")
        return self


class ThresholdSpec(_Strict):
    """A named threshold on one analyte, with one cut-off per patient context."""

    analyte: str
    source: str | None = None
    confidence: Confidence
    note: str = ""
    cutoffs: list[Cutoff] = Field(min_length=1)


class ReferenceIntervalSpec(_Strict):
    """A population reference interval (both ends inclusive, as labs print them)."""

    when: When = Field(default_factory=When)
    low: Finite | None = None
    high: Finite | None = None
    critical_low: Finite | None = None
    critical_high: Finite | None = None
    critical_source: str | None = Field(
        default=None, description="the source of the critical limits, when it differs"
    )
    unit: str
    source: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low is None and self.high is None:
            raise ValueError("give at least one of 'low' and 'high'")
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.critical_low is not None and self.low is not None and self.critical_low > self.low:
            raise ValueError("critical_low must not be above low")
        if (
            self.critical_high is not None
            and self.high is not None
            and self.critical_high < self.high
        ):
            raise ValueError("critical_high must not be below high")
        return self


class ReferenceSpec(_Strict):
    """Reference intervals for one analyte, used for flags and reference-position criteria."""

    source: str | None = None
    confidence: Confidence
    note: str = ""
    intervals: list[ReferenceIntervalSpec] = Field(min_length=1)


# --- criteria ---------------------------------------------------------------------------------


class ThresholdRef(_Strict):
    threshold: str


class ReferencePosition(_Strict):
    analyte: str
    position: Literal["below", "within", "above"]


class ReferenceRef(_Strict):
    reference: ReferencePosition


class PatternRef(_Strict):
    pattern: str


class AllOf(_Strict):
    all: list[Criterion] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Criterion] = Field(min_length=1)


class NotOf(_Strict):
    not_: Criterion = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


Criterion = Annotated[
    ThresholdRef | ReferenceRef | PatternRef | AllOf | AnyOf | NotOf,
    Field(union_mode="smart"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


class PatternSpec(_Strict):
    """A named pattern: criteria that decide it and criteria reported as supporting evidence."""

    label: str = Field(min_length=2, description="a noun phrase: 'iron deficiency'")
    kind: Literal["pattern", "note"] = "pattern"
    description: str = ""
    criteria: Criterion
    supporting: list[Criterion] = Field(default_factory=list)
    decisive_tests: list[str] = Field(
        default_factory=list, description="tests that would help when the pattern is undecided"
    )
    note: str = ""


class Population(_Strict):
    """Whom the pack's thresholds were written for."""

    age_min: float | None = Field(default=None, ge=0)
    age_max: float | None = Field(default=None, gt=0)
    description: str

    @model_validator(mode="after")
    def _age_band(self) -> Self:
        _check_age_band(self.age_min, self.age_max)
        return self


class Pack(_Strict):
    """A validated threshold pack. Build it with :func:`load_pack` or :func:`default_pack`."""

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
        """Validate a pack from Python data; problems raise :class:`PackError`."""
        try:
            pack = super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise _format_validation(Path("<Pack.model_validate>"), exc) from None
        check_pack(pack)
        return pack


def pack_json_schema() -> dict[str, Any]:
    """The JSON Schema of a pack file, for editors (committed as reference_ranges/)."""
    schema = Pack.model_json_schema(by_alias=True)
    schema["$id"] = "https://labinterp.invalid/pack.schema.json"
    schema["title"] = "labinterp threshold pack"
    return schema


# --- loading ----------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (YAML would silently keep the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be plain text, got {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(f"{path}: cannot read pack: {exc.strerror}", field=str(path)) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise PackError(f"{path}: not valid YAML: {exc}", field=str(path)) from None
    if not isinstance(data, dict):
        raise PackError(f"{path}: a pack must be a YAML mapping", field=str(path))
    return data


_MERGED_SECTIONS = ("sources", "thresholds", "reference_intervals", "patterns")


def _merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if key in _MERGED_SECTIONS and isinstance(value, Mapping):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def _resolve_extends(ref: str, relative_to: Path) -> Path:
    bundled = bundled_packs_dir() / f"{ref}.yaml"
    if "/" not in ref and not ref.endswith((".yaml", ".yml")) and bundled.is_file():
        return bundled
    candidate = (relative_to.parent / ref).resolve()
    if candidate.is_file():
        return candidate
    hint = did_you_mean(ref, bundled_pack_names())
    raise PackError(
        f"{relative_to}: extends: no bundled pack or file named {ref!r}"
        + (f"; did you mean {hint!r}?" if hint else f"; bundled: {_bundled_list()}"),
        field="extends",
        value=ref,
        suggestion=hint,
    )


def _bundled_list() -> str:
    return ", ".join(bundled_pack_names())


def _raw_with_parents(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, path))
        raise PackError(f"{path}: extends forms a cycle: {cycle}", field="extends")
    raw = _read_yaml(path)
    parent = raw.get("extends")
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise PackError(f"{path}: extends: expected a pack name or path", field="extends")
    base = _raw_with_parents(_resolve_extends(parent, path), (*chain, path))
    return _merge(base, raw)


def _format_validation(path: Path, exc: ValidationError) -> PackError:
    lines = []
    for err in exc.errors()[:10]:
        loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(
            ".[", "["
        )
        # A failed union lists every branch; the message is what matters to the pack author.
        lines.append(f"  {loc or '<root>'}: {err['msg']}")
    more = f"\n  ... and {exc.error_count() - 10} more" if exc.error_count() > 10 else ""
    return PackError(
        f"{path}: the pack does not validate:\n" + "\n".join(lines) + more,
        field=str(exc.errors()[0]["loc"]),
        expected=exc.errors()[0]["msg"],
    )


def load_pack(path: str | Path) -> Pack:
    """Load and validate a pack file (or a bundled pack by name, such as ``"default"``).

    Bundled packs are loaded once and shared; a file is read again on every call, since it
    may have changed.
    """
    if not isinstance(path, str | Path) or not str(path).strip():
        raise PackError(
            f"a pack is a bundled name such as 'default' or a path to a YAML file, got {path!r}",
            field="pack",
            value=path,
            expected="a pack name or a file path",
        )
    p = Path(path)
    # A bare name (no separator, no suffix) is a bundled pack; anything else is a path.
    name = path if isinstance(path, str) else ""
    if re.fullmatch(r"[a-z][a-z0-9_]*", name) and not p.exists():
        bundled = bundled_packs_dir() / f"{name}.yaml"
        if bundled.is_file():
            return _load_bundled(name)
        hint = did_you_mean(name, bundled_pack_names())
        raise PackError(
            f"no bundled pack named {name!r}"
            + (f"; did you mean {hint!r}?" if hint else "")
            + f" (bundled: {', '.join(bundled_pack_names())})",
            field="pack",
            value=path,
            suggestion=hint,
        )
    return _load_path(p.resolve())


@cache
def _load_bundled(name: str) -> Pack:
    return _load_path(bundled_packs_dir() / f"{name}.yaml")


def _load_path(path: Path) -> Pack:
    return _validated(_raw_with_parents(path), path)


def _validated(raw: Mapping[str, Any], where: Path) -> Pack:
    """Validate the whole pack: its structure first, then every cross-reference."""
    try:
        # pydantic's own entry point, so that the error can name the file or caller.
        pack: Pack = Pack.__pydantic_validator__.validate_python(raw)
    except ValidationError as exc:
        raise _format_validation(where, exc) from None
    check_pack(pack, where=str(where))
    return pack


def extend_pack(base: Pack, changes: Mapping[str, Any]) -> Pack:
    """A new pack from ``base`` with whole entries replaced or added, validated like a file.

    ``changes`` has the shape of a pack file and must give ``name`` and ``version`` (a derived
    pack is a different pack). Sections (``sources``, ``thresholds``, ``reference_intervals``,
    ``patterns``) are merged by key; other keys replace the base's.
    """
    missing = [key for key in ("name", "version") if key not in changes]
    if missing:
        raise PackError(
            f"extend_pack: give {' and '.join(missing)} for the derived pack",
            field=missing[0],
            expected="a new name and version",
        )
    raw = base.model_dump(mode="json", by_alias=True)
    merged = _merge(raw, {**changes, "extends": base.name})
    return _validated(merged, Path(f"<extend_pack {changes['name']}>"))


def check_pack(pack: Pack, *, where: str | None = None) -> None:
    """Check a pack's cross-references (done by every loader; for packs built directly).

    ``where`` names the file or caller in the message; it defaults to the pack's name.
    """
    problems = list(_cross_reference_problems(pack))
    if problems:
        raise PackError(
            f"{where or f'pack {pack.name!r}'}: the pack does not validate:\n"
            + "\n".join(f"  {p}" for p in problems),
            field=problems[0].split(":", 1)[0],
        )


def default_pack() -> Pack:
    """The bundled default pack, built from the seed documents (loaded once)."""
    return _load_bundled("default")


def bundled_pack_names() -> list[str]:
    """Names of the packs shipped with labinterp."""
    return sorted(p.stem for p in bundled_packs_dir().glob("*.yaml"))


def _cross_reference_problems(pack: Pack) -> Iterator[str]:
    """Every reference in the pack must resolve; collected so one load reports them all."""
    for tid, spec in pack.thresholds.items():
        where = f"thresholds.{tid}"
        yield from _analyte_problems(where, spec.analyte)
        if spec.analyte not in ANALYTES:
            continue
        for i, cut in enumerate(spec.cutoffs):
            yield from _unit_problems(f"{where}.cutoffs[{i}].unit", spec.analyte, cut.unit)
            yield from _source_problems(f"{where}.cutoffs[{i}]", pack, cut.source or spec.source)
            if cut.when.inflammation is not None and pack.inflammation_pattern is None:
                yield (
                    f"{where}.cutoffs[{i}].when.inflammation: the pack names no "
                    "inflammation_pattern"
                )
    for aid, ref in pack.reference_intervals.items():
        where = f"reference_intervals.{aid}"
        yield from _analyte_problems(where, aid)
        if aid not in ANALYTES:
            continue
        for i, ri in enumerate(ref.intervals):
            yield from _unit_problems(f"{where}.intervals[{i}].unit", aid, ri.unit)
            yield from _source_problems(f"{where}.intervals[{i}]", pack, ri.source or ref.source)
            if ri.when.inflammation is not None and pack.inflammation_pattern is None:
                yield (
                    f"{where}.intervals[{i}].when.inflammation: the pack names no "
                    "inflammation_pattern"
                )
            if ri.critical_source is not None:
                yield from _source_problems(
                    f"{where}.intervals[{i}].critical", pack, ri.critical_source
                )
    if pack.inflammation_pattern and pack.inflammation_pattern not in pack.patterns:
        yield f"inflammation_pattern: no pattern named {pack.inflammation_pattern!r}"
    for pid, pattern in pack.patterns.items():
        for j, crit in enumerate([pattern.criteria, *pattern.supporting]):
            where = f"patterns.{pid}." + ("criteria" if j == 0 else f"supporting[{j - 1}]")
            yield from _criterion_problems(where, pack, crit)
    yield from _cycle_problems(pack)


def _analyte_problems(where: str, analyte: str) -> Iterator[str]:
    if analyte not in ANALYTES:
        hint = did_you_mean(analyte, ANALYTES)
        yield f"{where}: unknown analyte {analyte!r}" + (
            f"; did you mean {hint!r}?" if hint else ""
        )


def _unit_problems(where: str, analyte: str, unit: str) -> Iterator[str]:
    try:
        ANALYTES[analyte].resolve_unit(unit)
    except LabinterpError as exc:
        yield f"{where}: {exc}"


def _source_problems(where: str, pack: Pack, source: str | None) -> Iterator[str]:
    if source is None:
        yield f"{where}: no source; every threshold must cite one (document title or guideline)"
    elif source not in pack.sources:
        hint = did_you_mean(source, pack.sources)
        yield f"{where}.source: unknown source {source!r}" + (
            f"; did you mean {hint!r}?" if hint else ""
        )


def _criterion_problems(where: str, pack: Pack, crit: Criterion) -> Iterator[str]:
    match crit:
        case ThresholdRef(threshold=tid) if tid not in pack.thresholds:
            hint = did_you_mean(tid, pack.thresholds)
            yield f"{where}.threshold: unknown threshold {tid!r}" + (
                f"; did you mean {hint!r}?" if hint else ""
            )
        case ReferenceRef(reference=ReferencePosition(analyte=aid)):
            yield from _analyte_problems(f"{where}.reference.analyte", aid)
        case PatternRef(pattern=pid) if pid not in pack.patterns:
            hint = did_you_mean(pid, pack.patterns)
            yield f"{where}.pattern: unknown pattern {pid!r}" + (
                f"; did you mean {hint!r}?" if hint else ""
            )
        case AllOf(all=items) | AnyOf(any=items):
            key = "all" if isinstance(crit, AllOf) else "any"
            for i, item in enumerate(items):
                yield from _criterion_problems(f"{where}.{key}[{i}]", pack, item)
        case NotOf(not_=inner):
            yield from _criterion_problems(f"{where}.not", pack, inner)
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
                if pack.inflammation_pattern and any(
                    c.when.inflammation is not None for c in pack.thresholds[tid].cutoffs
                ):
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

    for crit in [spec.criteria, *spec.supporting]:
        walk(crit)
    return deps


def _cycle_problems(pack: Pack) -> Iterator[str]:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(pid: str) -> Iterator[str]:
        if pid in done or pid not in pack.patterns:
            return
        if pid in visiting:
            cycle = " -> ".join([*visiting[visiting.index(pid) :], pid])
            yield f"patterns.{pid}: patterns refer to each other in a cycle: {cycle}"
            return
        visiting.append(pid)
        for dep in sorted(pattern_dependencies(pack, pid)):
            yield from visit(dep)
        visiting.pop()
        done.add(pid)

    for pid in pack.patterns:
        yield from visit(pid)


def dump_pack(pack: Pack) -> str:
    """The pack as YAML text that :func:`load_pack` reads back to an equal pack."""
    data = pack.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["schema_version"] = SCHEMA_VERSION
    return yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False, allow_unicode=True)
