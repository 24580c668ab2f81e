"""Whole lab tables on Spark: :func:`interpret_frame` over a ``pyspark.sql.DataFrame``.

Needs the ``spark`` extra (``pip install "labinterp[spark]"``, and a Java runtime for Spark).
Each Arrow batch of each partition is read by :func:`labinterp.interpret_frame` through
``DataFrame.mapInArrow``, with the output schema declared from the pack and the input's
column names. The statuses, flags and ``invalid`` reasons are exactly the single-machine ones.
"""

from __future__ import annotations

from labinterp.frame import MissingExtraError

try:
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql.types import StringType, StructField, StructType
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError(
        f"labinterp.spark needs pyspark ({_exc.name} is not installed); install it with: "
        "pip install 'labinterp[spark]'",
        expected="pip install 'labinterp[spark]'",
    ) from None

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from labinterp._engine import resolve_pack
from labinterp._errors import PanelError, shorten
from labinterp._packs import Pack
from labinterp.frame import DEFAULT_CHUNK
from labinterp.frame import interpret_frame as _interpret_table

__all__ = ["MissingExtraError", "interpret_frame", "result_columns"]


@dataclass(frozen=True, slots=True)
class _BatchReader:
    """What each Spark task runs over its Arrow batches: picklable, the pack already read."""

    pack: Pack
    units: Mapping[str, str] | None
    context: Mapping[str, Any] | None
    columns: Mapping[str, str] | None
    chunk_size: int
    added: tuple[str, ...]

    def results(self, table: Any) -> Any:
        """The result columns for an Arrow table (or an empty pandas frame, for the schema)."""
        return _interpret_table(
            table,
            pack=self.pack,
            units=self.units,
            context=self.context,
            columns=self.columns,
            chunk_size=self.chunk_size,
        ).frame

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            found = self.results(pa.Table.from_batches([batch]))
            # Spark has no categorical type: statuses and flags travel as plain strings.
            added = [found.column(name).cast(pa.string()).combine_chunks() for name in self.added]
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, *added], names=[*batch.schema.names, *self.added]
            )


def result_columns(
    names: list[str],
    *,
    pack: Pack | str | Path | None = None,
    units: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
) -> list[str]:
    """The columns :func:`interpret_frame` adds to a table with these column names (status
    per pattern, flag per analyte column, ``invalid``), computed from the pack alone."""
    reader = _BatchReader(resolve_pack(pack), units, context, columns, DEFAULT_CHUNK, ())
    return [str(c) for c in reader.results(pd.DataFrame(columns=names)).columns]


def interpret_frame(
    sdf: SparkDataFrame,
    *,
    pack: Pack | str | Path | None = None,
    units: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> SparkDataFrame:
    """Interpret every row of a wide Spark DataFrame (lazily, like any Spark transformation).

    The options are those of :func:`labinterp.interpret_frame`. A Spark DataFrame has no
    index to join results back on, so the result keeps the input's columns and adds, as
    strings, one status column per pattern (``consistent``, ``not_consistent``,
    ``indeterminate``; null for an invalid row), one ``<analyte>_flag`` column per analyte
    column and ``invalid`` (null, or why the row could not be read). The schema is declared
    from the pack and the input's column names, so a wrong option is reported here, before
    any data is read. ``explain`` is not offered: build a row's Interpretation on one machine.
    """
    if not isinstance(sdf, SparkDataFrame):
        raise PanelError(
            f"labinterp.spark.interpret_frame: expected a pyspark DataFrame, got "
            f"{type(sdf).__name__}",
            field="frame",
            value=type(sdf).__name__,
            expected="a pyspark.sql.DataFrame (labinterp.interpret_frame reads pandas, "
            "polars and Arrow tables)",
        )
    chosen = resolve_pack(pack)
    added = result_columns(
        list(sdf.columns), pack=chosen, units=units, context=context, columns=columns
    )
    clash = sorted(set(added) & set(sdf.columns))
    if clash:
        raise PanelError(
            f"frame: the input already has result column(s) {shorten(clash)}; rename or drop "
            "them first",
            field="frame",
            value=clash,
            expected="no column named like a pattern, an <analyte>_flag or 'invalid'",
        )
    schema = StructType(
        [*sdf.schema.fields, *(StructField(name, StringType(), True) for name in added)]
    )
    reader = _BatchReader(chosen, units, context, columns, chunk_size, tuple(added))
    return sdf.mapInArrow(reader, schema)
