"""Whole lab tables: :func:`interpret_frame` over a wide table, :func:`panels_from_long` to
build one from a long table.

Needs the ``frame`` extra (``pip install "labinterp[frame]"``: pandas, numpy, pyarrow;
polars is optional). A table goes in (pandas, polars or a pyarrow Table) and a table of the
same kind comes out, in the same row order: one status column per pattern, one flag column
per analyte, and ``invalid`` with the reason a row could not be read. The statuses are
exactly those :func:`labinterp.interpret` gives for each row's panel; the work is done on
arrays, a chunk of rows at a time (see ``_columnar``).
"""

from __future__ import annotations

from labinterp._errors import LabinterpError


class MissingExtraError(LabinterpError, ImportError):
    """An optional dependency of labinterp is not installed; the message names the extra."""


try:
    import numpy as np
    import pandas as pd
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError(
        f"labinterp.frame needs pandas and numpy ({_exc.name} is not installed); install "
        "them with: pip install 'labinterp[frame]'",
        expected="pip install 'labinterp[frame]'",
    ) from None

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

import numpy.typing as npt

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._columnar import (
    FLAG_NAMES,
    SEX_CODES,
    STATUS_NAMES,
    ArrayFacts,
    Bools,
    Codes,
    ColumnarPack,
    Floats,
    Observed,
    canonical_values,
    columnar_pack,
    decide_patterns,
    flag_codes,
    outside_population,
    plausible_mask,
)
from labinterp._engine import interpret, resolve_pack
from labinterp._errors import PanelError, UnknownAnalyteError, shorten
from labinterp._findings import Interpretation
from labinterp._long_tables import MIMIC_IV_ITEMS, long_to_wide
from labinterp._measurement import measurement_from
from labinterp._packs import Pack
from labinterp._panel import Panel

__all__ = [
    "MIMIC_IV_ITEMS",
    "FrameResult",
    "MissingExtraError",
    "interpret_frame",
    "panels_from_long",
]

#: Context columns a wide table may hold, as :class:`labinterp.Panel` names them.
CONTEXT_FIELDS: Final = (
    "sex",
    "age",
    "pregnant",
    "trimester",
    "conditions",
    "medications",
    "symptoms",
    "diet",
)
_LISTS: Final = ("conditions", "medications", "symptoms")
_UNIT_SUFFIX: Final = "_unit"
_FLAG_SUFFIX: Final = "_flag"
# A lab's own reference interval for a result, in the result's unit: <column>_low/_high.
_LAB_LOW_SUFFIX: Final = "_low"
_LAB_HIGH_SUFFIX: Final = "_high"
DEFAULT_CHUNK: Final = 65_536

Objects = npt.NDArray[np.object_]
TableKind = Literal["pandas", "polars", "arrow"]


# --- reading tables -----------------------------------------------------------------------------


def _kind(frame: object) -> TableKind:
    if isinstance(frame, pd.DataFrame):
        return "pandas"
    module = type(frame).__module__
    if module.startswith("polars"):
        return "polars"
    if module.startswith("pyarrow"):
        return "arrow"
    raise PanelError(
        f"interpret_frame: expected a pandas or polars DataFrame or a pyarrow Table, got "
        f"{type(frame).__name__}",
        field="frame",
        value=type(frame).__name__,
        expected="a pandas DataFrame, a polars DataFrame or a pyarrow Table",
    )


@dataclass(frozen=True, slots=True)
class _Table:
    """A table read column by column as numpy arrays (pandas inside: polars and Arrow tables
    are converted once, column by column, without copying numeric data where possible)."""

    kind: TableKind
    data: pd.DataFrame
    original: Any
    _columns: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, frame: Any) -> _Table:
        kind = _kind(frame)
        data = frame if kind == "pandas" else frame.to_pandas()
        names = [str(c) for c in data.columns]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise PanelError(
                f"frame: column names must be unique; {shorten(repeated)} repeated",
                field="frame",
                value=repeated,
                expected="unique column names",
            )
        if any(not isinstance(c, str) for c in data.columns):
            data = data.rename(columns=str)  # a shallow copy: 0, 1 ... become "0", "1"
        return cls(kind, data, frame)

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.data.columns]

    def __len__(self) -> int:
        return len(self.data)

    def is_numeric(self, name: str) -> bool:
        dtype = self.data[name].dtype
        return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))

    def floats(self, name: str, start: int, stop: int) -> Floats:
        column = self.data[name].iloc[start:stop]
        return np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan))

    def objects(self, name: str, start: int, stop: int) -> Objects:
        """The raw cells (missing as None); readers normalise each distinct cell once."""
        column = self.data[name].iloc[start:stop]
        # pandas accepts na_value=None for object output; its stubs do not list it.
        return np.asarray(column.to_numpy(dtype=object, na_value=None))  # type: ignore[call-overload]

    def cell(self, name: str, row: int) -> Any:
        column = self._columns.get(name)
        if column is None:  # looking a column up by name is slow; one cell is not
            column = self._columns[name] = self.data[name]
        return _cell(column.iat[row])


