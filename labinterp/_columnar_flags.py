"""Each analyte's flag on arrays (low, normal, critically high ...): the engine's flag for
every row, from the pack's reference intervals or, where the pack lets them count, the
laboratory's own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, get_args

import numpy as np
import numpy.typing as npt

from labinterp._columnar_facts import ArrayFacts
from labinterp._columnar_rules import ColumnarPack
from labinterp._columnar_values import (
    FAILED,
    HELD,
    UNDECIDED,
    Bools,
    Codes,
    Observed,
    row_band_codes,
)
from labinterp._rule_base import INF
from labinterp._rules import FlagBand, FlagName, RangeUsed

#: Flag names by code: the engine's own list (:data:`FlagName`), in its order.
FLAG_NAMES: Final[tuple[FlagName, ...]] = get_args(FlagName)
_FLAG_CODE: Final[Mapping[FlagName, np.int8]] = {
    name: np.int8(i) for i, name in enumerate(FLAG_NAMES)
}
_NO_VERDICT: Final = np.int8(-1)
# A censored result inside a limit may lie past the critical limit beyond it (as in
# _result_flags).
_POSSIBLY_CRITICAL: Final[Mapping[tuple[str, str], FlagName]] = {
    ("low", "critically low"): "low, possibly critically low",
    ("high", "critically high"): "high, possibly critically high",
}


def _verdict(facts: ArrayFacts, analyte: str, bands: tuple[FlagBand, ...]) -> npt.NDArray[np.int8]:
    """``_result_flags.verdict`` per row: the first band the result lies in (a flag code), or -1."""
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
    """``_result_flags.flag_result`` per row, as an index into :data:`FLAG_NAMES` (-1 where
    absent)."""
    ranges: tuple[RangeUsed, ...] = pack.compiled.ranges.get(analyte, ())
    n = facts.n
    # _result_flags._uncovered_range: where the pack gives no interval for this patient there is
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
        # The lab's own interval comes first, whatever the pack's (as _result_flags.flag_result).
        lab_rows = obs.lab_interval_rows()
        if lab_rows.any():
            codes = np.where(lab_rows, _lab_flag_codes(obs), codes).astype(np.int8)
    codes[~obs.present] = -1
    computed = facts.computed.get(analyte)
    if computed is not None:
        codes[computed] = -1  # computed, not reported: not flagged (as flag_result)
    return codes


def _lab_flag_codes(obs: Observed) -> Codes:
    """``_result_flags.verdict`` on ``flag_bands(lab low, lab high)`` per row: low, then high,
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
