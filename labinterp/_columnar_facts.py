"""What the rules see for a chunk of rows (:class:`ArrayFacts`, the columnar
:class:`labinterp._rule_base.Facts`): the observed results, the catalog's derived indices
computed from them, and the patient's context as codes, matched against a pack's ``when``
blocks row by row."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from labinterp._analytes import ANALYTES
from labinterp._columnar_values import (
    FAILED,
    HELD,
    UNDECIDED,
    Bools,
    Codes,
    Floats,
    Observed,
    band_codes,
    is_close_array,
    plausible_mask,
)
from labinterp._formulas import BELOW_STEP, BOUND_WIDENING, FORMULAS
from labinterp._packs import Pack, When
from labinterp._rule_base import Band

# Context codes: sex 0 unknown, 1 female, 2 male; pregnancy and trimester as tri codes/ints.
SEX_CODES: Final = {"female": np.int8(1), "male": np.int8(2)}


# --- context ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ArrayFacts:
    """What the rules see for a chunk of rows (the columnar :class:`labinterp._rules.Facts`).

    ``sex`` holds 0 (unknown), 1 (female), 2 (male); ``pregnant`` tri codes; ``trimester``
    0 (unknown) or 1-3; ``age`` NaN when not given. ``reported`` maps (field, id) to a mask of
    the rows that report it (diet included, as ("diet", id)). ``assumed_ages`` is the band
    [low, high) the pack takes a row without an age to be in (``Facts.assumed_ages``), or
    None when the pack has no rule for an unknown age.
    """

    n: int
    values: dict[str, Observed]
    sex: Codes
    pregnant: Codes
    trimester: Codes
    age: Floats
    reported: Mapping[tuple[str, str], Bools]
    pack: Pack
    assumed_ages: tuple[float, float] | None = None
    # Rows where a derivable result (transferrin saturation) was computed, not reported: no
    # flag there, as the engine flags measured results only.
    computed: Mapping[str, Bools] = field(default_factory=dict)
    # Ranges of derived results (``Facts.bound``), worked out on first use per analyte:
    # only the analytes a pack's rules read pay for them.
    _bounded_cache: dict[str, Observed | None] = field(default_factory=dict)
    outcomes: dict[str, Codes] = field(default_factory=dict)
    _when_cache: dict[int, Codes] = field(default_factory=dict)
    _band_cache: dict[tuple[str, Band], Codes] = field(default_factory=dict)
    _part_cache: dict[tuple[object, ...], Codes] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        pack: Pack,
        values: dict[str, Observed],
        *,
        sex: Codes,
        pregnant: Codes,
        trimester: Codes,
        age: Floats,
        reported: Mapping[tuple[str, str], Bools],
    ) -> ArrayFacts:
        """Apply the engine's facts of context (``_engine._facts``): a man is not pregnant, a
        pregnant patient is female, and outside the pack's pregnancy ages "not pregnant" is
        assumed when pregnancy is not given."""
        n = len(sex)
        eff_pregnant = np.where((sex == 2) & (pregnant == 0), FAILED, pregnant).astype(np.int8)
        eff_sex = np.where((sex == 0) & (pregnant == 1), np.int8(1), sex).astype(np.int8)
        ages = pack.population.pregnancy_ages
        with np.errstate(invalid="ignore"):
            outside_ages = ~np.isnan(age) & ~((ages.min <= age) & (age <= ages.max))
        eff_pregnant[(eff_pregnant == 0) & outside_ages] = FAILED
        values = dict(values)
        derived, computed = derived_values(values, n)
        values.update(derived)
        # The pack's rule for a panel without an age (population.when_age_unknown), as the
        # engine's _facts reads it; pregnancy is never assumed from these assumed ages.
        rule = pack.population.when_age_unknown
        assumed = None if rule is None else (rule.assume_age_min, rule.assume_age_max or math.inf)
        return cls(
            n,
            values,
            eff_sex,
            eff_pregnant,
            trimester,
            age,
            reported,
            pack,
            assumed,
            computed=computed,
        )

    def bound(self, analyte: str) -> Observed | None:
        """The range of a derived result where it was not computed exactly
        (``bounded_derived``), or None when no row has one."""
        if analyte not in self._bounded_cache:
            self._bounded_cache[analyte] = bounded_values(self.values, self.n, analyte)
        return self._bounded_cache[analyte]

    def observed(self, analyte: str) -> Observed:
        found = self.values.get(analyte)
        if found is None:
            found = Observed.absent(self.n)
            self.values[analyte] = found
        return found

    def has(self, name: str, ids: Iterable[str]) -> Bools:
        mask = np.zeros(self.n, dtype=bool)
        for item in ids:
            hit = self.reported.get((name, item))
            if hit is not None:
                mask |= hit
        return mask

    def band(self, analyte: str, band: Band) -> Codes:
        key = (analyte, band)  # equal cut-offs of different thresholds are compared once
        hit = self._band_cache.get(key)
        if hit is None:
            hit = band_codes(self.observed(analyte), band)
            self._band_cache[key] = hit
        return hit

    def when(self, when: When) -> Codes:
        """:func:`labinterp._rule_base.match_when` for every row, as tri codes (1 applies,
        0 unknown, -1 does not); like match_when it is the minimum of its parts."""
        hit = self._when_cache.get(id(when))
        if hit is None:
            hit = self._match(when)
            self._when_cache[id(when)] = hit
        return hit

    def _match(self, when: When) -> Codes:
        result = np.ones(self.n, dtype=np.int8)

        def part(codes: Codes) -> None:
            np.minimum(result, codes, out=result)

        sex = when.sex
        if sex is not None:
            part(self._part(("sex", sex), lambda: _tri(self.sex == 0, self.sex == SEX_CODES[sex])))
        if when.pregnant is not None:
            wanted = HELD if when.pregnant else FAILED
            part(
                self._part(
                    ("pregnant", when.pregnant),
                    lambda: _tri(self.pregnant == 0, self.pregnant == wanted),
                )
            )
        if when.trimester is not None:
            codes = _tri(self.trimester == 0, np.isin(self.trimester, list(when.trimester)))
            codes[self.pregnant == FAILED] = FAILED
            part(codes)
        if when.age_min is not None or when.age_max is not None:
            part(self._part(("age", when.age_min, when.age_max), lambda: self._age_applies(when)))
        inflammation = self.pack.inflammation_pattern
        if when.inflammation is not None and inflammation is not None:
            inflamed = self.outcomes[inflammation]
            part(inflamed if when.inflammation else -inflamed)
        for name, ids in when.reported():
            part(np.where(self.has(name, ids), HELD, FAILED).astype(np.int8))
        if when.unless is not None:
            excluded = np.zeros(self.n, dtype=bool)
            for name, ids in when.unless.reported():
                excluded |= self.has(name, ids)
            part(np.where(excluded, FAILED, HELD).astype(np.int8))
        return result

    def _part(self, key: tuple[object, ...], build: Callable[[], Codes]) -> Codes:
        """One part of a ``when`` for every row, computed once per chunk: many contexts
        share their parts (the same sex, the same age band)."""
        hit = self._part_cache.get(key)
        if hit is None:
            hit = self._part_cache[key] = build()
        return hit

    def _age_applies(self, when: When) -> Codes:
        """``_rule_base._age_applies`` for every row: the row's age in the band of ``when``;
        without an age, the pack's assumed ages all inside it (held), all outside it
        (failed), or only some (undecided), one answer for every such row."""
        low = 0.0 if when.age_min is None else when.age_min
        high = math.inf if when.age_max is None else when.age_max
        unknown = np.isnan(self.age)
        with np.errstate(invalid="ignore"):
            codes = np.where((low <= self.age) & (self.age < high), HELD, FAILED).astype(np.int8)
        codes[unknown] = _assumed_age_code(self.assumed_ages, low, high)
        return codes


def _assumed_age_code(assumed: tuple[float, float] | None, low: float, high: float) -> np.int8:
    """Whether the age band [low, high) holds every assumed age, none, or only some."""
    if assumed is None:
        return UNDECIDED
    assumed_low, assumed_high = assumed
    if assumed_high <= low or assumed_low >= high:
        return FAILED
    return HELD if low <= assumed_low and assumed_high <= high else UNDECIDED


def _tri(unknown: Bools, true: Bools) -> Codes:
    # 1 where true, -1 where not, 0 where unknown: a boolean read as 0/1, doubled, less 1.
    codes = true.view(np.int8) * np.int8(2) - np.int8(1)
    codes[unknown] = UNDECIDED
    return codes


# --- derived indices ----------------------------------------------------------------------------


def _mentzer(v: Mapping[str, Floats]) -> tuple[Floats, Bools]:
    with np.errstate(all="ignore"):
        return v["mcv"] / v["rbc"], np.ones(len(v["mcv"]), dtype=bool)


def _maturation_days(hct: Floats) -> Floats:
    days = np.full(len(hct), 2.5)
    # Highest band first, as maturation_days tests them; a lower edge belongs to its band.
    decided = np.zeros(len(hct), dtype=bool)
    for edge, value in ((40.0, 1.0), (30.0, 1.5), (20.0, 2.0)):
        with np.errstate(invalid="ignore"):
            hit = ~decided & ((hct > edge) | is_close_array(hct, edge))
        days[hit] = value
        decided |= hit
    return days


def _rpi(v: Mapping[str, Floats]) -> tuple[Floats, Bools]:
    hct = v["hematocrit"]
    with np.errstate(all="ignore"):
        value = v["reticulocytes"] * (hct / 45.0) / _maturation_days(hct)
    return value, np.ones(len(hct), dtype=bool)


_LOG10 = np.frompyfunc(math.log10, 1, 1)


def _stfr_index(v: Mapping[str, Floats]) -> tuple[Floats, Bools]:
    ferritin = v["ferritin"]
    with np.errstate(invalid="ignore"):
        defined = ~((ferritin < 1.0) | is_close_array(ferritin, 1.0)) & ~np.isnan(ferritin)
    value = np.full(len(ferritin), np.nan)
    if defined.any():
        # math.log10, not np.log10: the two may differ in the last bit, and the index must
        # equal the scalar engine's exactly (only rows with a ferritin pay for the call).
        logs = np.asarray(_LOG10(ferritin[defined]), dtype=np.float64)
        value[defined] = v["stfr"][defined] / logs
    return value, defined


def _transferrin_saturation(v: Mapping[str, Floats]) -> tuple[Floats, Bools]:
    tibc = v["tibc"]
    with np.errstate(all="ignore"):
        defined = tibc > 0.0
        return np.where(defined, v["iron"] / tibc * 100.0, np.nan), defined


_ARRAY_FORMULAS: Final[Mapping[str, Callable[[Mapping[str, Floats]], tuple[Floats, Bools]]]] = {
    "mentzer_index": _mentzer,
    "reticulocyte_production_index": _rpi,
    "stfr_ferritin_index": _stfr_index,
    "transferrin_saturation": _transferrin_saturation,
}


def _array_formula(function: str) -> Callable[[Mapping[str, Floats]], tuple[Floats, Bools]]:
    formula = _ARRAY_FORMULAS.get(function)
    if formula is None:  # pragma: no cover - a formula added without its array form
        raise NotImplementedError(f"no array form of the formula {function}")
    return formula


def derived_values(
    values: Mapping[str, Observed], n: int
) -> tuple[dict[str, Observed], dict[str, Bools]]:
    """The catalog's derived indices where their inputs are exact, and the derivable results
    (transferrin saturation) where the row does not report them (``compute_derived``); with,
    for each derivable result, the rows where it was computed rather than reported."""
    out: dict[str, Observed] = {}
    computed: dict[str, Bools] = {}
    for analyte in ANALYTES.values():
        how = analyte.derived or analyte.derivable
        if how is None:
            continue
        observed = [values.get(i) for i in how.inputs]
        if any(o is None for o in observed):
            continue
        reported = values.get(analyte.id)
        usable = np.ones(n, dtype=bool) if reported is None else ~reported.present
        for o in observed:
            assert o is not None
            usable &= o.exact
        if not usable.any():
            continue
        canonical = {
            i: np.where(usable, o.low, np.nan)
            for i, o in zip(how.inputs, observed, strict=True)
            if o
        }
        value, defined = _array_formula(how.function)(canonical)
        present = usable & defined
        present &= plausible_mask(analyte, np.where(present, value, np.nan))
        found = Observed.exact_values(np.where(present, value, np.nan), present)
        if reported is not None:
            found = reported.merged(found, present)
        out[analyte.id] = found
        if analyte.derivable is not None:
            computed[analyte.id] = present
    return out, computed


def bounded_values(values: Mapping[str, Observed], n: int, analyte_id: str) -> Observed | None:
    """``bounded_derived`` for every row, for one derived index or derivable result: absent
    where an input is censored or not measured (not every input unmeasured; an input the
    formula is not monotone in must be exact), as the range it takes over what those inputs
    allow (a censored input its interval, a missing one its plausible range), widened by
    ``BOUND_WIDENING``. None when no row has such a range."""
    analyte = ANALYTES[analyte_id]
    how = analyte.derived or analyte.derivable
    if how is None:
        return None
    formula = FORMULAS[how.function]
    index = values.get(analyte.id)
    rows = np.ones(n, dtype=bool) if index is None else ~index.present
    all_exact = np.ones(n, dtype=bool)
    all_missing = np.ones(n, dtype=bool)
    candidates: list[list[Floats]] = []
    for input_id in how.inputs:
        obs = values.get(input_id)
        present = np.zeros(n, dtype=bool) if obs is None else obs.present
        exact = np.zeros(n, dtype=bool) if obs is None else obs.exact
        all_exact &= exact
        all_missing &= ~present
        guard = ANALYTES[input_id].plausible
        given_low = np.full(n, guard.low) if obs is None else obs.low
        given_high = np.full(n, guard.high) if obs is None else obs.high
        with np.errstate(invalid="ignore"):
            # A result's interval inside the plausible range; a missing one, all of it.
            low = np.where(present, np.maximum(given_low, guard.low), guard.low)
            high = np.where(present, np.minimum(given_high, guard.high), guard.high)
        steps = formula.monotone_between.get(input_id)
        if steps is None:
            rows &= exact  # not monotone in this input: only its exact value will do
            candidates.append([low])
            continue
        points = [low, high]
        for step in steps:
            inside = (low < step) & (step <= high)
            points.append(np.where(inside, step, low))
            points.append(np.where(inside, np.maximum(low, step * (1.0 - BELOW_STEP)), low))
        candidates.append(points)
    rows &= ~all_exact & ~all_missing
    if not rows.any():
        return None
    array_formula = _array_formula(formula.name)
    lows = np.full(n, np.inf)
    highs = np.full(n, -np.inf)
    for combination in itertools.product(*candidates):
        point = dict(zip(how.inputs, combination, strict=True))
        found, defined = array_formula({i: np.where(rows, c, np.nan) for i, c in point.items()})
        with np.errstate(invalid="ignore"):
            rows &= defined & np.isfinite(found)
            np.minimum(lows, np.where(rows, found, np.inf), out=lows)
            np.maximum(highs, np.where(rows, found, -np.inf), out=highs)
    if not rows.any():
        return None
    yes = np.ones(n, dtype=bool)
    low_b = np.where(rows, lows * (1.0 - BOUND_WIDENING), np.nan)
    high_b = np.where(rows, highs * (1.0 + BOUND_WIDENING), np.nan)
    return Observed(rows, low_b, yes, high_b, yes, np.zeros(n, dtype=bool))
