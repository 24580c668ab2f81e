"""The parts of a threshold pack as strict, frozen pydantic models.

Unknown keys are refused and types are strict. Every public constructor (``When(...)``,
``Cutoff.model_validate(...)``) raises :class:`PackError` with a dotted key path, never
pydantic's own error. Limits on nesting and size are checked before pydantic walks the input
(``_pack_validation``), so that no input, however built, takes unbounded time or memory.

Patterns and their criteria are in ``_pack_patterns``, which builds on these parts.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from labinterp._context import Condition, Diet, Medication, Symptom, describe_ids
from labinterp._pack_validation import (
    CRITERION_KEYS,
    MAX_NESTING,
    MAX_REPORTED_PROBLEMS,
    MAX_VALUES,
    LocatedError,
    StrictModel,
    check_input_shape,
    dotted,
    problems_error,
    structure_problems,
    validation_error,
)
from labinterp._panel import Comparator

__all__ = [
    "CRITERION_KEYS",
    "EVERYONE",
    "MAX_AGE",
    "MAX_NESTING",
    "MAX_REPORTED_IDS",
    "MAX_REPORTED_PROBLEMS",
    "MAX_VALUES",
    "REPORTED_FIELDS",
    "SCHEMA_VERSION",
    "STANDARD_DISCLAIMER",
    "AgeUnknown",
    "Confidence",
    "Cutoff",
    "Interval",
    "LocatedError",
    "NotCovered",
    "Population",
    "PregnancyAges",
    "ReferenceIntervalSpec",
    "ReferenceSpec",
    "Source",
    "StrictModel",
    "ThresholdSpec",
    "Unless",
    "When",
    "check_input_shape",
    "dotted",
    "problems_error",
    "structure_problems",
    "validation_error",
]

SCHEMA_VERSION: Literal[1] = 1
#: The oldest age in years a panel may state (labinterp._panel refuses more); an age band or
#: population beyond it could never apply to anyone.
MAX_AGE = 130
#: How many different reported ids (conditions, medications, symptoms, diets) the contexts of
#: one threshold, or of one analyte's reference intervals, may name together. The coverage
#: check looks at every combination of them being reported or not (2 ** 8 = 256 at most).
MAX_REPORTED_IDS = 8

# Cut-off values must be real numbers: YAML's .nan and .inf would make a rule meaningless.
Finite = Annotated[float, Field(allow_inf_nan=False)]
Confidence = Literal["verified", "established", "uncertain"]


def _iso_date(value: Any) -> Any:
    # YAML reads an unquoted 2026-11-30 as a date; the pack keeps the ISO text either way.
    return value.isoformat() if isinstance(value, datetime.date) else value


#: The day a value was last checked against its source (ISO 8601, ``2026-11-30``).
CheckedOn = Annotated[
    str,
    BeforeValidator(_iso_date),
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="the day this entry was last checked against its source (YYYY-MM-DD)",
    ),
]
AgeFrom = Annotated[float, Field(ge=0, le=MAX_AGE, description="years, inclusive")]
AgeUpTo = Annotated[float, Field(gt=0, le=MAX_AGE, description="years, exclusive")]


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


def _one_or_list(value: Any) -> Any:
    # ``diet: vegan`` reads naturally in YAML; it means the one-item list.
    return [value] if isinstance(value, str) else value


# Reported context in a pack: any of the listed ids (a list of at least one).
_Conditions = Annotated[list[Condition], Field(min_length=1)] | None
_Medications = Annotated[list[Medication], Field(min_length=1)] | None
_Symptoms = Annotated[list[Symptom], Field(min_length=1)] | None
_Diets = Annotated[
    Annotated[list[Diet], Field(min_length=1)] | None,
    BeforeValidator(_one_or_list, json_schema_input_type=Diet | list[Diet] | None),
]
#: The fields of a context that read what the caller reports (two-valued).
REPORTED_FIELDS = ("conditions", "medications", "symptoms", "diet")


class _ReportedMixin:
    """For :class:`When` and :class:`Unless`, which both have the reported-context fields."""

    __slots__ = ()

    def reported(self) -> Iterator[tuple[str, list[str]]]:
        """The reported-context fields given, with their ids."""
        for name in REPORTED_FIELDS:
            ids: list[str] | None = getattr(self, name)
            if ids is not None:
                yield name, ids


class Unless(StrictModel, _ReportedMixin):
    """Reported context that excludes a cut-off: it does not apply when any id listed here
    (in any field) is reported. ``when: {unless: {conditions: [heart_failure]}}`` is the exact
    complement of ``when: {conditions: [heart_failure]}``, since reported context is two-valued.
    """

    conditions: _Conditions = None
    medications: _Medications = None
    symptoms: _Symptoms = None
    diet: _Diets = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if next(self.reported(), None) is None:
            raise ValueError("unless: name at least one of conditions, medications, symptoms, diet")
        return self


class When(StrictModel, _ReportedMixin):
    """The patient context a cut-off applies to. A field left out applies to every value.

    ``age_min`` is inclusive and ``age_max`` exclusive (years), as WHO writes age bands.
    ``inflammation`` refers to the pack's inflammation pattern. A context no patient can have
    (a pregnant man, a trimester when not pregnant, an id both required and excluded) is
    refused.

    ``conditions``, ``medications``, ``symptoms`` and ``diet`` hold when *any* listed id is
    reported for the patient. They are two-valued: an id the panel does not list counts as not
    reported, never as unknown (sex, pregnancy, trimester, age and inflammation can be
    unknown, and then every possible value is tried).
    """

    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = None
    trimester: list[Literal[1, 2, 3]] | None = Field(default=None, min_length=1)
    age_min: AgeFrom | None = None
    age_max: AgeUpTo | None = None
    inflammation: bool | None = None
    conditions: _Conditions = None
    medications: _Medications = None
    symptoms: _Symptoms = None
    diet: _Diets = None
    unless: Unless | None = Field(
        default=None, description="does not apply when any of these ids is reported"
    )

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
        excluded = dict(self.unless.reported()) if self.unless is not None else {}
        for name, ids in self.reported():
            if name in excluded and set(ids) <= set(excluded[name]):
                # Any of ``ids`` must be reported, and none of them may be: no one.
                raise LocatedError(
                    name,
                    f"{describe_ids(ids)} must be reported and unless excludes "
                    f"{'it' if len(set(ids)) == 1 else 'them all'}; this applies to no patient",
                )
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
        parts += [f"{name}: {describe_ids(ids)}" for name, ids in self.reported()]
        if self.unless is not None:
            excluded = (f"{name}: {describe_ids(ids)}" for name, ids in self.unless.reported())
            parts.append(f"unless {' or '.join(excluded)} reported")
        return ", ".join(parts) or "everyone"


def _reported_ids(whens: Iterable[When]) -> set[tuple[str, str]]:
    """Every (field, id) the contexts name, in their own fields or under ``unless``."""
    found: set[tuple[str, str]] = set()
    for when in whens:
        for name, ids in when.reported():
            found.update((name, i) for i in ids)
        for name, ids in when.unless.reported() if when.unless else ():
            found.update((name, i) for i in ids)
    return found


def _check_reported_ids(items: str, whens: Iterable[When]) -> None:
    found = _reported_ids(whens)
    if len(found) > MAX_REPORTED_IDS:
        named = ", ".join(sorted(i for _, i in found))
        raise LocatedError(
            items,
            f"the contexts name {len(found)} different reported ids ({named}); at most "
            f"{MAX_REPORTED_IDS} are allowed in one threshold or one analyte's intervals",
        )


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


class NotCovered(StrictModel):
    """A context the threshold's source gives no cut-off for (WHO 2020 ferritin says nothing
    for pregnancy after the first trimester): there the threshold is undecided, with the reason.
    """

    when: When
    reason: str = Field(min_length=3, description="why the source does not cover it")
    source: str | None = Field(default=None, description="defaults to the threshold's source")

    @model_validator(mode="after")
    def _narrow(self) -> Self:
        if self.when == When():
            raise ValueError("give the context that is not covered (an empty 'when' is everyone)")
        return self


class ThresholdSpec(StrictModel):
    """A named threshold on one analyte. Each patient context gets exactly one entry: a
    cut-off, or a ``not_covered`` context the source gives no cut-off for."""

    analyte: str
    source: str | None = None
    confidence: Confidence
    checked: CheckedOn | None = None
    note: str = ""
    cutoffs: list[Cutoff] = Field(min_length=1)
    not_covered: list[NotCovered] = Field(
        default_factory=list,
        description="contexts the source gives no cut-off for; there the threshold is undecided",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        whens = [cut.when for cut in self.cutoffs] + [gap.when for gap in self.not_covered]
        _check_reported_ids("cutoffs", whens)
        return self


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
    """Reference intervals for one analyte, used for flags and reference-position criteria.
    Each patient context gets exactly one entry: an interval, or a ``not_covered`` context
    the source gives no interval for (an adult interval says nothing about a child)."""

    source: str | None = None
    confidence: Confidence
    checked: CheckedOn | None = None
    note: str = ""
    intervals: list[ReferenceIntervalSpec] = Field(min_length=1)
    not_covered: list[NotCovered] = Field(
        default_factory=list,
        description="contexts the source gives no interval for; there the pack flags nothing "
        "and a reference-position criterion is undecided",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        whens = [ri.when for ri in self.intervals] + [gap.when for gap in self.not_covered]
        _check_reported_ids("intervals", whens)
        return self


class PregnancyAges(StrictModel):
    """The ages (years, both ends inclusive) at which a pack asks whether someone is pregnant.

    An assumption, not a clinical fact: outside these ages a patient whose pregnancy is not
    given is taken as not pregnant, and the interpretation lists the assumption. A pregnancy
    the panel gives is never overridden, so cut-offs must still cover pregnancy at every age.
    """

    min: float = Field(default=10, ge=0, le=MAX_AGE)
    max: float = Field(default=55, gt=0, le=MAX_AGE)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        return self


class AgeUnknown(StrictModel):
    """What a pack takes a patient's age to be when the panel does not give it.

    An assumption, not a clinical fact, listed in every interpretation it is used in: the
    patient is taken to be somewhere in ``[assume_age_min, assume_age_max)`` (years), so a
    cut-off whose age band holds that whole band applies, one outside it does not, and one
    that holds only part of it stays undecided (age would decide). The default pack assumes
    15 years or older, an adult, so that its adult cut-offs apply when age is not given.
    """

    assume_age_min: AgeFrom = Field(description="years, inclusive")
    assume_age_max: AgeUpTo | None = Field(default=None, description="years, exclusive")
    description: str = Field(
        min_length=3,
        description="who the assumption makes the patient, in words (e.g. 'an adult')",
    )

    @model_validator(mode="after")
    def _age_band(self) -> Self:
        _check_age_band(self.assume_age_min, self.assume_age_max)
        return self

    def describe(self) -> str:
        """``15 years or older`` or ``from 5 up to 12 years``."""
        if self.assume_age_max is None:
            return f"{self.assume_age_min:g} years or older"
        return f"from {self.assume_age_min:g} up to {self.assume_age_max:g} years"


class Population(StrictModel):
    """Whom the pack's thresholds were written for. A standalone pack that leaves it out is
    for everyone (:data:`EVERYONE`); a pack that extends another inherits the other's.

    ``when_age_unknown`` is the pack's rule for a panel without an age; without it (the
    default, also for standalone packs) age is unknown, and results whose cut-off depends on
    age cannot be decided. ``written_for`` names conditions the pack's definitions assume
    (a heart-failure pack); a panel without them is still interpreted, with a caveat listed.
    """

    age_min: AgeFrom | None = None
    age_max: AgeUpTo | None = None
    description: str
    pregnancy_ages: PregnancyAges = Field(default_factory=PregnancyAges)
    when_age_unknown: AgeUnknown | None = Field(
        default=None,
        description="the ages a patient whose age is not given is taken to have (an "
        "assumption the interpretation lists); left out, age stays unknown",
    )
    written_for: _Conditions = Field(
        default=None,
        description="the conditions the pack's definitions are written for (heart failure, "
        "say); a panel that does not report them is interpreted all the same, and the "
        "interpretation lists that it did not",
    )

    @model_validator(mode="after")
    def _age_band(self) -> Self:
        _check_age_band(self.age_min, self.age_max)
        assumed = self.when_age_unknown
        if assumed is None:
            return self
        low = 0.0 if self.age_min is None else self.age_min
        high = math.inf if self.age_max is None else self.age_max
        assumed_high = math.inf if assumed.assume_age_max is None else assumed.assume_age_max
        if assumed.assume_age_min < low or assumed_high > high:
            raise LocatedError(
                "when_age_unknown",
                f"the assumed ages ({assumed.describe()}) must lie inside the population's "
                f"ages ({_describe_ages(self.age_min, self.age_max)})",
            )
        return self


def _describe_ages(age_min: float | None, age_max: float | None) -> str:
    low = f"from {age_min:g}" if age_min is not None else "from birth"
    return f"{low} up to {age_max:g} years" if age_max is not None else f"{low} years on"


#: The population of a standalone pack that states none: every age.
# Assembled from defaults without validation, so that importing labinterp builds no validator
# (cold start); a test checks it equals the validated Population(description=...).
EVERYONE = Population.model_construct(
    {"description"},
    description="everyone (the pack states no age limits)",
    pregnancy_ages=PregnancyAges.model_construct(),
)

#: The disclaimer of a standalone pack that states none (a pack that extends another
#: inherits the other's). The bundled default pack uses it too.
STANDARD_DISCLAIMER = (
    "Educational interpretation only. These labels describe whether results are consistent "
    "with a pattern described in the cited sources; they are not a diagnosis and not advice on "
    "treatment. Reference intervals and decision limits depend on the laboratory and the method."
)
