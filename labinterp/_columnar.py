"""The compiled pack evaluated on arrays: many panels at once, with the scalar engine's logic.

:func:`labinterp.interpret` decides one panel by walking the compiled rules
(``_rules``). This module walks the same rule objects once per chunk of panels, on numpy
arrays: an observed result is four arrays (low, low inclusive, high, high inclusive, in
canonical units), the context is arrays of codes, and each outcome is an ``int8`` array
holding Kleene's three values as ``1`` (held), ``0`` (undecided) and ``-1`` (failed), so that
"all" is the minimum, "any" the maximum and "not" the negation. Every comparison repeats
:func:`labinterp._rule_base.band_outcome` element-wise, with the same tolerance, so that each
row gets exactly the status the scalar engine gives it (``tests/test_frame_equivalence.py``).

Only numpy is needed here; reading tables (pandas, polars) is :mod:`labinterp.frame`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, get_args

import numpy as np
import numpy.typing as npt

from labinterp._analytes import ANALYTES, Analyte, ResolvedUnit
from labinterp._engine import compiled_rules
from labinterp._packs import Pack, When
from labinterp._rule_base import INF, Band, NotCoveredUsed, Outcome
from labinterp._rule_leaves import (
    ContextRule,
    MissingRule,
    PatternIs,
    ReferencePositionRule,
    ThresholdRule,
)
from labinterp._rule_logic import AllRule, AnyRule, ClassRule, NotRule, PatternRule
from labinterp._rules import CompiledPack, FlagBand, FlagName, RangeUsed
from labinterp._units import REL_TOL

__all__ = [
    "FAILED",
    "FLAG_NAMES",
    "HELD",
    "STATUS_NAMES",
    "UNDECIDED",
    "ArrayFacts",
    "Observed",
    "canonical_values",
    "columnar_pack",
    "decide_patterns",
    "flag_codes",
    "plausible_mask",
]

Codes = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

HELD: Final = np.int8(1)
UNDECIDED: Final = np.int8(0)
FAILED: Final = np.int8(-1)
#: Status names by code + 1 (failed, undecided, held), as :class:`labinterp.Status` spells them.
STATUS_NAMES: Final = ("not_consistent", "indeterminate", "consistent")
_OUTCOME_CODE: Final = {Outcome.HELD: 1, Outcome.UNDECIDED: 0, Outcome.FAILED: -1}

#: Flag names by code: the engine's own list (:data:`FlagName`), in its order.
FLAG_NAMES: Final[tuple[FlagName, ...]] = get_args(FlagName)
_FLAG_CODE: Final[Mapping[FlagName, np.int8]] = {
    name: np.int8(i) for i, name in enumerate(FLAG_NAMES)
}
_NO_VERDICT: Final = np.int8(-1)
# A censored result inside a limit may lie past the critical limit beyond it (as in _engine).
_POSSIBLY_CRITICAL: Final[Mapping[tuple[str, str], FlagName]] = {
    ("low", "critically low"): "low, possibly critically low",
    ("high", "critically high"): "high, possibly critically high",
}

# Context codes: sex 0 unknown, 1 female, 2 male; pregnancy and trimester as tri codes/ints.
SEX_CODES: Final = {"female": np.int8(1), "male": np.int8(2)}


# --- observed values ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observed:
    """One analyte's results for a chunk of rows, as canonical intervals (like
    :attr:`labinterp.Measurement.canonical_interval`); ``present`` is False where absent."""

    present: Bools
    low: Floats
    low_inclusive: Bools
    high: Floats
    high_inclusive: Bools
    exact: Bools  # present and not censored (derived indices need exact inputs)
    # The laboratory's own reference interval of each result, canonical (NaN: no such bound);
    # None when the table gives no lab intervals for this analyte.
    lab_low: Floats | None = None
    lab_high: Floats | None = None

    def lab_interval_rows(self) -> Bools:
        """Rows whose result carries a lab interval (at least one bound)."""
        if self.lab_low is None or self.lab_high is None:
            return np.zeros(len(self.present), dtype=bool)
        return np.asarray(self.present & ~(np.isnan(self.lab_low) & np.isnan(self.lab_high)))

    @classmethod
    def absent(cls, n: int) -> Observed:
        no = np.zeros(n, dtype=bool)
        nan = np.full(n, np.nan)
        return cls(no, nan, no, nan, no, no)

    @classmethod
    def exact_values(cls, values: Floats, present: Bools) -> Observed:
        yes = np.ones(len(values), dtype=bool)
        return cls(present, values, yes, values, yes, present)


def _close(a: Floats, b: float) -> Bools:
    """``|a - b| <= REL_TOL * max(|a|, |b|)``, as band_outcome tests it (no absolute floor).

    Observed values and edges are never negative (a canonical value is at least 0), so the
    absolute values of the maximum can be left out."""
    with np.errstate(invalid="ignore"):
        if b >= 0:
            return np.asarray(np.abs(a - b) <= np.maximum(a, b) * REL_TOL)
        return np.asarray(np.abs(a - b) <= REL_TOL * np.maximum(np.abs(a), abs(b)))


def is_close_array(a: Floats, b: float) -> Bools:
    """:func:`labinterp._units.is_close` element-wise (relative REL_TOL, absolute 1e-12)."""
    with np.errstate(invalid="ignore"):
        tol = np.maximum(REL_TOL * np.maximum(np.abs(a), abs(b)), 1e-12)
        return np.asarray((a == b) | (np.abs(a - b) <= tol))


def _exact_band_codes(obs: Observed, band: Band) -> Codes:
    """band_codes when every result is exact: a point is in the band or not (two-valued);
    at an edge (within tolerance) the edge's inclusivity decides, as in band_outcome."""
    x = obs.low
    with np.errstate(invalid="ignore"):
        held = np.ones(len(x), dtype=bool)
        if band.low != -INF:
            at = _close(x, band.low)
            held &= (at & band.low_inclusive) | (~at & (x > band.low))
        if band.high != INF:
            at = _close(x, band.high)
            held &= (at & band.high_inclusive) | (~at & (x < band.high))
    codes = np.where(held, HELD, FAILED).astype(np.int8)
    codes[~obs.present] = UNDECIDED
    return codes


