"""Reading the analyte catalog file (``labinterp/catalog/analytes.yaml``) and checking all of it.

The catalog is data, like the threshold packs: a YAML file whose header explains every key.
It is validated whole, by strict pydantic models (unknown keys refused) and then by the checks
that span entries (aliases unique across the catalog, a derived index's inputs in the catalog
...). Every problem found is reported at once, each with the file and its key path, as a
:class:`CatalogError`. Nothing in the file is executed.

:mod:`labinterp._analytes` imports this module only when the catalog is first used, so that
``import labinterp`` does not pay for these models or for reading the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from labinterp._analyte_types import (
    Analyte,
    Catalog,
    Derivation,
    DifferentTest,
    LoincCode,
    MolarMass,
    PlausibleRange,
    loinc_check_digit_ok,
    name_key,
)
from labinterp._errors import CatalogError, LabinterpError, shorten
from labinterp._formulas import FORMULAS
from labinterp._units import Dimension, dimension_of, normalize_unit

__all__ = ["CATALOG_FILE", "Catalog", "DifferentTest", "load_catalog", "parse_catalog"]

#: The catalog shipped inside the package (it is package data, so wheels carry it).
CATALOG_FILE = Path(__file__).resolve().parent / "catalog" / "analytes.yaml"

#: A derived index is a plain number; its cut-offs are written with this unit.
INDEX_UNIT = "1"
_ID = re.compile(r"[a-z][a-z0-9_]*")
_BOTH = frozenset({Dimension.MASS_CONCENTRATION, Dimension.SUBSTANCE_CONCENTRATION})
# A guard for derived indices, which are computed from checked inputs and never read.
_COMPUTED = PlausibleRange(
    0.0, float("inf"), "computed by labinterp from checked measurements; never read as input"
)


# --- the file's shape ---------------------------------------------------------------------------

Text = Annotated[str, Field(strict=True, min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]
# Dimensions are written by their names ("mass concentration"); strictness off for the enum.
DimensionName = Annotated[Dimension, Field(strict=False)]


class _Strict(BaseModel):
    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class LoincSpec(_Strict):
    code: Text
    property: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z]+$")]
    long_name: Text
    uncertain: bool = False

    @field_validator("code")
    @classmethod
    def _check_digit(cls, code: str) -> str:
        if not loinc_check_digit_ok(code):
            raise ValueError(
                f"LOINC code {code!r} fails its check digit (or is not of the form '12345-6')"
            )
        return code


class MolarMassSpec(_Strict):
    grams_per_mole: Annotated[Number, Field(gt=0)]
    substance: Text
    source: Text
    uncertain: bool = False


class PlausibleSpec(_Strict):
    low: Annotated[Number, Field(ge=0)]
    high: Number
    low_exclusive: bool = False
    reasoning: Annotated[str, Field(strict=True, min_length=20)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low < self.high:
            raise ValueError(f"low {self.low:g} must be below high {self.high:g}")
        return self


class DerivedSpec(_Strict):
    function: Text
    inputs: Annotated[list[Text], Field(min_length=1)]
    formula: Text
    source: Text


class AnalyteSpec(_Strict):
    display_name: Text
    aliases: list[Text] = Field(default_factory=list)
    loinc: list[LoincSpec] = Field(default_factory=list)
    canonical_unit: Text
    dimensions: Annotated[list[DimensionName], Field(min_length=1)]
    common_units: Annotated[list[Text], Field(min_length=1)]
    molar_mass: MolarMassSpec | None = None
    plausible: PlausibleSpec | None = None
    note: Annotated[str, Field(strict=True)] = ""
    dimension_hints: dict[DimensionName, Text] = Field(default_factory=dict)
    derived: DerivedSpec | None = None
    derivable: DerivedSpec | None = None


class DifferentTestSpec(_Strict):
    what: Text
    mistaken_for: Text
    names: Annotated[list[Text], Field(min_length=1)]


class CatalogSpec(_Strict):
    schema_version: Literal[1]
    analytes: Annotated[dict[Text, AnalyteSpec], Field(min_length=1)]
    different_tests: list[DifferentTestSpec] = Field(default_factory=list)


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Read and check a catalog file; :class:`CatalogError` names the file and key path."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(
            f"{path}: cannot read the analyte catalog: {exc}", field=None, expected="a file"
        ) from None
    return parse_catalog(text, str(path))


def parse_catalog(text: str, label: str) -> Catalog:
    """Check catalog ``text`` (``label`` names it in messages) and build its analytes."""
    data = _read_yaml(text, label)
    try:
        spec = CatalogSpec.model_validate(data)
    except ValidationError as exc:
        raise _report(label, [_pydantic_problem(err) for err in exc.errors()]) from None
    problems = list(_cross_problems(spec))
    if problems:
        raise _report(label, problems)
    return Catalog(
        analytes=tuple(_analyte(aid, entry) for aid, entry in spec.analytes.items()),
        different_tests=MappingProxyType(
            {
                name: DifferentTest(test.what, test.mistaken_for)
                for test in spec.different_tests
                for name in test.names
            }
        ),
    )


# --- reading ------------------------------------------------------------------------------------

# libyaml's parser when it is installed: several times faster than PyYAML's own.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """A safe loader that refuses a key given twice (YAML keeps the last one silently)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {shorten(key)} is given twice", mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _read_yaml(text: str, label: str) -> object:
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise CatalogError(
            f"{label}: not valid YAML{where}: {exc.problem or exc.context}",
            expected="a YAML mapping",
        ) from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{label}: not valid YAML: {exc}", expected="a YAML mapping") from None


