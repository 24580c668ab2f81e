"""Whole lab tables on Dask: :func:`interpret_frame` over a ``dask.dataframe.DataFrame``.

Needs the ``dask`` extra (``pip install "labinterp[dask]"``). Each partition is a pandas
DataFrame that :func:`labinterp.interpret_frame` reads as it reads any other, through
``map_partitions``; Dask's own schedulers (threads, processes, a distributed cluster) run the
partitions. The answer is exactly the single-machine one: the same columns, the same
categorical statuses and flags, the same ``invalid`` reasons, under the input's index.
"""

from __future__ import annotations

from labinterp.frame import MissingExtraError

try:
    import dask.dataframe as dd
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError(
        f"labinterp.dask needs dask[dataframe] ({_exc.name} is not installed); install it "
        "with: pip install 'labinterp[dask]'",
        expected="pip install 'labinterp[dask]'",
    ) from None

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from labinterp._engine import resolve_pack
from labinterp._errors import PanelError
from labinterp._packs import Pack
from labinterp.frame import DEFAULT_CHUNK
from labinterp.frame import interpret_frame as _interpret_table

__all__ = ["MissingExtraError", "interpret_frame"]


@dataclass(frozen=True, slots=True)
class _PartitionReader:
    """What each partition runs: picklable, so that the processes and distributed schedulers
    can ship it, with the pack already read (a worker never reads a pack file itself)."""

    pack: Pack
    units: Mapping[str, str] | None
    context: Mapping[str, Any] | None
    columns: Mapping[str, str] | None
    chunk_size: int

    def __call__(self, partition: pd.DataFrame) -> pd.DataFrame:
        result = _interpret_table(
            partition,
            pack=self.pack,
            units=self.units,
            context=self.context,
            columns=self.columns,
            chunk_size=self.chunk_size,
        )
        return result.frame  # type: ignore[no-any-return]


def _empty_like(ddf: dd.DataFrame) -> pd.DataFrame:
    """A zero-row pandas frame with the Dask frame's columns and dtypes (no data is read)."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in ddf.dtypes.items()})


def interpret_frame(
    ddf: dd.DataFrame,
    *,
    pack: Pack | str | Path | None = None,
    units: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> dd.DataFrame:
    """Interpret every row of a wide Dask DataFrame, one partition at a time (lazily).

    The options are those of :func:`labinterp.interpret_frame`. Returns a Dask DataFrame
    with the input's index and partitions and the columns of ``FrameResult.frame``: one
    categorical status column per pattern, one ``<analyte>_flag`` column per analyte column
    and ``invalid``. Its ``meta`` comes from the pack and the input's column names, so a
    wrong option (an unknown column, a unit for no analyte) is reported here, before any
    partition is read. Join the input back with ``ddf.join(result)`` when its columns are
    wanted too. ``explain`` is not offered: build a row's Interpretation on one machine.
    """
    if not isinstance(ddf, dd.DataFrame):
        raise PanelError(
            f"labinterp.dask.interpret_frame: expected a dask DataFrame, got {type(ddf).__name__}",
            field="frame",
            value=type(ddf).__name__,
            expected="a dask.dataframe.DataFrame (labinterp.interpret_frame reads pandas, "
            "polars and Arrow tables)",
        )
    reader = _PartitionReader(resolve_pack(pack), units, context, columns, chunk_size)
    meta = reader(_empty_like(ddf))
    # dask's annotations leave map_partitions untyped; it returns a dask DataFrame here.
    result: dd.DataFrame = ddf.map_partitions(reader, meta=meta)  # type: ignore[no-untyped-call]
    return result