def band_codes(obs: Observed, band: Band) -> Codes:
    """:func:`band_outcome` for every row: 1 held, -1 failed, 0 undecided (or absent)."""
    if np.array_equal(obs.exact, obs.present):
        return _exact_band_codes(obs, band)
    lo, lo_incl, hi, hi_incl = obs.low, obs.low_inclusive, obs.high, obs.high_inclusive
    lo_finite, hi_finite = lo != INF, hi != INF
    with np.errstate(invalid="ignore"):
        if band.low == -INF:
            ok_low: Bools = np.ones(len(lo), dtype=bool)
        else:
            at = lo_finite & _close(lo, band.low)
            ok_low = np.where(at, band.low_inclusive | ~lo_incl, lo > band.low)
        if band.high == INF:
            held = ok_low
        else:
            at = hi_finite & _close(hi, band.high)
            held = ok_low & np.where(at, band.high_inclusive | ~hi_incl, hi < band.high)
        failed = np.zeros(len(lo), dtype=bool)
        if band.low != -INF:
            at = hi_finite & _close(hi, band.low)
            failed |= np.where(at, (not band.low_inclusive) | ~hi_incl, hi < band.low)
        if band.high != INF:
            at = lo_finite & _close(lo, band.high)
            failed |= np.where(at, (not band.high_inclusive) | ~lo_incl, lo > band.high)
    codes = np.where(held, HELD, np.where(failed, FAILED, UNDECIDED)).astype(np.int8)
    codes[~obs.present] = UNDECIDED
    return codes