def _cell(value: Any) -> Any:
    """A table cell as the scalar API reads it: missing is None; numpy scalars become Python's;
    blank text is missing; an array (a polars or Arrow list) becomes a list."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, np.ndarray):
        return [_cell(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _cell(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value


# --- which column is what -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AnalyteColumn:
    column: str
    analyte: str
    unit: str | None  # one unit for every row (units=)
    unit_column: str | None  # a unit per row (<column>_unit)
    lab_low_column: str | None = None  # the lab's low limit per row (<column>_low)
    lab_high_column: str | None = None  # the lab's high limit per row (<column>_high)


@dataclass(frozen=True, slots=True)
class _Plan:
    analytes: tuple[_AnalyteColumn, ...]
    context: Mapping[str, str]  # context field -> column
    constants: Mapping[str, Any]  # context field -> value for every row


def _plan(
    table: _Table,
    columns: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    context: Mapping[str, Any] | None,
) -> _Plan:
    names = table.names
    if columns is None:
        roles: dict[str, str] = {}
        for name in names:
            if name in CONTEXT_FIELDS:
                roles[name] = name
            elif not name.endswith(_UNIT_SUFFIX):
                try:
                    roles[name] = resolve_analyte_id(name)
                except UnknownAnalyteError:
                    continue  # an identifier, a date ...: not ours, left alone
    else:
        roles = {}
        for name, target in columns.items():
            if name not in names:
                raise PanelError(
                    f"columns: no column {shorten(name)} in the table",
                    field="columns",
                    value=name,
                    expected=f"one of {shorten(names)}",
                )
            roles[name] = target if target in CONTEXT_FIELDS else resolve_analyte_id(target)
    analytes: list[_AnalyteColumn] = []
    seen: dict[str, str] = {}
    ctx: dict[str, str] = {}
    unit_for = _units_by_column(units, roles)
    for name, role in roles.items():
        if role in CONTEXT_FIELDS:
            ctx[role] = name
            continue
        analyte = ANALYTES[role]
        if analyte.derived is not None:
            raise PanelError(
                f"{shorten(name)}: the {analyte.display_name} is computed by labinterp from "
                "its inputs, never given; drop the column or give the inputs",
                field=name,
                value=name,
                expected="measured analytes only",
            )
        if role in seen:
            raise PanelError(
                f"{shorten(name)}: {role} is given twice (also as column {seen[role]!r})",
                field=name,
                value=name,
                expected="each analyte in one column",
            )
        seen[role] = name
        unit_column = name + _UNIT_SUFFIX
        low_column, high_column = name + _LAB_LOW_SUFFIX, name + _LAB_HIGH_SUFFIX
        analytes.append(
            _AnalyteColumn(
                name,
                role,
                unit_for.get(name),
                unit_column if unit_column in names else None,
                low_column if low_column in names else None,
                high_column if high_column in names else None,
            )
        )
    constants = dict(context or {})
    for key in constants:
        if key not in CONTEXT_FIELDS:
            raise PanelError(
                f"context: {shorten(key)} is not a context field",
                field="context",
                value=key,
                expected=", ".join(CONTEXT_FIELDS),
            )
        if key in ctx:
            raise PanelError(
                f"context: {key} is given both as a column and in context=",
                field="context",
                value=key,
                expected="one of the two",
            )
    return _Plan(tuple(analytes), ctx, constants)


def _units_by_column(units: Mapping[str, str] | None, roles: Mapping[str, str]) -> dict[str, str]:
    """units= may name a column or its analyte (id or alias)."""
    out: dict[str, str] = {}
    by_analyte = {role: name for name, role in roles.items() if role not in CONTEXT_FIELDS}
    for key, unit in (units or {}).items():
        if key in roles:
            out[key] = unit
            continue
        analyte = resolve_analyte_id(key)
        if analyte not in by_analyte:
            raise PanelError(
                f"units: {shorten(key)} names no analyte column of the table",
                field="units",
                value=key,
                expected=f"one of {shorten(sorted(by_analyte))}",
            )
        out[by_analyte[analyte]] = unit
    return out


# --- one row as a panel (what explain and the equivalence law use) ------------------------------


def _row_panel(table: _Table, plan: _Plan, row: int) -> dict[str, Any]:
    panel: dict[str, Any] = {}
    for col in plan.analytes:
        value = table.cell(col.column, row)
        if value is None:
            continue
        unit = col.unit if col.unit is not None else None
        if col.unit_column is not None:
            unit = table.cell(col.unit_column, row)
        entry: Any = value if unit is None else {"value": value, "unit": unit}
        interval = _lab_interval_cells(table, col, row)
        if interval:
            # The lab's limits are in the result's unit; without a unit the scalar reader
            # refuses the row and says why.
            entry = {"value": value, "reference_interval": interval}
            if unit is not None:
                entry["unit"] = unit
                interval["unit"] = unit
        panel[col.analyte] = entry
    for key, value in plan.constants.items():
        panel[key] = _context_cell(key, value)
    for key, name in plan.context.items():
        cell = _context_cell(key, table.cell(name, row))
        if cell is not None:
            panel[key] = cell
    return panel


def _lab_interval_cells(table: _Table, col: _AnalyteColumn, row: int) -> dict[str, Any]:
    """The row's lab limits ({} when neither is given)."""
    interval: dict[str, Any] = {}
    for name, bound in ((col.lab_low_column, "low"), (col.lab_high_column, "high")):
        if name is not None:
            cell = table.cell(name, row)
            if cell is not None:
                interval[bound] = cell
    return interval


