"""Whole lab tables: :func:`interpret_frame` over a wide table, :func:`panels_from_long` to
build one from a long table.

Needs the ``frame`` extra (``pip install "labinterp[frame]"``: pandas, numpy, pyarrow;
polars is optional). A table goes in (pandas, polars or a pyarrow Table) and a table of the
same kind comes out, in the same row order: one status column per pattern, one flag column
per analyte, and ``invalid`` with the reason a row could not be read. The statuses are
exactly those :func:`labinterp.interpret` gives for each row's panel; the work is done on
arrays, a chunk of rows at a time (see ``_columnar``).

This module is the public surface; the machinery behind it is private: ``_frame_table``
reads the caller's table, ``_frame_columns`` decides which column is what (and reads one row
as a panel, for ``explain``), ``_frame_arrays`` reads and decides a chunk of rows on arrays,
``_frame_result`` builds :class:`FrameResult` and the output table.
"""

from __future__ import annotations

from labinterp._errors import LabinterpError


class MissingExtraError(LabinterpError, ImportError):
    """An optional dependency of labinterp is not installed; the message names the extra."""


try:
    import numpy as np
    import pandas  # noqa: F401 - only its presence is checked here; the private modules use it
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError(
        f"labinterp.frame needs pandas and numpy ({_exc.name} is not installed); install "
        "them with: pip install 'labinterp[frame]'",
        expected="pip install 'labinterp[frame]'",
    ) from None

import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from labinterp._columnar import columnar_pack
from labinterp._engine import interpret, resolve_pack
from labinterp._errors import PanelError, TableWarning, shorten
from labinterp._findings import Interpretation
from labinterp._frame_arrays import interpret_chunk
from labinterp._frame_columns import CONTEXT_FIELDS as CONTEXT_FIELDS
from labinterp._frame_columns import (
    FLAG_SUFFIX,
    ignored_columns_message,
    plan_columns,
    row_panel,
    table_error,
    unit_conflicts,
)
from labinterp._frame_result import FrameResult, put_interpretation, result_table
from labinterp._frame_table import Table
from labinterp._long_tables import MIMIC_IV_ITEMS, long_to_wide
from labinterp._packs import Pack

__all__ = [
    "MIMIC_IV_ITEMS",
    "FrameResult",
    "MissingExtraError",
    "TableWarning",
    "interpret_frame",
    "panels_from_long",
]

# FrameResult is defined with the machinery; this module is its public home.
FrameResult.__module__ = __name__

#: The rows read into arrays at a time (bounds the memory of a large table).
DEFAULT_CHUNK: Final = 65_536


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
    and ``diet`` the context. Other columns are left alone; those that look like neither an
    identifier nor a time are named in a :class:`~labinterp.TableWarning` and in
    ``FrameResult.ignored_columns`` (with "did you mean" for a misspelt analyte). ``columns``
    maps column names to analytes or context fields instead (only those columns are read);
    ``units`` gives one
    unit for every row of a column (by column name or analyte): with a ``<column>_unit`` column
    too, it fills that column's blank cells, and a row's own unit wins where both are given (a
    :class:`~labinterp.TableWarning` says so when they differ); ``context`` gives context
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
    table = Table.of(frame)
    chosen = resolve_pack(pack)
    cpack = columnar_pack(chosen)
    written_for = chosen.population.written_for
    if written_for:
        # interpret lists this caveat per panel; a table has no per-row assumptions, so it is
        # said once for the call.
        warnings.warn(
            f"pack {chosen.name!r}: its definitions are written for people with "
            f"{' and '.join(c.replace('_', ' ') for c in written_for)}; rows whose conditions "
            "do not report it are interpreted all the same",
            TableWarning,
            stacklevel=2,
        )
    plan = plan_columns(table, columns, units, context)
    if plan.ignored:
        warnings.warn(ignored_columns_message(plan.ignored), TableWarning, stacklevel=2)
    for conflict in unit_conflicts(table, plan):
        warnings.warn(conflict, TableWarning, stacklevel=2)
    n = len(table)
    statuses = {pid: np.full(n, -1, dtype=np.int8) for pid in cpack.pattern_ids}
    flags = {col.analyte: np.full(n, -1, dtype=np.int8) for col in plan.analytes}
    bad = np.zeros(n, dtype=bool)
    for start, stop in _chunks(n, chunk_size):
        interpret_chunk(table, plan, cpack, start, stop, statuses, flags, bad)
    reasons = np.full(n, None, dtype=object)
    fallback: dict[int, Interpretation] = {}
    for row in np.flatnonzero(bad).tolist():
        try:
            # The arrays found this row unreadable; the scalar reader says why. Should it
            # read the row after all, its interpretation is used (never a silent drop).
            found = interpret(row_panel(table, plan, int(row)), pack=chosen)
        except LabinterpError as exc:
            reasons[row] = str(table_error(exc, plan))
            continue
        fallback[int(row)] = found
    for row, found in fallback.items():
        put_interpretation(found, row, statuses, flags)
        bad[row] = False
    result_frame = result_table(table, cpack, plan, statuses, flags, reasons)
    interpretations = None
    if explain:
        interpretations = tuple(
            None if bad[i] else interpret(row_panel(table, plan, i), pack=chosen) for i in range(n)
        )
    return FrameResult(
        result_frame,
        int(bad.sum()),
        cpack.pattern_ids,
        {col.analyte: col.analyte + FLAG_SUFFIX for col in plan.analytes},
        table,
        plan,
        chosen,
        interpretations,
        dict(plan.ignored),
    )


def _chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(start + size, n)


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

    A panel with iron and TIBC but no transferrin saturation keeps it absent here: the
    interpretation computes it (iron / TIBC x 100 %), as ``interpret`` does for any panel, and
    its trace shows the arithmetic.
    """
    table = Table.of(frame)
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