def _close_rows(a: Floats, b: Floats) -> Bools:
    """:func:`_close` with an edge per row."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(a - b) <= REL_TOL * np.maximum(np.abs(a), np.abs(b)))


def row_band_codes(
    obs: Observed, low: Floats, low_inclusive: Bools, high: Floats, high_inclusive: Bools
) -> Codes:
    """:func:`band_codes` with a band per row (a lab's own interval): ``-INF``/``INF`` edges
    are open; the same comparisons as ``band_outcome``, element-wise."""
    lo, lo_incl, hi, hi_incl = obs.low, obs.low_inclusive, obs.high, obs.high_inclusive
    lo_finite, hi_finite = lo != INF, hi != INF
    has_low, has_high = low != -INF, high != INF
    with np.errstate(invalid="ignore"):
        at = has_low & lo_finite & _close_rows(lo, low)
        ok_low = ~has_low | np.where(at, low_inclusive | ~lo_incl, lo > low)
        at = has_high & hi_finite & _close_rows(hi, high)
        ok_high = ~has_high | np.where(at, high_inclusive | ~hi_incl, hi < high)
        held = ok_low & ok_high
        at = has_low & hi_finite & _close_rows(hi, low)
        failed = has_low & np.where(at, ~low_inclusive | ~hi_incl, hi < low)
        at = has_high & lo_finite & _close_rows(lo, high)
        failed |= has_high & np.where(at, ~high_inclusive | ~lo_incl, lo > high)
    codes = np.where(held, HELD, np.where(failed, FAILED, UNDECIDED)).astype(np.int8)
    codes[~obs.present] = UNDECIDED
    return codes


def _lab_band(
    low: Floats, high: Floats, position: str
) -> tuple[Bools, Floats, Bools, Floats, Bools]:
    """``position_band`` per row from a lab's interval: the rows it exists for, and its edges
    (below: under the low limit; above: over the high limit; within: between, inclusive)."""
    has_low, has_high = ~np.isnan(low), ~np.isnan(high)
    no = np.zeros(len(low), dtype=bool)
    minus, plus = np.full(len(low), -INF), np.full(len(low), INF)
    if position == "below":
        return has_low, minus, no, np.where(has_low, low, INF), no
    if position == "above":
        return has_high, np.where(has_high, high, -INF), no, plus, no
    edges_low = np.where(has_low, low, -INF)
    edges_high = np.where(has_high, high, INF)
    return has_low | has_high, edges_low, has_low, edges_high, has_high


# --- converting values --------------------------------------------------------------------------

# Values of at most this many significant digits come back from a conversion (check_value).
_DIGITS: Final = 12
_HALF_WINDOW: Final = 1e-4  # a scaled value this close to .5 is rounded in Python, exactly


def round_significant(x: Floats) -> Floats:
    """``float(f"{v:.12g}")`` for every finite, non-negative ``v``, bit for bit.

    Scaling by an exact power of ten and rounding to an integer gives the same decimal as
    Python's formatting unless the scaled value lies within a hair of .5 (where the product's
    own rounding may tip it) or the exponent was misjudged; those few values, and tiny ones
    whose power of ten is not exact, are formatted in Python.
    """
    out = x.copy()
    positive = np.isfinite(x) & (x > 0)
    idx = np.flatnonzero(positive)
    if idx.size == 0:
        return out
    v = x[idx]
    k = (_DIGITS - 1 - np.floor(np.log10(v))).astype(np.int64)
    exact_power = (k >= -22) & (k <= 22)
    kk = np.clip(k, -22, 22)
    up = kk >= 0
    power = 10.0 ** np.abs(kk).astype(np.float64)
    scaled = np.where(up, v * power, v / power)
    whole = np.rint(scaled)
    rounded = np.where(up, whole / power, whole * power)
    frac = np.abs(scaled - np.trunc(scaled))
    doubtful = (
        ~exact_power
        | (np.abs(frac - 0.5) < _HALF_WINDOW)
        | (whole < 10.0 ** (_DIGITS - 1))
        | (whole >= 10.0**_DIGITS)
    )
    for j in np.flatnonzero(doubtful):
        rounded[j] = float(f"{float(v[j]):.12g}")
    out[idx] = rounded
    return out


def canonical_values(values: Floats, resolved: ResolvedUnit) -> Floats:
    """Values in ``resolved`` units to the canonical unit, as :meth:`Analyte.check_value`
    computes them (rounded to 12 significant digits after a conversion)."""
    with np.errstate(invalid="ignore", over="ignore"):
        canonical = values * resolved.to_canonical
    if resolved.to_canonical != 1.0:
        canonical = round_significant(canonical)
    return canonical


def plausible_mask(analyte: Analyte, canonical: Floats) -> Bools:
    """:meth:`Analyte.is_plausible` element-wise (NaN is not plausible)."""
    p = analyte.plausible
    with np.errstate(invalid="ignore"):
        if p.low_exclusive:
            above = canonical > p.low
        else:
            above = (canonical >= p.low) | is_close_array(canonical, p.low)
        below = (canonical <= p.high) | is_close_array(canonical, p.high)
    return np.asarray(above & below)


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
    outcomes: dict[str, Codes] = field(default_factory=dict)
    _when_cache: dict[int, Codes] = field(default_factory=dict)
    _band_cache: dict[tuple[str, Band], Codes] = field(default_factory=dict)

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
        values.update(derived_values(values, n))
        # The pack's rule for a panel without an age (population.when_age_unknown), as the
        # engine's _facts reads it; pregnancy is never assumed from these assumed ages.
        rule = pack.population.when_age_unknown
        assumed = None if rule is None else (rule.assume_age_min, rule.assume_age_max or math.inf)
        return cls(n, values, eff_sex, eff_pregnant, trimester, age, reported, pack, assumed)

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

        if when.sex is not None:
            part(_tri(self.sex == 0, self.sex == SEX_CODES[when.sex]))
        if when.pregnant is not None:
            wanted = HELD if when.pregnant else FAILED
            part(_tri(self.pregnant == 0, self.pregnant == wanted))
        if when.trimester is not None:
            codes = _tri(self.trimester == 0, np.isin(self.trimester, list(when.trimester)))
            codes[self.pregnant == FAILED] = FAILED
            part(codes)
        if when.age_min is not None or when.age_max is not None:
            part(self._age_applies(when))
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
    return np.where(unknown, UNDECIDED, np.where(true, HELD, FAILED)).astype(np.int8)


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


_ARRAY_FORMULAS: Final[Mapping[str, Callable[[Mapping[str, Floats]], tuple[Floats, Bools]]]] = {
    "mentzer_index": _mentzer,
    "reticulocyte_production_index": _rpi,
    "stfr_ferritin_index": _stfr_index,
}


def derived_values(values: Mapping[str, Observed], n: int) -> dict[str, Observed]:
    """The catalog's derived indices where their inputs are exact (``compute_derived``)."""
    out: dict[str, Observed] = {}
    for analyte in ANALYTES.values():
        if analyte.derived is None:
            continue
        inputs = analyte.derived.inputs
        observed = [values.get(i) for i in inputs]
        if any(o is None for o in observed):
            continue
        usable = np.ones(n, dtype=bool)
        for o in observed:
            assert o is not None
            usable &= o.exact
        if not usable.any():
            continue
        formula = _ARRAY_FORMULAS.get(analyte.derived.function)
        if formula is None:  # pragma: no cover - a formula added without its array form
            raise NotImplementedError(f"no array form of the formula {analyte.derived.function}")
        canonical = {
            i: np.where(usable, o.low, np.nan) for i, o in zip(inputs, observed, strict=True) if o
        }
        value, defined = formula(canonical)
        present = usable & defined
        out[analyte.id] = Observed.exact_values(np.where(present, value, np.nan), present)
    return out


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnarPack:
    """A compiled pack ready for arrays (the rules are the scalar engine's own objects)."""

    compiled: CompiledPack
    pattern_ids: tuple[str, ...]
    population_age: tuple[float | None, float | None]


