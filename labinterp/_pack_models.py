"""The parts of a threshold pack as strict, frozen pydantic models, and their size limits.

Unknown keys are refused and types are strict. Every public constructor (``When(...)``,
``Cutoff.model_validate(...)``) raises :class:`PackError` with a dotted key path, never
pydantic's own error. Limits on nesting and size are checked before pydantic walks the input,
so that no input, however built, takes unbounded time or memory to validate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from labinterp._errors import PackError
from labinterp._panel import Comparator

__all__ = [
    "MAX_AGE",
    "MAX_CRITERIA_DEPTH",
    "MAX_CRITERIA_PER_PATTERN",
    "MAX_NESTING",
    "MAX_VALUES",
    "SCHEMA_VERSION",
    "AllOf",
    "AnyOf",
    "Criterion",
    "Cutoff",
    "Interval",
    "NotOf",
    "PatternRef",
    "PatternSpec",
    "Population",
    "ReferenceIntervalSpec",
    "ReferencePosition",
    "ReferenceRef",
    "ReferenceSpec",
    "Source",
    "StrictModel",
    "ThresholdRef",
    "ThresholdSpec",
    "When",
    "check_input_shape",
    "dotted",
    "validation_error",
]

SCHEMA_VERSION: Literal[1] = 1
#: The oldest age in years a panel may state (labinterp._panel refuses more); an age band or
#: population beyond it could never apply to anyone.
MAX_AGE = 130
#: How deeply all/any/not may nest in one pattern's criteria (real packs use two or three).
MAX_CRITERIA_DEPTH = 16
#: How many criteria one pattern may hold, counted as written out (shared parts count again).
MAX_CRITERIA_PER_PATTERN = 1_000
#: How deeply mappings and lists may nest anywhere in a pack (YAML or Python data).
MAX_NESTING = 64
#: How many values (mappings, lists and scalars, written out) a pack's data may hold.
MAX_VALUES = 500_000

# Cut-off values must be real numbers: YAML's .nan and .inf would make a rule meaningless.
Finite = Annotated[float, Field(allow_inf_nan=False)]
Confidence = Literal["verified", "established", "uncertain"]
AgeFrom = Annotated[float, Field(ge=0, le=MAX_AGE, description="years, inclusive")]
AgeUpTo = Annotated[float, Field(gt=0, le=MAX_AGE, description="years, exclusive")]


# --- errors -----------------------------------------------------------------------------------


def dotted(loc: Sequence[str | int]) -> str:
    """A key path as pack authors write it: ``thresholds.ferritin_low.cutoffs[0].unit``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _LocatedError(ValueError):
    """A validator's problem at a key path below the model it validates."""

    def __init__(self, subpath: str, problem: str) -> None:
        super().__init__(f"{subpath}: {problem}")
        self.subpath = subpath
        self.problem = problem


def _error_line(err: Mapping[str, Any]) -> tuple[str, str]:
    loc = dotted(err["loc"])
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, _LocatedError):
        return (f"{loc}.{original.subpath}" if loc else original.subpath), original.problem
    # pydantic prefixes a validator's ValueError with "Value error, "; the text says it all.
    return loc, str(err["msg"]).removeprefix("Value error, ")


def validation_error(
    where: str, exc: ValidationError, what: str = "the pack does not validate"
) -> PackError:
    """pydantic's error as a PackError: each problem on a line, the first one's path as field."""
    errors = exc.errors()
    lines = [_error_line(err) for err in errors[:10]]
    more = f"\n  ... and {len(errors) - 10} more" if len(errors) > 10 else ""
    # A failed union lists every branch; the message is what matters to the pack author.
    body = "\n".join(f"  {loc or '<root>'}: {msg}" for loc, msg in lines)
    first_loc, first_msg = lines[0]
    return PackError(
        f"{where}: {what}:\n{body}{more}",
        field=first_loc or None,
        expected=first_msg,
    )


# --- bounded input ------------------------------------------------------------------------------


def _children(value: object) -> Iterable[object]:
    if isinstance(value, Mapping):
        return value.values()
    if isinstance(value, list | tuple):
        return value
    return ()