def _context_cell(key: str, value: Any) -> Any:
    """A reported list may be written as text, ids separated by ';' or ','."""
    value = _cell(value)
    if key in _LISTS and isinstance(value, str):
        return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
    if key in _LISTS and isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


# --- reading values, vectorised -----------------------------------------------------------------


@dataclass(slots=True)
class _Chunk:
    """One chunk's columns, read: the observed values, the context, and the bad rows."""

    n: int
    values: dict[str, Observed] = field(default_factory=dict)
    bad: Bools = field(default_factory=lambda: np.zeros(0, dtype=bool))


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
        vuniques = [_cell(v) for v in values]
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


def _read_analyte(
    table: _Table, col: _AnalyteColumn, start: int, stop: int
) -> tuple[Observed, Bools]:
    n = stop - start
    if col.unit_column is not None:
        units = table.objects(col.unit_column, start, stop)
    else:
        units = np.full(n, col.unit, dtype=object)
    if table.is_numeric(col.column):
        obs, bad = _observed_numbers(col.analyte, table.floats(col.column, start, stop), units)
    else:
        obs, bad = _observed_objects(col.analyte, table.objects(col.column, start, stop), units)
    if col.lab_low_column is None and col.lab_high_column is None:
        return obs, bad
    return _with_lab_interval(table, col, obs, bad, units, start, stop)


def _lab_bound(table: _Table, name: str | None, start: int, stop: int) -> tuple[Floats, Bools]:
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
    table: _Table,
    col: _AnalyteColumn,
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
class _Context:
    sex: Codes
    pregnant: Codes
    trimester: Codes
    age: Floats
    reported: dict[tuple[str, str], Bools]
    bad: Bools


