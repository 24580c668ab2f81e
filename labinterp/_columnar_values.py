"""A result on arrays: one analyte's results for a chunk of rows as canonical intervals
(:class:`Observed`), values converted to canonical units and checked for plausibility as the
scalar reader does it, and where each row's result lies against a band, as Kleene's three
values (``1`` held, ``0`` undecided, ``-1`` failed). Every comparison repeats
:func:`labinterp._rule_base.band_outcome` element-wise, with the same tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from labinterp._analytes import Analyte, ResolvedUnit
from labinterp._rule_base import INF, Band
from labinterp._units import REL_TOL

Codes = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

HELD: Final = np.int8(1)
UNDECIDED: Final = np.int8(0)
FAILED: Final = np.int8(-1)


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

    def merged(self, other: Observed, rows: Bools) -> Observed:
        """These results, with ``other``'s in ``rows`` (where these are absent)."""
        return Observed(
            self.present | rows,
            np.where(rows, other.low, self.low),
            np.where(rows, other.low_inclusive, self.low_inclusive),
            np.where(rows, other.high, self.high),
            np.where(rows, other.high_inclusive, self.high_inclusive),
            np.where(rows, other.exact, self.exact),
            self.lab_low,
            self.lab_high,
        )

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


def lab_band(
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