def _measure(root: object) -> dict[int, tuple[int, int]] | None:
    """Height and written-out size of each container under ``root``, by ``id``, each visited
    once; None if a container contains itself.

    Shared containers are measured once and reused, so a structure built to expand
    exponentially (YAML aliases, a list that repeats one dict) costs time in its stored size,
    not its expanded size.
    """
    measured: dict[int, tuple[int, int]] = {}
    open_: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        value, done = stack.pop()
        key = id(value)
        if done:
            open_.discard(key)
            height, size = 0, 1
            for child in _children(value):
                h, n = measured.get(id(child), (0, 1))
                height, size = max(height, h), size + n
            measured[key] = (height + 1, size)
        elif key in open_:
            return None
        elif key not in measured and (isinstance(value, Mapping | list | tuple) and value):
            open_.add(key)
            stack.append((value, True))
            stack.extend((child, False) for child in _children(value))
    return measured


def check_input_shape(data: object, where: str) -> None:
    """Refuse data nested deeper than :data:`MAX_NESTING`, larger than :data:`MAX_VALUES`
    written out, or containing itself, before anything walks it as a tree."""
    measured = _measure(data)
    if measured is None:
        raise PackError(f"{where}: the data contains itself; a pack must be plain nested data")
    height, size = measured.get(id(data), (0, 1))
    if height > MAX_NESTING:
        path = _deepest_path(data, measured)
        raise PackError(
            f"{where}: {path}: nested more than {MAX_NESTING} levels deep",
            field=path,
            expected=f"at most {MAX_NESTING} levels of nesting",
        )
    if size > MAX_VALUES:
        raise PackError(
            f"{where}: the pack holds {size:,} values once written out; at most {MAX_VALUES:,}"
            " are allowed",
            value=size,
            expected=f"at most {MAX_VALUES:,} values",
        )


