"""Patterns in a threshold pack: the closed vocabulary of criteria, grey zones, and the
limits on how large one pattern's criteria may grow.

A criterion is a mapping recognised by its one key (``threshold``, ``reference``,
``pattern``, ``all``, ``any``, ``not``, ``context``, ``missing``), so that an error names that
criterion's own problem rather than every kind of criterion it is not. No expressions, no code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from labinterp._pack_models import (
    CRITERION_KEYS,
    CheckedOn,
    Confidence,
    LocatedError,
    StrictModel,
    When,
)

__all__ = [
    "CLASS_ID_PATTERN",
    "MAX_CLASSES",
    "MAX_CRITERIA_DEPTH",
    "MAX_CRITERIA_PER_PATTERN",
    "AllOf",
    "AnyOf",
    "ClassSpec",
    "ClassificationSpec",
    "ContextRef",
    "Criterion",
    "GreyZone",
    "MissingRef",
    "NotOf",
    "OtherwiseSpec",
    "PatternRef",
    "PatternSpec",
    "ReferencePosition",
    "ReferenceRef",
    "ThresholdRef",
]

#: How deeply all/any/not may nest in one pattern's criteria (real packs use two or three).
MAX_CRITERIA_DEPTH = 16
#: How many criteria one pattern may hold, counted as written out (shared parts count again).
#: A classification counts as one pattern: its classes' criteria together.
MAX_CRITERIA_PER_PATTERN = 1_000
#: How many classes one classification may have, ``otherwise`` aside. Deciding class k looks
#: at the criteria of the k - 1 classes before it, so the work grows with the square.
MAX_CLASSES = 32
#: What a classification's id and its classes' ids look like: the finding of a class is
#: ``<classification>.<class>``, so neither may hold a dot.
CLASS_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


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

    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True, defer_build=True
    )


class ContextRef(StrictModel):
    """Holds when the patient's context matches (``{context: {conditions: [heart_failure]}}``).

    Three-valued for sex, pregnancy, trimester, age and inflammation; two-valued for the
    reported lists (an id not reported does not match).
    """

    context: When


class MissingRef(StrictModel):
    """Holds when the analyte was not measured (``{missing: egfr}``), for grey zones such as
    "kidney function unknown". Always decided."""

    missing: str


_CRITERION_TAGS: Mapping[type[BaseModel], str] = dict(
    zip(
        (ThresholdRef, ReferenceRef, PatternRef, AllOf, AnyOf, NotOf, ContextRef, MissingRef),
        CRITERION_KEYS,
        strict=True,
    )
)


def _criterion_tag(value: Any) -> str | None:
    """Which criterion a mapping is, by its key, so that an error names that criterion's
    problem alone rather than every member of the union."""
    if isinstance(value, Mapping):
        return next((tag for tag in _CRITERION_TAGS.values() if tag in value), None)
    return _CRITERION_TAGS.get(type(value))


Criterion = Annotated[
    Annotated[ThresholdRef, Tag("threshold")]
    | Annotated[ReferenceRef, Tag("reference")]
    | Annotated[PatternRef, Tag("pattern")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[ContextRef, Tag("context")]
    | Annotated[MissingRef, Tag("missing")],
    Discriminator(
        _criterion_tag,
        custom_error_type="criterion",
        custom_error_message="a criterion is a mapping with one of the keys threshold, "
        "reference, pattern, all, any, not, context or missing",
    ),
]
# AllOf, AnyOf and NotOf refer to Criterion, defined after them: pydantic resolves the name
# from this module when their validators are first built (not at import: cold start).


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


def _criteria_shape(where: str, root: Criterion) -> tuple[int, LocatedError | None]:
    """The written-out size of one criteria tree, and the problem if it nests too deeply or
    is too large; shared parts are measured once."""
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
        return size, LocatedError(
            path, f"criteria nest more than {MAX_CRITERIA_DEPTH} levels of all/any/not here"
        )
    if size > MAX_CRITERIA_PER_PATTERN:
        return size, LocatedError(
            where,
            f"{size:,} criteria once written out; at most {MAX_CRITERIA_PER_PATTERN:,} in one "
            "pattern",
        )
    return size, None


class GreyZone(StrictModel):
    """Where a cited source says the pattern's criteria cannot be trusted.

    When ``if`` holds the pattern is indeterminate, with ``reason``, whatever its criteria
    say; when ``if`` is undecided and the criteria are decided, it is indeterminate until what
    would decide the zone is known.
    """

    if_: Criterion = Field(alias="if")
    reason: str = Field(min_length=3, description="why the results cannot decide the pattern")
    decisive_tests: list[str] = Field(
        default_factory=list, description="tests that would decide the pattern in this zone"
    )
    source: str
    confidence: Confidence

    # defer_build: the validator is built on first use, not at import (cold start).
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True, defer_build=True
    )


class PatternSpec(StrictModel):
    """A named pattern: criteria that decide it and criteria reported as supporting evidence."""

    label: str = Field(min_length=2, description="a noun phrase: 'iron deficiency'")
    kind: Literal["pattern", "note", "alert"] = Field(
        default="pattern",
        description="'note': educational context; 'alert': prompt assessment is worth "
        "considering (never a diagnosis), shown first",
    )
    description: str = ""
    criteria: Criterion
    supporting: list[Criterion] = Field(default_factory=list)
    decisive_tests: list[str] = Field(
        default_factory=list, description="tests that would help when the pattern is undecided"
    )
    note: str = ""
    checked: CheckedOn | None = None
    sources: list[str] = Field(
        default_factory=list,
        description="ids of the pack's sources the description and note draw on (notes and "
        "alerts must cite one; a pattern's thresholds cite their own)",
    )
    grey_zones: list[GreyZone] = Field(
        default_factory=list,
        description="contexts in which a cited source says the results cannot decide the pattern",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        roots = [("criteria", self.criteria)]
        roots += [(f"supporting[{i}]", c) for i, c in enumerate(self.supporting)]
        roots += [(f"grey_zones[{i}].if", z.if_) for i, z in enumerate(self.grey_zones)]
        for where, root in roots:
            _, problem = _criteria_shape(where, root)
            if problem is not None:
                raise problem
        return self


_ClassId = Annotated[
    str,
    Field(
        pattern=CLASS_ID_PATTERN,
        description="lower-case letters, digits and '_'; the class's finding is "
        "'<classification>.<class>'",
    ),
]


class OtherwiseSpec(StrictModel):
    """The class a classification gives when none of its classes holds."""

    id: _ClassId
    label: str = Field(min_length=2, description="a noun phrase: 'another cause of anemia'")
    description: str = ""


class ClassSpec(OtherwiseSpec):
    """One class of a classification: it holds when its criteria hold and no earlier class's
    criteria do."""

    criteria: Criterion


class ClassificationSpec(StrictModel):
    """Ordered classes, of which the first whose criteria hold is chosen, and ``otherwise``
    when none holds: exclusive and exhaustive by construction.

    Each class is also a finding, ``<classification>.<class>``, that patterns may refer to.
    Three-valued: class k is consistent when the criteria of every earlier class fail and
    its own hold; not consistent when an earlier class's criteria hold or its own fail;
    indeterminate otherwise. ``otherwise`` is consistent when every class's criteria fail.
    """

    label: str = Field(min_length=2, description="what is classified: 'anemia type'")
    description: str = ""
    classes: list[ClassSpec] = Field(
        min_length=1, max_length=MAX_CLASSES, description="tested in order; the first that holds"
    )
    otherwise: OtherwiseSpec = Field(description="the class when no class holds")
    decisive_tests: list[str] = Field(
        default_factory=list, description="tests that would help when the class is undecided"
    )
    note: str = ""
    checked: CheckedOn | None = None
    sources: list[str] = Field(
        default_factory=list,
        description="ids of the pack's sources the classification follows",
    )

    @model_validator(mode="after")
    def _distinct_and_bounded(self) -> Self:
        seen: dict[str, str] = {}
        keyed = [(f"classes[{i}].id", c.id) for i, c in enumerate(self.classes)]
        for where, cid in [*keyed, ("otherwise.id", self.otherwise.id)]:
            if cid in seen:
                raise LocatedError(where, f"class id {cid!r} is already used by {seen[cid]}")
            seen[cid] = where.removesuffix(".id")
        total = 0
        for i, item in enumerate(self.classes):
            size, problem = _criteria_shape(f"classes[{i}].criteria", item.criteria)
            if problem is not None:
                raise problem
            total += size
        if total > MAX_CRITERIA_PER_PATTERN:
            raise LocatedError(
                "classes",
                f"{total:,} criteria once written out in all classes; at most "
                f"{MAX_CRITERIA_PER_PATTERN:,} in one classification",
            )
        return self

    def class_ids(self) -> list[str]:
        """The class ids in order, ``otherwise`` last."""
        return [c.id for c in self.classes] + [self.otherwise.id]