def columnar_pack(pack: Pack) -> ColumnarPack:
    compiled = compiled_rules(pack)
    pop = pack.population
    return ColumnarPack(
        compiled, tuple(cp.id for cp in compiled.patterns), (pop.age_min, pop.age_max)
    )


def _agree(outcomes: list[tuple[Bools, Codes]], n: int) -> Codes:
    """The candidates' outcome when they agree, else undecided (none chosen: undecided)."""
    low = np.full(n, 2, dtype=np.int8)
    high = np.full(n, -2, dtype=np.int8)
    for chosen, codes in outcomes:
        np.minimum(low, np.where(chosen, codes, np.int8(2)), out=low)
        np.maximum(high, np.where(chosen, codes, np.int8(-2)), out=high)
    return np.where((low == high), low, UNDECIDED).astype(np.int8)


def _leaf(analyte: str, cutoffs: Iterable[Any], facts: ArrayFacts) -> Codes:
    """``_decide_leaf``: each cut-off whose context may apply, agreeing or undecided."""
    cuts = tuple(cutoffs)
    if not cuts:
        return np.zeros(facts.n, dtype=np.int8)
    outcomes = []
    for cut in cuts:
        applies = facts.when(cut.when)
        outcomes.append((applies != FAILED, facts.band(analyte, cut.band)))
    codes = _agree(outcomes, facts.n)
    codes[~facts.observed(analyte).present] = UNDECIDED
    return codes


