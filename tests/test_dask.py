"""labinterp.dask.interpret_frame gives exactly the single-machine answer, partition by
partition, with a meta declared from the pack (no partition read to learn the schema)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

pytest.importorskip("pandas", reason="whole tables need the frame extra: pip install -e '.[frame]'")
import pandas as pd
from _distributed import (
    BAD_ROWS,
    UNITS,
    assert_same_results,
    mixed_table,
    require,
)

from labinterp import LabinterpError, interpret
from labinterp.frame import interpret_frame

dd: Any = require("dask.dataframe", "dask")
labinterp_dask: Any = require("labinterp.dask", "dask")

ROWS = 400


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(ROWS)


@pytest.fixture(scope="module")
def expected(table: pd.DataFrame) -> pd.DataFrame:
    return interpret_frame(table, units=UNITS).frame  # type: ignore[no-any-return]


def test_same_answer_as_one_machine_row_by_row(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    ddf = dd.from_pandas(table, npartitions=7)
    out = labinterp_dask.interpret_frame(ddf, units=UNITS)
    got = out.compute(scheduler="threads")
    assert got.index.equals(table.index)
    assert_same_results(got, expected)
    # The bad rows are kept, each with its reason, and the others are not marked.
    assert got["invalid"].notna().sum() == len(BAD_ROWS)
    assert got.loc[0, "invalid"] == expected.loc[0, "invalid"]
    assert "furlongs" in got.loc[0, "invalid"]


def test_meta_is_the_single_machine_schema_without_computing(
    table: pd.DataFrame, expected: pd.DataFrame
) -> None:
    ddf = dd.from_pandas(table, npartitions=3)
    out = labinterp_dask.interpret_frame(ddf, units=UNITS)
    assert list(out.columns) == list(expected.columns)
    assert dict(out.dtypes) == dict(expected.dtypes)  # categoricals with the same categories


def test_rows_with_an_age_match_interpret(table: pd.DataFrame) -> None:
    sample = table.iloc[len(BAD_ROWS) :].dropna(subset=["age"]).head(60)
    got = labinterp_dask.interpret_frame(dd.from_pandas(sample, npartitions=4), units=UNITS)
    got = got.compute(scheduler="sync")
    single = interpret_frame(sample, units=UNITS)
    for position in range(len(sample)):
        if got["invalid"].iloc[position] is not None:
            continue
        found = interpret(single.panel(position))
        for pattern, status in found.statuses().items():
            assert got[pattern].iloc[position] == status, (position, pattern)


def test_processes_scheduler_ships_the_reader(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The partition function travels to other processes (pickled, the pack inside)."""
    small = table.head(40)
    out = labinterp_dask.interpret_frame(dd.from_pandas(small, npartitions=2), units=UNITS)
    got = out.compute(scheduler="processes", num_workers=2)
    assert_same_results(got, expected.head(40))


def test_partition_reader_pickles_with_its_pack() -> None:
    reader = labinterp_dask._PartitionReader(
        labinterp_dask.resolve_pack("default"), {"mcv": "fL"}, None, None, 100
    )
    again = pickle.loads(pickle.dumps(reader))
    assert again.pack.name == reader.pack.name
    frame = pd.DataFrame({"mcv": [70.0]})
    assert again(frame).loc[0, "microcytic"] == reader(frame).loc[0, "microcytic"]


def test_wrong_option_is_reported_before_any_partition_runs(table: pd.DataFrame) -> None:
    ddf = dd.from_pandas(table, npartitions=2)
    with pytest.raises(LabinterpError, match="no column 'nope'"):
        labinterp_dask.interpret_frame(ddf, columns={"nope": "ferritin"})


def test_not_a_dask_frame_is_a_typed_error(table: pd.DataFrame) -> None:
    with pytest.raises(LabinterpError, match=r"expected a dask DataFrame, got DataFrame"):
        labinterp_dask.interpret_frame(table)