# --- reporting ----------------------------------------------------------------------------------

_Problem = tuple[str, str]


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_problem(err: Mapping[str, Any]) -> _Problem:
    loc = tuple(err["loc"])
    # A dict key that fails its own type is reported at "[key]"; show where it is written.
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
    return _dotted(loc), str(err["msg"]).removeprefix("Value error, ")


def _report(label: str, problems: list[_Problem]) -> CatalogError:
    shown = problems[:20]
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    body = "\n".join(f"  {path or '<root>'}: {message}" for path, message in shown)
    return CatalogError(
        f"{label}: the analyte catalog does not validate:\n{body}{more}",
        field=shown[0][0] or None,
        expected=shown[0][1],
    )


# --- checks across keys and entries -------------------------------------------------------------


def _cross_problems(spec: CatalogSpec) -> Iterator[_Problem]:
    seen_names: dict[str, str] = {}  # name key -> where it was first given
    seen_loinc: dict[str, str] = {}
    seen_display: dict[str, str] = {}
    for aid in spec.analytes:
        seen_names[aid] = f"analytes.{aid}"
    for aid, entry in spec.analytes.items():
        where = f"analytes.{aid}"
        if not _ID.fullmatch(aid):
            yield where, "an id is lower case letters, digits and '_', starting with a letter"
        shown = entry.display_name.casefold()
        if shown in seen_display:
            yield f"{where}.display_name", f"the same as {seen_display[shown]}"
        seen_display.setdefault(shown, f"{where}.display_name")
        for i, alias in enumerate(entry.aliases):
            yield from _name_problems(f"{where}.aliases[{i}]", alias, seen_names)
        for i, code in enumerate(entry.loinc):
            first = seen_loinc.setdefault(code.code, f"{where}.loinc[{i}]")
            if first != f"{where}.loinc[{i}]":
                yield f"{where}.loinc[{i}].code", f"{code.code} is also given at {first}"
        yield from _unit_problems(where, entry)
        yield from (_derived_problems if entry.derived else _measured_problems)(where, entry)
        if entry.derived is not None:
            yield from _inputs_problems(f"{where}.derived", entry.derived, spec)
        if entry.derivable is not None:
            if entry.derived is not None:
                yield f"{where}.derivable", "a derived index is always computed: no derivable"
            else:
                yield from _inputs_problems(f"{where}.derivable", entry.derivable, spec)
    for i, test in enumerate(spec.different_tests):
        for j, name in enumerate(test.names):
            yield from _name_problems(f"different_tests[{i}].names[{j}]", name, seen_names)


def _name_problems(where: str, name: str, seen: dict[str, str]) -> Iterator[_Problem]:
    key = name_key(name)
    if key != name:
        yield where, f"write {name!r} as it is compared: {key!r}"
    first = seen.setdefault(key, where)
    if first != where:
        yield where, f"{key!r} is already given at {first}"


def _unit_problems(where: str, entry: AnalyteSpec) -> Iterator[_Problem]:
    dims = set(entry.dimensions)
    if len(entry.dimensions) != len(dims):
        yield f"{where}.dimensions", "a dimension is listed twice"
    if len(dims) > 1 and dims != _BOTH:
        yield (
            f"{where}.dimensions",
            "two dimensions only as mass and substance concentration (joined by a molar mass)",
        )
    canonical, problem = _unit_dimension(entry.canonical_unit)
    if canonical is None:
        yield f"{where}.canonical_unit", problem
    elif entry.canonical_unit != normalize_unit(entry.canonical_unit):
        code = normalize_unit(entry.canonical_unit)
        yield f"{where}.canonical_unit", f"write the UCUM code {code!r}"
    elif canonical not in dims:
        yield f"{where}.canonical_unit", f"{entry.canonical_unit!r} is a {canonical}, not listed"
    if entry.common_units[0] != entry.canonical_unit:
        yield f"{where}.common_units[0]", "the first common unit must be the canonical unit"
    covered = set()
    for i, unit in enumerate(entry.common_units):
        dim, problem = _unit_dimension(unit)
        if dim is None:
            yield f"{where}.common_units[{i}]", problem
        elif dim not in dims:
            yield f"{where}.common_units[{i}]", f"{unit!r} is a {dim}, not listed in dimensions"
        else:
            covered.add(dim)
    for dim in sorted(dims - covered):
        yield f"{where}.common_units", f"no example unit for the dimension {dim.value!r}"
    for dim in entry.dimension_hints:
        if dim in dims:
            yield f"{where}.dimension_hints.{dim.value}", "a hint for an accepted dimension"
    if (entry.molar_mass is not None) != (dims == _BOTH):
        problem = (
            "no molar mass, but mass and substance units are both accepted"
            if entry.molar_mass is None
            else "a molar mass is used only where mass and substance units are both accepted"
        )
        yield f"{where}.molar_mass", problem


