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
threshold without copying the rest; it may ``drop:`` inherited patterns (``_pack_layers``).

Every problem of a pack is reported in one error: structure and cross-references together,
each with the file, the key path as written and, for YAML, the line and column. Where an
entry fails its own validation, the other entries are still checked; references to it are
not reported twice.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationError

from labinterp._cache import cached_build
from labinterp._errors import PackError, PackWarning
from labinterp._notebook_views import NotebookViews, short_repr
from labinterp._pack_layers import (
    MERGED_SECTIONS,
    ExtendStep,
    MergedPack,
    PackText,
    merge_documents,
)
from labinterp._pack_loading import (
    bundled_pack_file,
    bundled_pack_names,
    locate_pack,
    read_pack_data,
)
from labinterp._pack_models import (
    EVERYONE,
    SCHEMA_VERSION,
    STANDARD_DISCLAIMER,
    AgeUnknown,
    CheckedOn,
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
    problems_error,
    structure_problems,
)
from labinterp._pack_patterns import (
    CLASS_ID_PATTERN,
    AllOf,
    AnyOf,
    ClassificationSpec,
    ClassSpec,
    ContextRef,
    Criterion,
    GreyZone,
    MissingRef,
    NotOf,
    OtherwiseSpec,
    PatternRef,
    PatternSpec,
    ReferencePosition,
    ReferenceRef,
    ThresholdRef,
)
from labinterp._pack_references import (
    Broken,
    class_finding_id,
    cross_reference_problems,
    drop_problems,
    entry_key,
    listed_words,
    pattern_dependencies,
    pattern_like_ids,
    referrers_of,
    replaced_with_referrers,
)

__all__ = [
    "AgeUnknown",
    "AllOf",
    "AnyOf",
    "ClassSpec",
    "ClassificationSpec",
    "ContextRef",
    "Criterion",
    "Cutoff",
    "GreyZone",
    "Interval",
    "MissingRef",
    "NotCovered",
    "NotOf",
    "OtherwiseSpec",
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
    "checked_when_loaded",
    "class_finding_id",
    "default_pack",
    "dump_pack",
    "extend_pack",
    "load_pack",
    "pack_json_schema",
    "pattern_dependencies",
    "pattern_like_ids",
]


class Pack(StrictModel, NotebookViews):
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
    checked: CheckedOn | None = Field(
        default=None,
        description="the day the pack's entries were last checked against their sources; an "
        "entry's own 'checked' overrides it",
    )
    drop: list[str] = Field(
        default_factory=list,
        description="ids of inherited patterns or classifications this pack leaves out "
        "(only with extends)",
    )
    overrides: list[str] = Field(
        default_factory=list,
        description="ids of inherited patterns or classifications this pack replaces on "
        "purpose, although other inherited patterns refer to them (only with extends)",
    )
    population: Population = Field(
        default=EVERYONE,
        description="whom the thresholds are for; a standalone pack that leaves it out is for "
        "everyone, a pack that extends another inherits the other's",
    )
    use_lab_reference_intervals: bool = True
    inflammation_pattern: str | None = None
    disclaimer: str = Field(
        default=STANDARD_DISCLAIMER,
        description="shown with every interpretation; a standalone pack that leaves it out "
        "gets labinterp's standard educational disclaimer, a pack that extends another "
        "inherits the other's",
    )
    sources: dict[str, Source]
    thresholds: dict[str, ThresholdSpec] = Field(default_factory=dict)
    reference_intervals: dict[str, ReferenceSpec] = Field(default_factory=dict)
    patterns: dict[str, PatternSpec] = Field(default_factory=dict)
    classifications: dict[Annotated[str, Field(pattern=CLASS_ID_PATTERN)], ClassificationSpec] = (
        Field(
            default_factory=dict,
            description="ordered, mutually exclusive classes with an 'otherwise'; each class is "
            "a finding '<classification>.<class>'",
        )
    )

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate a pack from Python data, cross-references included (raises PackError
        listing every problem)."""
        if cls is Pack and isinstance(obj, Mapping) and not args and not kwargs:
            check_input_shape(obj, "Pack")
            pack: Self = _validated(MergedPack(dict(obj), [PackText("Pack")]), "Pack")  # type: ignore[assignment]  # cls is Pack
            return pack
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

    # --- notebooks (the views themselves come from NotebookViews) -------------------------

    def __repr__(self) -> str:
        text = (
            f"Pack(name={self.name!r}, version={self.version!r}, "
            f"patterns={len(self.patterns)}, thresholds={len(self.thresholds)})"
        )
        return short_repr(text)


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
    # Validated once and then stored (see labinterp._cache): later processes skip the
    # validation and the cross-reference checks, which gave the same answer. Bundled packs
    # load without warnings (a test holds them to it), so none is lost on that path.
    build = partial(_load_path, bundled_pack_file(name), extends_root=None)
    pack = cached_build(f"pack-{name}", build, Pack)
    _CHECKED_BUNDLED[id(pack)] = pack
    return pack


# The bundled packs as loaded, by id. They are kept alive here (as by _load_bundled's cache),
# so an id is never reused by another object.
_CHECKED_BUNDLED: dict[int, Pack] = {}


def checked_when_loaded(pack: Pack) -> bool:
    """Whether ``pack`` is a bundled pack as loaded, whose checks were done when it was
    built: :func:`check_pack` would find nothing."""
    return _CHECKED_BUNDLED.get(id(pack)) is pack


def _load_path(path: Path, *, extends_root: Path | None) -> Pack:
    merged = read_pack_data(path, extends_root=extends_root, pack_keys=_PACK_KEYS)
    return _validated(merged, str(path), stacklevel=3)


_PACK_KEYS = frozenset(f.alias or name for name, f in Pack.model_fields.items())


def extend_pack(base: Pack, changes: Mapping[str, Any]) -> Pack:
    """A new pack from ``base`` with whole entries replaced or added, validated like a file.

    ``changes`` has the shape of a pack file and must give ``name`` and ``version`` (a derived
    pack is a different pack). Sections (``sources``, ``thresholds``, ``reference_intervals``,
    ``patterns``, ``classifications``) are merged by key; ``drop`` removes inherited patterns
    or classifications; other keys replace the base's.
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
    # The base's own drop and overrides were applied when it was built; they are not the
    # derived pack's.
    raw.pop("drop", None)
    raw.pop("overrides", None)
    merged = merge_documents(
        [
            (PackText(f"base pack {base.name!r}"), raw),
            (PackText("changes"), {**changes, "extends": base.name}),
        ]
    )
    return _validated(merged, f"<extend_pack {str(changes['name'])[:80]!r}>", stacklevel=2)


