"""Reading a caller's table: which kind it is (pandas, polars, Arrow) and its columns as numpy
arrays, a chunk of rows at a time, or one cell as the scalar API reads it.

Needs pandas and numpy (the ``frame`` extra); :mod:`labinterp.frame` checks for them first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from labinterp._columnar import Floats
from labinterp._errors import PanelError, shorten

Objects = npt.NDArray[np.object_]
TableKind = Literal["pandas", "polars", "arrow"]


def table_kind(frame: object) -> TableKind:
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
class Table:
    """A table read column by column as numpy arrays (pandas inside: polars and Arrow tables
    are converted once, column by column, without copying numeric data where possible)."""

    kind: TableKind
    data: pd.DataFrame
    original: Any
    _columns: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, frame: Any) -> Table:
        kind = table_kind(frame)
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
        return scalar_cell(column.iat[row])


def scalar_cell(value: Any) -> Any:
    """A table cell as the scalar API reads it: missing is None; numpy scalars become Python's;
    blank text is missing; an array (a polars or Arrow list) becomes a list."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, np.ndarray):
        return [scalar_cell(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return scalar_cell(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value
