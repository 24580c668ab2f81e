"""A chunk of a wide table's rows read into arrays: each analyte column as observed values in
canonical units (numbers and report text, with the lab's own limits), and the context columns
as codes and masks, with the rows that cannot be read marked bad (the scalar reader then says
why). Each distinct cell is read once by the scalar API's own readers, so the arrays agree with
:func:`labinterp.interpret`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from labinterp._analytes import ANALYTES
from labinterp._columnar import (
    SEX_CODES,
    ArrayFacts,
    Bools,
    Codes,
    ColumnarPack,
    Floats,
    Observed,
    canonical_values,
    decide_patterns,
    flag_codes,
    outside_population,
    plausible_mask,
)
from labinterp._errors import LabinterpError
from labinterp._frame_columns import LIST_FIELDS, AnalyteColumn, ColumnPlan, context_cell
from labinterp._frame_table import Objects, Table, scalar_cell
from labinterp._measurement import measurement_from
from labinterp._panel import Panel


def _observed_numbers(analyte_id: str, values: Floats, units: Objects) -> tuple[Observed, Bools]:
    """Numbers with a unit per row: each unit resolved once, its rows converted at once."""
    analyte = ANALYTES[analyte_id]
    n = len(values)
    present = ~np.isnan(values)
    bad = np.zeros(n, dtype=bool)
    canonical = np.full(n, np.nan)
    codes, uniques = _factorize(units)
    bad |= present & (codes < 0)  # a number without a unit is refused, never assumed
    ok_number = np.isfinite(values) & (values >= 0)
    for k, unit in enumerate(uniques):
        rows = (codes == k) & present
        if unit is None or not rows.any():
            continue
        try:
            resolved = analyte.resolve_unit(unit)
        except LabinterpError:
            bad |= rows
            continue
        converted = canonical_values(values[rows], resolved)
        canonical[rows] = converted
        fine = ok_number[rows] & plausible_mask(analyte, converted)
        bad[np.flatnonzero(rows)[~fine]] = True
    good = present & ~bad
    yes = np.ones(n, dtype=bool)
    obs = Observed(good, canonical, yes, canonical, yes, good)
    return obs, bad


_INTERVAL_FIELDS = 5  # low, low inclusive, high, high inclusive, exact


def _observed_objects(analyte_id: str, values: Objects, units: Objects) -> tuple[Observed, Bools]:
    """Report text or mixed cells: each distinct (value, unit) read once by the scalar reader."""
    analyte = ANALYTES[analyte_id]
    n = len(values)
    try:
        vcodes, vuniques = _factorize(values)
    except TypeError:  # an unhashable cell (a dict ...): give each row its own key
        vuniques = [scalar_cell(v) for v in values]
        vcodes = np.where([v is None for v in vuniques], -1, np.arange(n))
    ucodes, uuniques = _factorize(units)
    present = vcodes >= 0
    key = vcodes.astype(np.int64) * (len(uuniques) + 1) + (ucodes + 1)
    inverse, keys = pd.factorize(np.where(present, key, -1))
    table = np.zeros((len(keys), _INTERVAL_FIELDS))
    ok = np.zeros(len(keys), dtype=bool)
    for k, combined in enumerate(keys):
        if combined < 0:
            continue
        v = vuniques[combined // (len(uuniques) + 1)]
        u_index = combined % (len(uuniques) + 1) - 1
        raw = v if u_index < 0 else {"value": v, "unit": uuniques[u_index]}
        try:
            m = measurement_from(analyte, raw)
        except LabinterpError:
            continue
        lo, lo_incl, hi, hi_incl = m.canonical_interval
        table[k] = (lo, lo_incl, hi, hi_incl, m.comparator is None)
        ok[k] = True
    row_ok = ok[inverse] & present
    bad = present & ~row_ok
    rows = table[inverse]
    nan = np.where(row_ok, 0.0, np.nan)
    obs = Observed(
        row_ok,
        rows[:, 0] + nan,
        rows[:, 1].astype(bool),
        rows[:, 2] + nan,
        rows[:, 3].astype(bool),
        row_ok & rows[:, 4].astype(bool),
    )
    return obs, bad


def read_analyte(table: Table, col: AnalyteColumn, start: int, stop: int) -> tuple[Observed, Bools]:
    n = stop - start
    if col.unit_column is not None:
        units = table.objects(col.unit_column, start, stop)
        if col.unit is not None:  # units= fills the blank cells of the unit column
            blank = np.array([scalar_cell(u) is None for u in units], dtype=bool)
            units = np.where(blank, col.unit, units)
    else:
        units = np.full(n, col.unit, dtype=object)
    if table.is_numeric(col.column):
        obs, bad = _observed_numbers(col.analyte, table.floats(col.column, start, stop), units)
    else:
        obs, bad = _observed_objects(col.analyte, table.objects(col.column, start, stop), units)
    if col.lab_low_column is None and col.lab_high_column is None:
        return obs, bad
    return _with_lab_interval(table, col, obs, bad, units, start, stop)


def _lab_bound(table: Table, name: str | None, start: int, stop: int) -> tuple[Floats, Bools]:
    """One lab limit column as numbers (NaN where empty), and the rows the arrays cannot
    read (a column of text or booleans: those rows go to the scalar reader)."""
    n = stop - start
    if name is None:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    if table.is_numeric(name):
        return table.floats(name, start, stop), np.zeros(n, dtype=bool)
    given = np.asarray(table.data[name].iloc[start:stop].notna().to_numpy(dtype=bool))
    return np.full(n, np.nan), given


def _with_lab_interval(
    table: Table,
    col: AnalyteColumn,
    obs: Observed,
    bad: Bools,
    units: Objects,
    start: int,
    stop: int,
) -> tuple[Observed, Bools]:
    """The lab's limits, checked as :class:`ReferenceInterval` checks them (low not above
    high, each bound a plausible value in the result's unit), in canonical units. A row whose
    interval fails is bad; the scalar reader then gives its reason."""
    analyte = ANALYTES[col.analyte]
    low, odd_low = _lab_bound(table, col.lab_low_column, start, stop)
    high, odd_high = _lab_bound(table, col.lab_high_column, start, stop)
    given = obs.present & (~np.isnan(low) | ~np.isnan(high) | odd_low | odd_high)
    wrong = given & (odd_low | odd_high)
    with np.errstate(invalid="ignore"):
        wrong |= given & (low > high)
    canonical_low, canonical_high = np.full(len(low), np.nan), np.full(len(low), np.nan)
    codes, uniques = _factorize(units)
    wrong |= given & (codes < 0)  # limits need the result's unit
    for k, unit in enumerate(uniques):
        rows = given & (codes == k)
        if unit is None or not rows.any():
            continue
        try:
            resolved = analyte.resolve_unit(unit)
        except LabinterpError:
            wrong |= rows
            continue
        for raw, out in ((low, canonical_low), (high, canonical_high)):
            bound = raw[rows]
            converted = canonical_values(bound, resolved)
            with np.errstate(invalid="ignore"):
                fine = np.isnan(bound) | (
                    np.isfinite(bound) & (bound >= 0) & plausible_mask(analyte, converted)
                )
            out[rows] = converted
            wrong[np.flatnonzero(rows)[~fine]] = True
    bad = bad | wrong
    keep = given & ~bad
    lab_low = np.where(keep, canonical_low, np.nan)
    lab_high = np.where(keep, canonical_high, np.nan)
    return replace(obs, lab_low=lab_low, lab_high=lab_high), bad


@dataclass(slots=True)
class ChunkContext:
    """A chunk's context as codes (sex, pregnant, trimester), ages, one mask per reported
    (field, id), and the rows whose context no patient can have."""

    sex: Codes
    pregnant: Codes
    trimester: Codes
    age: Floats
    reported: dict[tuple[str, str], Bools]
    bad: Bools


def _context_values(
    table: Table, plan: ColumnPlan, key: str, start: int, stop: int
) -> tuple[Objects, bool]:
    """A context field's cells for the chunk (a column or a constant); True if given at all."""
    n = stop - start
    if key in plan.constants:
        out = np.empty(n, dtype=object)
        out[:] = [_hashable(context_cell(key, plan.constants[key]))] * n
        return out, True
    name = plan.context.get(key)
    if name is None:
        return np.full(n, None, dtype=object), False
    return table.objects(name, start, stop), True


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _factorize(
    cells: Objects, normalise: Callable[[Any], Any] = scalar_cell
) -> tuple[npt.NDArray[np.intp], list[Any]]:
    """Codes of the distinct cells (-1 for missing) and each distinct cell, normalised once.

    Hashing runs in pandas; only the distinct cells meet Python. Unhashable cells (lists of
    conditions) are normalised row by row first, which makes them hashable."""
    try:
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    except TypeError:
        rows = np.empty(len(cells), dtype=object)
        rows[:] = [_hashable(normalise(c)) for c in cells]
        codes, uniques = pd.factorize(rows, use_na_sentinel=True)
    values = [normalise(u) for u in uniques]
    gone = [k for k, v in enumerate(values) if v is None]
    codes = np.asarray(codes)
    if gone:  # blank text and the like: missing after all
        codes = np.where(np.isin(codes, gone), -1, codes)
    return codes, values