def decide(rule: Any, facts: ArrayFacts) -> Codes:
    """A rule's ``decide`` for every row."""
    if isinstance(rule, ThresholdRule):
        return _undecided_where_uncovered(
            _leaf(rule.analyte, rule.cutoffs, facts), rule.not_covered, facts
        )
    if isinstance(rule, ReferencePositionRule):
        # The pack's intervals (and the contexts it gives none for), except where a result
        # carries the lab's own interval with the bound this position needs (and the pack
        # lets lab intervals count): ReferencePositionRule._cutoffs row by row.
        codes = _undecided_where_uncovered(
            _leaf(rule.analyte, rule.pack_cutoffs, facts), rule.not_covered, facts
        )
        return _with_lab_position(codes, rule, facts)
    if isinstance(rule, PatternIs):
        return facts.outcomes[rule.pattern_id]
    if isinstance(rule, AllRule):
        return _fold(np.minimum, (decide(r, facts) for r in rule.rules), HELD, facts.n)
    if isinstance(rule, AnyRule):
        return _fold(np.maximum, (decide(r, facts) for r in rule.rules), FAILED, facts.n)
    if isinstance(rule, NotRule):
        return (-decide(rule.rule, facts)).astype(np.int8)
    if isinstance(rule, ContextRule):
        return facts.when(rule.when)
    if isinstance(rule, MissingRule):
        present = facts.observed(rule.analyte).present
        return np.where(present, FAILED, HELD).astype(np.int8)
    if isinstance(rule, ClassRule):
        parts = [(-decide(r, facts)).astype(np.int8) for _, r in rule.earlier]
        if rule.own is not None:
            parts.append(decide(rule.own, facts))
        return _fold(np.minimum, parts, HELD, facts.n)
    if isinstance(rule, PatternRule):
        criteria = decide(rule.criteria, facts)
        if not rule.grey_zones:
            return criteria
        all_failed = np.ones(facts.n, dtype=bool)
        for zone in rule.grey_zones:
            all_failed &= decide(zone.rule, facts) == FAILED
        return np.where(all_failed, criteria, UNDECIDED).astype(np.int8)
    raise TypeError(f"no columnar form of the rule {rule!r}")  # pragma: no cover


def _with_lab_position(codes: Codes, rule: ReferencePositionRule, facts: ArrayFacts) -> Codes:
    obs = facts.observed(rule.analyte)
    if not facts.pack.use_lab_reference_intervals or obs.lab_low is None or obs.lab_high is None:
        return codes
    usable, low, low_incl, high, high_incl = _lab_band(obs.lab_low, obs.lab_high, rule.position)
    usable &= obs.present
    if not usable.any():
        return codes
    lab = row_band_codes(obs, low, low_incl, high, high_incl)
    return np.where(usable, lab, codes).astype(np.int8)


def _undecided_where_uncovered(
    codes: Codes, gaps: Iterable[NotCoveredUsed], facts: ArrayFacts
) -> Codes:
    """``_rule_leaves._uncovered``: undecided where a not-covered context applies or may."""
    uncovered = _uncovered_mask(gaps, facts)
    if uncovered is None:
        return codes
    return np.where(uncovered, UNDECIDED, codes).astype(np.int8)


def _uncovered_mask(gaps: Iterable[NotCoveredUsed], facts: ArrayFacts) -> Bools | None:
    """Rows a not-covered context applies to or may apply to (None: the rule has none)."""
    mask: Bools | None = None
    for gap in gaps:
        hit = facts.when(gap.when) != FAILED
        mask = hit if mask is None else mask | hit
    return mask


def _fold(op: Callable[..., Any], parts: Iterable[Codes], start: np.int8, n: int) -> Codes:
    result = np.full(n, start, dtype=np.int8)
    for codes in parts:
        op(result, codes, out=result)
    return result