def _unit_dimension(unit: str) -> tuple[Dimension | None, str]:
    """The unit's dimension, or None and what is wrong with it."""
    try:
        return dimension_of(normalize_unit(unit)), ""
    except LabinterpError as exc:
        return None, str(exc)


def _measured_problems(where: str, entry: AnalyteSpec) -> Iterator[_Problem]:
    if entry.plausible is None:
        yield f"{where}.plausible", "a measured analyte needs a plausibility guard"
    if not entry.loinc:
        yield f"{where}.loinc", "a measured analyte needs at least one LOINC code"


def _derived_problems(where: str, entry: AnalyteSpec) -> Iterator[_Problem]:
    if entry.plausible is not None:
        yield f"{where}.plausible", "a derived index is computed, never read: no guard"
    if entry.canonical_unit != INDEX_UNIT or entry.common_units != [INDEX_UNIT]:
        yield f"{where}.canonical_unit", f"a derived index is a plain number, unit {INDEX_UNIT!r}"


def _inputs_problems(where: str, derived: DerivedSpec, spec: CatalogSpec) -> Iterator[_Problem]:
    formula = FORMULAS.get(derived.function)
    if formula is None:
        known = ", ".join(FORMULAS)
        yield f"{where}.function", f"no formula {derived.function!r}; known: {known}"
        return
    if tuple(derived.inputs) != formula.input_ids:
        yield (
            f"{where}.inputs",
            f"the formula {formula.name!r} reads {list(formula.input_ids)}, in that order",
        )
        return
    for i, (aid, unit) in enumerate(formula.inputs):
        entry = spec.analytes.get(aid)
        if entry is None:
            yield f"{where}.inputs[{i}]", f"no analyte {aid!r} in the catalog"
        elif entry.derived is not None:
            yield f"{where}.inputs[{i}]", f"{aid!r} is itself derived"
        elif entry.derivable is not None:
            yield f"{where}.inputs[{i}]", f"{aid!r} is itself computed when not reported"
        elif entry.canonical_unit != unit:
            yield (
                f"{where}.inputs[{i}]",
                f"the formula reads {aid} in {unit!r}, but its canonical unit is "
                f"{entry.canonical_unit!r}",
            )


# --- building -----------------------------------------------------------------------------------


def _analyte(aid: str, entry: AnalyteSpec) -> Analyte:
    mm = entry.molar_mass
    p = entry.plausible
    d = entry.derived
    dd = entry.derivable
    return Analyte(
        id=aid,
        display_name=entry.display_name,
        aliases=tuple(entry.aliases),
        loinc=tuple(LoincCode(c.code, c.long_name, c.property, c.uncertain) for c in entry.loinc),
        canonical_unit=entry.canonical_unit,
        dimensions=frozenset(entry.dimensions),
        common_units=tuple(entry.common_units),
        plausible=(
            _COMPUTED
            if p is None
            else PlausibleRange(p.low, p.high, _one_line(p.reasoning), p.low_exclusive)
        ),
        molar_mass=(
            None
            if mm is None
            else MolarMass(mm.grams_per_mole, mm.substance, _one_line(mm.source), mm.uncertain)
        ),
        note=_one_line(entry.note),
        dimension_hints=MappingProxyType(
            {dim: _one_line(text) for dim, text in entry.dimension_hints.items()}
        ),
        derived=(
            None
            if d is None
            else Derivation(d.function, tuple(d.inputs), _one_line(d.formula), _one_line(d.source))
        ),
        derivable=(
            None
            if dd is None
            else Derivation(
                dd.function, tuple(dd.inputs), _one_line(dd.formula), _one_line(dd.source)
            )
        ),
    )


def _one_line(text: str) -> str:
    """Text as one line with single spaces, however the YAML wrapped it."""
    return " ".join(text.split())