def _distinct(field_name: str, cells: Objects) -> tuple[npt.NDArray[np.intp], list[Any], Bools]:
    """Each distinct cell validated once, as Panel does; the panel's stored value for it."""
    codes, uniques = _factorize(cells, lambda c: _hashable(context_cell(field_name, c)))
    stored: list[Any] = []
    ok = np.ones(len(uniques), dtype=bool)
    for k, cell in enumerate(uniques):
        raw = list(cell) if isinstance(cell, tuple) else cell
        if raw is None:
            stored.append(None)
            continue
        try:
            panel = Panel.from_mapping({field_name: raw})
        except LabinterpError:
            ok[k] = False
            stored.append(None)
            continue
        stored.append(getattr(panel, field_name))
    bad = (codes >= 0) & ~np.append(ok, True)[codes]
    return np.asarray(codes), stored, bad


def read_context(table: Table, plan: ColumnPlan, start: int, stop: int) -> ChunkContext:
    n = stop - start
    bad = np.zeros(n, dtype=bool)
    sex = np.zeros(n, dtype=np.int8)
    pregnant = np.zeros(n, dtype=np.int8)
    trimester = np.zeros(n, dtype=np.int8)
    age = np.full(n, np.nan)
    reported: dict[tuple[str, str], Bools] = {}
    if "age" in plan.context and table.is_numeric(plan.context["age"]):
        age = table.floats(plan.context["age"], start, stop)
        with np.errstate(invalid="ignore"):
            bad |= ~np.isnan(age) & ~((age >= 0) & (age <= 130))
        age = np.where(bad, np.nan, age)
    else:
        cells, given = _context_values(table, plan, "age", start, stop)
        if given:
            codes, stored, wrong = _distinct("age", cells)
            bad |= wrong
            lookup = np.array([np.nan if s is None else s for s in stored] + [np.nan])
            age = lookup[codes]
    for key in ("sex", "pregnant", "trimester", "diet", *LIST_FIELDS):
        cells, given = _context_values(table, plan, key, start, stop)
        if not given:
            continue
        codes, stored, wrong = _distinct(key, cells)
        bad |= wrong
        if key == "sex":
            lookup = np.array([SEX_CODES.get(s, 0) for s in stored] + [0], dtype=np.int8)
            sex = lookup[codes]
        elif key == "pregnant":
            tri = [0 if s is None else (1 if s else -1) for s in stored]
            pregnant = np.array([*tri, 0], dtype=np.int8)[codes]
        elif key == "trimester":
            trimester = np.array([int(s or 0) for s in stored] + [0], dtype=np.int8)[codes]
        else:
            ids_per_code = [
                () if s is None else ((s,) if isinstance(s, str) else tuple(s)) for s in stored
            ]
            for item in sorted({i for ids in ids_per_code for i in ids}):
                having = [k for k, ids in enumerate(ids_per_code) if item in ids]
                reported[(key, item)] = np.isin(codes, having)
    # Contexts no patient can have (Panel refuses them): a pregnant man, a trimester when
    # pregnancy is not given as true.
    bad |= (pregnant == 1) & (sex == 2)
    bad |= (trimester != 0) & (pregnant != 1)
    return ChunkContext(sex, pregnant, trimester, age, reported, bad)