def outside_population(pack: ColumnarPack, age: Floats) -> Bools:
    """Rows whose age is outside the pack's population (every pattern is undecided)."""
    low, high = pack.population_age
    out = np.zeros(len(age), dtype=bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            out |= age < low
        if high is not None:
            out |= age >= high
    return out


def decide_patterns(pack: ColumnarPack, facts: ArrayFacts, outside: Bools) -> dict[str, Codes]:
    """Every pattern's (and class's) outcome codes, in the engine's evaluation order."""
    for cp in pack.compiled.patterns:
        facts.outcomes[cp.id] = decide(cp.decider, facts)
    result = {}
    for pid, codes in facts.outcomes.items():
        final = codes.copy()
        final[outside] = UNDECIDED
        result[pid] = final
    return result


# --- flags --------------------------------------------------------------------------------------


def _verdict(facts: ArrayFacts, analyte: str, bands: tuple[FlagBand, ...]) -> npt.NDArray[np.int8]:
    """``_engine._verdict`` per row: the first band the result lies in (a flag code), or -1."""
    verdict = np.full(facts.n, _NO_VERDICT, dtype=np.int8)
    open_ = np.ones(facts.n, dtype=bool)
    straddled: dict[str, Bools] = {}
    for name, _code, band in bands:
        codes = facts.band(analyte, band)
        held = open_ & (codes == HELD)
        np.putmask(verdict, held, _FLAG_CODE[name])
        for (plain, severe), qualified in _POSSIBLY_CRITICAL.items():
            if plain == name and severe in straddled:
                np.putmask(verdict, held & straddled[severe], _FLAG_CODE[qualified])
        if name in _SEVERE:  # only these qualify a later band
            straddled[name] = open_ & (codes == UNDECIDED)
        open_ &= ~held
    return verdict


_SEVERE: Final = frozenset(severe for _, severe in _POSSIBLY_CRITICAL)


def flag_codes(
    pack: ColumnarPack, facts: ArrayFacts, analyte: str, outside: Bools
) -> npt.NDArray[np.int8]:
    """``_engine._flag`` per row, as an index into :data:`FLAG_NAMES` (-1 where absent)."""
    ranges: tuple[RangeUsed, ...] = pack.compiled.ranges.get(analyte, ())
    n = facts.n
    # _engine._uncovered_range: where the pack gives no interval for this patient there is
    # no flag; where the unknown context may be such a one, the flag is undetermined.
    no_interval = np.zeros(n, dtype=bool)
    maybe_uncovered = np.zeros(n, dtype=bool)
    if ranges:
        for gap in pack.compiled.range_gaps.get(analyte, ()):
            applies = facts.when(gap.when)
            no_interval |= applies == HELD
            maybe_uncovered |= applies == UNDECIDED
        no_interval &= ~outside
        maybe_uncovered &= ~outside & ~no_interval
    any_chosen = np.zeros(n, dtype=bool)
    first = np.full(n, -2, dtype=np.int8)  # -2: no candidate yet
    agree = np.ones(n, dtype=bool)
    for r in ranges:
        chosen = (facts.when(r.when) != FAILED) & ~outside
        verdict = _verdict(facts, analyte, r.bands)
        new = chosen & ~any_chosen
        first[new] = verdict[new]
        agree &= ~chosen | new | (verdict == first)
        any_chosen |= chosen
    codes = np.where(
        ~any_chosen,
        _FLAG_CODE["no reference interval"],
        np.where(agree & (first >= 0), first, _FLAG_CODE["undetermined"]),
    ).astype(np.int8)
    codes[no_interval] = _FLAG_CODE["no reference interval"]
    codes[maybe_uncovered] = _FLAG_CODE["undetermined"]
    obs = facts.observed(analyte)
    if facts.pack.use_lab_reference_intervals:
        # The lab's own interval comes first, whatever the pack's (as _engine._flag).
        lab_rows = obs.lab_interval_rows()
        if lab_rows.any():
            codes = np.where(lab_rows, _lab_flag_codes(obs), codes).astype(np.int8)
    codes[~obs.present] = -1
    return codes


def _lab_flag_codes(obs: Observed) -> Codes:
    """``_engine._verdict`` on ``flag_bands(lab low, lab high)`` per row: low, then high,
    then inside (normal, or not low / not high when one limit is given); else undetermined."""
    assert obs.lab_low is not None
    assert obs.lab_high is not None
    low, high = obs.lab_low, obs.lab_high
    has_low, has_high = ~np.isnan(low), ~np.isnan(high)
    no = np.zeros(len(low), dtype=bool)
    minus, plus = np.full(len(low), -INF), np.full(len(low), INF)
    below = row_band_codes(obs, minus, no, np.where(has_low, low, INF), no) == HELD
    above = row_band_codes(obs, np.where(has_high, high, -INF), no, plus, no) == HELD
    inside = (
        row_band_codes(
            obs, np.where(has_low, low, -INF), has_low, np.where(has_high, high, INF), has_high
        )
        == HELD
    )
    return np.select(
        [
            has_low & below,
            has_high & above,
            inside & has_low & has_high,
            inside & has_low,
            inside & has_high,
        ],
        [_FLAG_CODE[name] for name in ("low", "high", "normal", "not low", "not high")],
        default=_FLAG_CODE["undetermined"],
    ).astype(np.int8)


def status_code(outcome: Outcome) -> int:
    return _OUTCOME_CODE[outcome]