def _context_values(
    table: _Table, plan: _Plan, key: str, start: int, stop: int
) -> tuple[Objects, bool]:
    """A context field's cells for the chunk (a column or a constant); True if given at all."""
    n = stop - start
    if key in plan.constants:
        out = np.empty(n, dtype=object)
        out[:] = [_hashable(_context_cell(key, plan.constants[key]))] * n
        return out, True
    name = plan.context.get(key)
    if name is None:
        return np.full(n, None, dtype=object), False
    return table.objects(name, start, stop), True


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _factorize(
    cells: Objects, normalise: Callable[[Any], Any] = _cell
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
    codes, uniques = _factorize(cells, lambda c: _hashable(_context_cell(field_name, c)))
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


def _read_context(table: _Table, plan: _Plan, start: int, stop: int) -> _Context:
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
    for key in ("sex", "pregnant", "trimester", "diet", *_LISTS):
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
    return _Context(sex, pregnant, trimester, age, reported, bad)


# --- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What :func:`interpret_frame` returns.

    ``frame`` is a table of the input's kind, in its row order (a pandas result keeps the
    input's index): one status column per pattern id (consistent / not_consistent /
    indeterminate), one ``<analyte>_flag`` column per analyte column, and ``invalid`` (None,
    or why the row could not be read; its statuses and flags are then empty).
    ``invalid_count`` counts those rows. ``explain(row)`` gives the full
    :class:`~labinterp.Interpretation` of a row (by position), as :func:`labinterp.interpret`
    returns it for :meth:`panel` of that row.
    """

    frame: Any
    invalid_count: int
    pattern_ids: tuple[str, ...]
    flag_columns: Mapping[str, str]  # analyte id -> its flag column
    _table: _Table = field(repr=False)
    _plan: _Plan = field(repr=False)
    _pack: Pack = field(repr=False)
    interpretations: tuple[Interpretation | None, ...] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self._table)

    def panel(self, row: int) -> dict[str, Any]:
        """The panel mapping of one row (by position), as :meth:`Panel.from_mapping` takes it."""
        return _row_panel(self._table, self._plan, self._position(row))

    def explain(self, row: int) -> Interpretation:
        """The full interpretation of one row (by position); raises the row's error when the
        row is invalid."""
        return interpret(self.panel(row), pack=self._pack)

    def status_counts(self) -> dict[str, dict[str, int]]:
        """For each pattern, how many rows have each status (invalid rows not counted)."""
        data = self._table_of_results()
        return {
            pid: {s: int((data[pid] == s).sum()) for s in STATUS_NAMES} for pid in self.pattern_ids
        }

    def _table_of_results(self) -> pd.DataFrame:
        if isinstance(self.frame, pd.DataFrame):
            return self.frame
        return self.frame.to_pandas()  # type: ignore[no-any-return]

    def _position(self, row: int) -> int:
        n = len(self._table)
        if isinstance(row, bool) or not isinstance(row, int | np.integer) or not -n <= row < n:
            raise PanelError(
                f"row: expected a row position from 0 to {n - 1}, got {shorten(row)}",
                field="row",
                value=row,
                expected=f"an integer in [0, {n})",
            )
        return int(row) % n


# --- interpret_frame ----------------------------------------------------------------------------


def interpret_frame(
    frame: Any,
    *,
    pack: Pack | str | Path | None = None,
    units: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    explain: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> FrameResult:
    """Interpret every row of a wide lab table (one row a panel) against a pack.

    Columns are recognised by name: an analyte id or alias holds its results (numbers, or
    report text such as ``"<5 ng/mL"``), ``<column>_unit`` its unit per row,
    ``<column>_low``/``<column>_high`` the laboratory's own reference interval of each result
    (in the row's unit; used as ``interpret`` uses ``reference_interval``), and ``sex``,
    ``age``, ``pregnant``, ``trimester``, ``conditions``, ``medications``, ``symptoms``
    and ``diet`` the context. Other columns are left alone. ``columns`` maps column names to
    analytes or context fields instead (only those columns are read); ``units`` gives one
    unit for every row of a column (by column name or analyte); ``context`` gives context
    that holds for every row (``{"sex": "female"}``). Reported lists may be lists or text
    with ids separated by ``;``.

    An empty cell is a result not given. A row that cannot be read (an unknown unit, an
    implausible value, unreadable text, a context no patient can have) is kept, with its
    reason in ``invalid``; it never stops the others. With ``explain=True`` every valid row's
    :class:`~labinterp.Interpretation` is built too (``FrameResult.interpretations``); for a
    few rows, ``FrameResult.explain(row)`` is cheaper.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise PanelError(
            f"chunk_size: expected a positive integer, got {shorten(chunk_size)}",
            field="chunk_size",
            value=chunk_size,
            expected="a positive integer",
        )
    table = _Table.of(frame)
    chosen = resolve_pack(pack)
    cpack = columnar_pack(chosen)
    plan = _plan(table, columns, units, context)
    n = len(table)
    statuses = {pid: np.full(n, -1, dtype=np.int8) for pid in cpack.pattern_ids}
    flags = {col.analyte: np.full(n, -1, dtype=np.int8) for col in plan.analytes}
    bad = np.zeros(n, dtype=bool)
    for start, stop in _chunks(n, chunk_size):
        _interpret_chunk(table, plan, cpack, start, stop, statuses, flags, bad)
    reasons = np.full(n, None, dtype=object)
    fallback: dict[int, Interpretation] = {}
    for row in np.flatnonzero(bad).tolist():
        try:
            # The arrays found this row unreadable; the scalar reader says why. Should it
            # read the row after all, its interpretation is used (never a silent drop).
            found = interpret(_row_panel(table, plan, int(row)), pack=chosen)
        except LabinterpError as exc:
            reasons[row] = str(exc)
            continue
        fallback[int(row)] = found
    for row, found in fallback.items():
        _put(found, row, statuses, flags)
        bad[row] = False
    result_frame = _output(table, cpack, plan, statuses, flags, reasons)
    interpretations = None
    if explain:
        interpretations = tuple(
            None if bad[i] else interpret(_row_panel(table, plan, i), pack=chosen) for i in range(n)
        )
    return FrameResult(
        result_frame,
        int(bad.sum()),
        cpack.pattern_ids,
        {col.analyte: col.analyte + _FLAG_SUFFIX for col in plan.analytes},
        table,
        plan,
        chosen,
        interpretations,
    )


def _chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(start + size, n)


def _interpret_chunk(
    table: _Table,
    plan: _Plan,
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
        obs, wrong = _read_analyte(table, col, start, stop)
        values[col.analyte] = obs
        chunk_bad |= wrong
    ctx = _read_context(table, plan, start, stop)
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


def _put(
    found: Interpretation, row: int, statuses: dict[str, Codes], flags: dict[str, Codes]
) -> None:
    for pid, status in found.statuses().items():
        statuses[pid][row] = STATUS_NAMES.index(status)
    for flag in found.flags:
        if flag.analyte in flags:
            flags[flag.analyte][row] = FLAG_NAMES.index(flag.flag)


def _output(
    table: _Table,
    cpack: ColumnarPack,
    plan: _Plan,
    statuses: Mapping[str, Codes],
    flags: Mapping[str, Codes],
    reasons: Objects,
) -> Any:
    columns: dict[str, Any] = {}
    for pid in cpack.pattern_ids:
        columns[pid] = pd.Categorical.from_codes(statuses[pid], categories=pd.Index(STATUS_NAMES))
    for col in plan.analytes:
        columns[col.analyte + _FLAG_SUFFIX] = pd.Categorical.from_codes(
            flags[col.analyte], categories=pd.Index(FLAG_NAMES)
        )
    columns["invalid"] = pd.Series(reasons, dtype=object, index=table.data.index)
    out = pd.DataFrame(columns, index=table.data.index)
    if table.kind == "pandas":
        return out
    if table.kind == "polars":
        import polars as pl

        converted = pl.from_pandas(out.reset_index(drop=True))
        enums = {pid: pl.Enum(list(STATUS_NAMES)) for pid in cpack.pattern_ids}
        enums.update(
            {col.analyte + _FLAG_SUFFIX: pl.Enum(list(FLAG_NAMES)) for col in plan.analytes}
        )
        return converted.with_columns(
            [pl.col(name).cast(dtype) for name, dtype in enums.items()]
        ).with_columns(pl.col("invalid").cast(pl.String))
    import pyarrow as pa

    return pa.Table.from_pandas(out, preserve_index=False)


def panels_from_long(
    frame: Any,
    *,
    subject: str | None = None,
    analyte: str | None = None,
    value: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    window: Any = None,
    preset: str | None = None,
    analyte_map: Mapping[Any, str] | None = None,
    value_text: str | None = None,
) -> Any:
    """Group a long lab table (one row a result) into a wide one (one row a panel) that
    :func:`interpret_frame` reads.

    ``subject``, ``analyte``, ``value`` and ``unit`` name the columns (defaults ``analyte``,
    ``value``, ``unit``). The analyte column may hold analyte ids, aliases or LOINC codes;
    ``analyte_map`` maps other codes (an OMOP concept id ...) to analytes; rows whose code
    names no catalog analyte are left out. With ``time``, results are grouped per subject and
    time; with ``window`` too (``"24h"``, a Timedelta), per window counted from the
    subject's first result. Within a panel the latest result of an analyte wins.
    ``value_text`` names a column of report text used where ``value`` is empty (MIMIC's
    ``value`` for censored results). ``preset="mimic_iv"`` or ``"omop"`` fills in the column
    names of those formats (and, for MIMIC-IV, a verified itemid map), and carry the lab's
    own limits (``ref_range_lower``/``ref_range_upper``, ``range_low``/``range_high``) into
    ``<analyte>_low``/``<analyte>_high``.

    Where a panel has iron and TIBC but no transferrin saturation, it is computed (iron / TIBC
    x 100 %) and ``transferrin_saturation_derived`` is True for that row.
    """
    table = _Table.of(frame)
    wide = long_to_wide(
        table.data,
        subject=subject,
        analyte=analyte,
        value=value,
        unit=unit,
        time=time,
        window=window,
        preset=preset,
        analyte_map=analyte_map,
        value_text=value_text,
    )
    if table.kind == "pandas":
        return wide
    if table.kind == "polars":
        import polars as pl

        return pl.from_pandas(
            wide.astype({c: object for c in wide.columns if wide[c].dtype == object})
        )
    import pyarrow as pa

    return pa.Table.from_pandas(wide, preserve_index=False)