def default_pack() -> Pack:
    """The bundled default pack, built from the seed documents (loaded once)."""
    return _load_bundled("default")


def dump_pack(pack: Pack) -> str:
    """The pack as YAML text that :func:`load_pack` reads back to an equal pack."""
    _require_pack(pack, "dump_pack")
    full = pack.model_dump(mode="json", by_alias=True)
    lean = pack.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    # A pack that extends another inherits what it leaves out, so it writes these out even
    # when they equal the defaults: otherwise the base's would come back on reading.
    written = {*lean, *(_INHERITED_KEYS if pack.extends else ())}
    data = {key: value for key, value in full.items() if key in written}
    data = {key: lean.get(key, value) for key, value in data.items()}
    data["schema_version"] = SCHEMA_VERSION
    import yaml  # here: only dumping needs PyYAML on a start that finds the cache

    return yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False, allow_unicode=True)


_INHERITED_KEYS = frozenset(
    {
        "description",
        "checked",
        "population",
        "use_lab_reference_intervals",
        "inflammation_pattern",
        "disclaimer",
    }
)


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
    message; it defaults to the pack's name. Every problem is listed in one PackError.
    """
    _require_pack(pack, "check_pack")
    problems = list(cross_reference_problems(pack))
    if problems:
        raise problems_error(where or f"pack {pack.name!r}", problems)


# A problem of a merged pack: the document it is in (None: where its key path was last
# written), its key path as written, and what is wrong.
_Located = tuple[int | None, str, str]
# Top-level keys whose problems leave every cross-reference checkable: a placeholder (or the
# default) stands in for them while the rest is checked.
_PLACEHOLDERS: Mapping[str, object] = {"name": "pack", "version": "0", "title": ""}
_INERT_KEYS = frozenset(
    {
        "schema_version",
        "description",
        "extends",
        "checked",
        "disclaimer",
        "use_lab_reference_intervals",
        "drop",
        "overrides",
    }
)


def _validated(merged: MergedPack, where: str, stacklevel: int = 1) -> Pack:
    """Validate the whole pack: structure, cross-references, coverage and what ``drop``
    and ``overrides`` say, all reported together; then warn about replaced patterns that
    inherited patterns refer to.

    ``merged.data`` is bounded already: read from files without aliases and within the size
    limit, or checked by :func:`check_input_shape`. ``stacklevel`` is how many calls up the
    caller of the public function is, for the warning's place.
    """
    note = None
    try:
        # pydantic's own entry point, so that the error can name the file or caller.
        pack: Pack | None = Pack.__pydantic_validator__.validate_python(merged.data)
        problems: list[_Located] = []
        broken: dict[str, set[str]] = {}
    except ValidationError as exc:
        problems = [(None, path, message) for path, message in structure_problems(exc)]
        pack, broken, note = _salvage(merged.data, exc)
    if pack is not None:
        # What a drop removed is reported at the drop, not at each reference to it.
        dropped = {pid for step in merged.steps for _, pid in step.drop} | set(pack.drop)
        skip = Broken(entries=broken, dropped=dropped)
        problems += [(None, path, text) for path, text in cross_reference_problems(pack, skip)]
        problems += list(drop_problems(pack, merged.steps))
        if broken and note is None:
            count = sum(len(ids) for ids in broken.values())
            note = (
                f"the references inside the {count} "
                f"{'entry that does' if count == 1 else 'entries that do'} not validate were "
                "not checked; they will be once the entries validate"
            )
    problems += [(doc, path, text) for doc, path, text in merged.problems]
    if problems:
        raise problems_error(
            where,
            [(path, message) for _, path, message in problems],
            places=lambda i: merged.place(problems[i][1], problems[i][0]),
            note=note,
        )
    assert pack is not None  # no problems: the pack validated
    _warn_about_replacements(pack, merged, where, stacklevel + 2)
    return pack


def _salvage(
    data: Mapping[str, Any], exc: ValidationError
) -> tuple[Pack | None, dict[str, set[str]], str | None]:
    """The pack without the entries that failed validation, so that the rest can still be
    checked; or None, with why, when what failed is needed to check anything else."""
    kept = dict(data)
    broken: dict[str, set[str]] = {}
    for err in exc.errors():
        loc = err["loc"]
        head = loc[0] if loc else None
        if not isinstance(head, str):
            return None, {}, _not_checked("the pack is not a mapping of pack keys")
        if head in MERGED_SECTIONS:
            section = kept.get(head)
            if len(loc) < 2 or not isinstance(section, Mapping) or loc[1] not in section:
                return None, {}, _not_checked(f"{head} is missing or not a mapping")
            broken.setdefault(head, set()).add(str(loc[1]))
        elif head in _PLACEHOLDERS:
            kept[head] = _PLACEHOLDERS[head]
        elif head in _INERT_KEYS or head not in Pack.model_fields:
            kept.pop(head, None)
        else:  # population or inflammation_pattern: every threshold's coverage depends on it
            return None, {}, _not_checked(f"{head} is not valid")
    for section, ids in broken.items():
        kept[section] = {k: v for k, v in kept[section].items() if k not in ids}
    try:
        pack = Pack.__pydantic_validator__.validate_python(kept)
    except ValidationError:  # pragma: no cover - every error above was taken out
        return None, {}, _not_checked("the pack's structure could not be repaired")
    return pack, broken, None


def _not_checked(why: str) -> str:
    return f"cross-references and coverage were not checked, because {why}; fix that first"


def _warn_about_replacements(pack: Pack, merged: MergedPack, where: str, stacklevel: int) -> None:
    """A PackWarning for each inherited pattern or classification replaced by a different
    definition while inherited patterns still refer to it (and ``overrides`` does not say
    so): their results now follow the new definition."""
    if not any(step.replaced for step in merged.steps):
        return
    index = referrers_of(pack)
    for step in merged.steps:

        def inherited(pid: str, step: ExtendStep = step) -> bool:
            return merged.origins.get(entry_key(pack, pid), step.document) < step.document

        def changed(key: tuple[str, str], step: ExtendStep = step) -> bool:
            # Replaced by this step (not again by a later one) with another meaning.
            old = step.replaced[key]
            return merged.origins.get(key) == step.document and _differs(pack, key, old)

        for section, pid, referrers in replaced_with_referrers(
            pack, step, inherited, changed, index
        ):
            place = merged.place(f"{section}.{pid}", step.document)
            # The place names the file (and line) when it is one; else the caller does.
            head = place if place.startswith(where) else f"{where}: {place}" if place else where
            warnings.warn(
                _replacement_warning(head, section, pid, referrers), stacklevel=stacklevel
            )


def _replacement_warning(head: str, section: str, pid: str, referrers: list[str]) -> PackWarning:
    kind = "pattern" if section == "patterns" else "classification"
    verb = "refers" if len(referrers) == 1 else "refer"
    return PackWarning(
        f"{head}: {section}.{pid} replaces the inherited {kind} {pid!r}, which "
        f"{listed_words(referrers)} {verb} to; their results now follow the new definition. "
        f"If that is meant, say so with 'overrides: [{pid}]'"
    )


def _differs(pack: Pack, key: tuple[str, str], old: object) -> bool:
    """Whether the inherited entry ``old`` (raw data) means something else than the pack's."""
    section, pid = key
    model: type[PatternSpec] | type[ClassificationSpec] = (
        PatternSpec if section == "patterns" else ClassificationSpec
    )
    current = getattr(pack, section).get(pid)
    try:
        before = model.__pydantic_validator__.validate_python(old)
    except ValidationError:
        return True
    return bool(before != current)
