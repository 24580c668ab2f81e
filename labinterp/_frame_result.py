"""What :func:`labinterp.frame.interpret_frame` returns: :class:`FrameResult`, and the table
of statuses, flags and reasons built from the result arrays, of the input's kind (pandas,
polars or Arrow) and in its row order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labinterp._columnar import FLAG_NAMES, STATUS_NAMES, Codes, ColumnarPack
from labinterp._engine import interpret
from labinterp._errors import LabinterpError, PanelError, shorten
from labinterp._findings import Interpretation
from labinterp._frame_columns import FLAG_SUFFIX, ColumnPlan, row_panel, table_error
from labinterp._frame_table import Objects, Table
from labinterp._packs import Pack


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What :func:`interpret_frame` returns.

    ``frame`` is a table of the input's kind, in its row order (a pandas result keeps the
    input's index): one status column per pattern id (consistent / not_consistent /
    indeterminate), one ``<analyte>_flag`` column per analyte column, and ``invalid`` (None,
    or why the row could not be read; its statuses and flags are then empty).
    ``invalid_count`` counts those rows. ``explain(row)`` gives the full
    :class:`~labinterp.Interpretation` of a row (by position), as :func:`labinterp.interpret`
    returns it for :meth:`panel` of that row. ``ignored_columns`` names the columns that
    were not read and look like neither an identifier nor a time (a misspelt analyte: the
    analyte it may be meant for; a :class:`~labinterp.TableWarning` said so too).
    """

    frame: Any
    invalid_count: int
    pattern_ids: tuple[str, ...]
    flag_columns: Mapping[str, str]  # analyte id -> its flag column
    _table: Table = field(repr=False)
    _plan: ColumnPlan = field(repr=False)
    _pack: Pack = field(repr=False)
    interpretations: tuple[Interpretation | None, ...] | None = field(default=None, repr=False)
    #: Columns not read (neither a result, its unit or limits, context, nor an identifier or
    #: a time), each with the analyte it may be a misspelling of, or None.
    ignored_columns: Mapping[str, str | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._table)

    def panel(self, row: int) -> dict[str, Any]:
        """The panel mapping of one row (by position), as :meth:`Panel.from_mapping` takes it."""
        return row_panel(self._table, self._plan, self._position(row))

    def explain(self, row: int) -> Interpretation:
        """The full interpretation of one row (by position); raises the row's error when the
        row is invalid."""
        try:
            return interpret(self.panel(row), pack=self._pack)
        except LabinterpError as exc:  # the reason in ``invalid``, raised
            raise table_error(exc, self._plan) from None

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


def put_interpretation(
    found: Interpretation, row: int, statuses: dict[str, Codes], flags: dict[str, Codes]
) -> None:
    for pid, status in found.statuses().items():
        statuses[pid][row] = STATUS_NAMES.index(status)
    for flag in found.flags:
        if flag.analyte in flags:
            flags[flag.analyte][row] = FLAG_NAMES.index(flag.flag)


def result_table(
    table: Table,
    cpack: ColumnarPack,
    plan: ColumnPlan,
    statuses: Mapping[str, Codes],
    flags: Mapping[str, Codes],
    reasons: Objects,
) -> Any:
    columns: dict[str, Any] = {}
    for pid in cpack.pattern_ids:
        columns[pid] = pd.Categorical.from_codes(statuses[pid], categories=pd.Index(STATUS_NAMES))
    for col in plan.analytes:
        columns[col.analyte + FLAG_SUFFIX] = pd.Categorical.from_codes(
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
            {col.analyte + FLAG_SUFFIX: pl.Enum(list(FLAG_NAMES)) for col in plan.analytes}
        )
        return converted.with_columns(
            [pl.col(name).cast(dtype) for name, dtype in enums.items()]
        ).with_columns(pl.col("invalid").cast(pl.String))
    import pyarrow as pa

    return pa.Table.from_pandas(out, preserve_index=False)