def _deepest_path(root: object, measured: Mapping[int, tuple[int, int]]) -> str:
    """The key path that reaches :data:`MAX_NESTING` levels along the deepest branch."""
    path: list[str | int] = []
    value = root
    for _ in range(MAX_NESTING):
        if isinstance(value, Mapping):
            items: Iterable[tuple[str | int, object]] = ((str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        else:
            break
        key, value = max(items, key=lambda kv: measured.get(id(kv[1]), (0, 1))[0])
        path.append(key if isinstance(key, int) else key[:40])
    return dotted(path)


_INVALID = "not valid"


class StrictModel(BaseModel):
    """Frozen, strict, closed: and its constructors raise :class:`PackError`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def __init__(self, /, **data: Any) -> None:
        name = type(self).__name__
        check_input_shape(data, name)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise validation_error(name, exc, _INVALID) from None

    # Marked as pydantic's own __init__ (as pydantic's RootModel does), so that nested models
    # are validated by pydantic-core alone: one error with the whole key path, and no shape
    # check per nested model. A direct call such as When(sex="F") still runs this __init__.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        check_input_shape(obj, cls.__name__)
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error(cls.__name__, exc, _INVALID) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error(cls.__name__, exc, _INVALID) from None


# --- the parts of a pack ------------------------------------------------------------------------


class Source(StrictModel):
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


class When(StrictModel):
    """The patient context a cut-off applies to. A field left out applies to every value.

    ``age_min`` is inclusive and ``age_max`` exclusive (years), as WHO writes age bands.
    ``inflammation`` refers to the pack's inflammation pattern. A context no patient can have
    (a pregnant man, a trimester when not pregnant) is refused.
    """

    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = None
    trimester: list[Literal[1, 2, 3]] | None = Field(default=None, min_length=1)
    age_min: AgeFrom | None = None
    age_max: AgeUpTo | None = None
    inflammation: bool | None = None

    @model_validator(mode="after")
    def _possible(self) -> Self:
        _check_age_band(self.age_min, self.age_max)
        if self.sex == "male" and (self.pregnant or self.trimester):
            raise ValueError(
                "sex 'male' with pregnant: true or a trimester applies to no patient; "
                "pregnancy cut-offs need sex 'female' or no sex"
            )
        if self.pregnant is False and self.trimester:
            raise ValueError(
                "a trimester with pregnant: false applies to no patient; "
                "write pregnant: true, or leave pregnant out"
            )
        if self.trimester and len(set(self.trimester)) != len(self.trimester):
            raise ValueError(f"trimester {self.trimester} names a trimester twice")
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


class Interval(StrictModel):
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


class Cutoff(StrictModel):
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


class ThresholdSpec(StrictModel):
    """A named threshold on one analyte, with exactly one cut-off for each patient context."""

    analyte: str
    source: str | None = None
    confidence: Confidence
    note: str = ""
    cutoffs: list[Cutoff] = Field(min_length=1)


class ReferenceIntervalSpec(StrictModel):
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


class ReferenceSpec(StrictModel):
    """Reference intervals for one analyte, used for flags and reference-position criteria."""

    source: str | None = None
    confidence: Confidence
    note: str = ""
    intervals: list[ReferenceIntervalSpec] = Field(min_length=1)


# --- criteria ---------------------------------------------------------------------------------


class ThresholdRef(StrictModel):
    threshold: str


class ReferencePosition(StrictModel):
    analyte: str
    position: Literal["below", "within", "above"]


class ReferenceRef(StrictModel):
    reference: ReferencePosition


class PatternRef(StrictModel):
    pattern: str


class AllOf(StrictModel):
    all: list[Criterion] = Field(min_length=1)


class AnyOf(StrictModel):
    any: list[Criterion] = Field(min_length=1)


class NotOf(StrictModel):
    not_: Criterion = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


Criterion = Annotated[
    ThresholdRef | ReferenceRef | PatternRef | AllOf | AnyOf | NotOf,
    Field(union_mode="smart"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


def _sub_criteria(crit: Criterion) -> list[tuple[str, Criterion]]:
    match crit:
        case AllOf(all=items):
            return [(f"all[{i}]", item) for i, item in enumerate(items)]
        case AnyOf(any=items):
            return [(f"any[{i}]", item) for i, item in enumerate(items)]
        case NotOf(not_=inner):
            return [("not", inner)]
        case _:
            return []


def _criteria_shape(where: str, root: Criterion) -> _LocatedError | None:
    """Depth and written-out size of one criteria tree; shared parts are measured once."""
    measured: dict[int, tuple[int, int]] = {}
    stack: list[tuple[Criterion, bool]] = [(root, False)]
    while stack:
        crit, done = stack.pop()
        kids = [c for _, c in _sub_criteria(crit)]
        if done:
            measured[id(crit)] = (
                1 + max((measured[id(k)][0] for k in kids), default=0),
                1 + sum(measured[id(k)][1] for k in kids),
            )
        elif id(crit) not in measured:
            # Model objects are immutable, so a criterion never contains itself.
            stack.append((crit, True))
            stack.extend((k, False) for k in kids)
    depth, size = measured[id(root)]
    if depth > MAX_CRITERIA_DEPTH:
        path, crit = where, root
        for _ in range(MAX_CRITERIA_DEPTH):
            step, crit = max(_sub_criteria(crit), key=lambda kv: measured[id(kv[1])][0])
            path += f".{step}"
        return _LocatedError(
            path, f"criteria nest more than {MAX_CRITERIA_DEPTH} levels of all/any/not here"
        )
    if size > MAX_CRITERIA_PER_PATTERN:
        return _LocatedError(
            where,
            f"{size:,} criteria once written out; at most {MAX_CRITERIA_PER_PATTERN:,} in one "
            "pattern",
        )
    return None


class PatternSpec(StrictModel):
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

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        roots = [("criteria", self.criteria)]
        roots += [(f"supporting[{i}]", c) for i, c in enumerate(self.supporting)]
        for where, root in roots:
            problem = _criteria_shape(where, root)
            if problem is not None:
                raise problem
        return self


class Population(StrictModel):
    """Whom the pack's thresholds were written for."""

    age_min: AgeFrom | None = None
    age_max: AgeUpTo | None = None
    description: str

    @model_validator(mode="after")
    def _age_band(self) -> Self:
        _check_age_band(self.age_min, self.age_max)
        return self