# --- a chunk decided on arrays ------------------------------------------------------------------


def interpret_chunk(
    table: Table,
    plan: ColumnPlan,
    cpack: ColumnarPack,
    start: int,
    stop: int,
    statuses: dict[str, Codes],
    flags: dict[str, Codes],
    bad: Bools,
) -> None:
    values: dict[str, Observed] = {}
    chunk_bad = np.zeros(stop - start, dtype=bool)
    for col in plan.analytes:
        obs, wrong = read_analyte(table, col, start, stop)
        values[col.analyte] = obs
        chunk_bad |= wrong
    ctx = read_context(table, plan, start, stop)
    chunk_bad |= ctx.bad
    # A pregnancy outside the pack's pregnancy ages: interpret refuses it, and gives the reason.
    ages = cpack.compiled.pack.population.pregnancy_ages
    chunk_bad |= (ctx.pregnant == 1) & ((ctx.age < ages.min) | (ctx.age > ages.max))
    facts = ArrayFacts.build(
        cpack.compiled.pack,
        values,
        sex=ctx.sex,
        pregnant=ctx.pregnant,
        trimester=ctx.trimester,
        age=ctx.age,
        reported=ctx.reported,
    )
    outside = outside_population(cpack, ctx.age)
    decided = decide_patterns(cpack, facts, outside)
    for pid, codes in decided.items():
        statuses[pid][start:stop] = np.where(chunk_bad, -1, codes + 1)
    for col in plan.analytes:
        codes = flag_codes(cpack, facts, col.analyte, outside)
        flags[col.analyte][start:stop] = np.where(chunk_bad, -1, codes)
    bad[start:stop] = chunk_bad
