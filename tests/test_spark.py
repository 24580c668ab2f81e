"""labinterp.spark.interpret_frame gives exactly the single-machine answer, through
mapInArrow with a declared schema, in Spark's local mode (one session for the module)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pandas", reason="whole tables need the frame extra: pip install -e '.[frame]'")
import pandas as pd
from _distributed import (
    BAD_ROWS,
    REQUIRE_ENV,
    UNITS,
    assert_same_results,
    mixed_table,
    require,
)

from labinterp import LabinterpError
from labinterp.frame import interpret_frame

sql: Any = require("pyspark.sql", "spark")
labinterp_spark: Any = require("labinterp.spark", "spark")

# pyspark warns about pandas >= 3, which it calls "not yet fully supported" (its toPandas
# trips on pandas 3, so results are collected with toArrow); the tests check
# the answers themselves, so the warning is not an error here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

ROWS = 300
DEBIAN_JDK = Path("/usr/lib/jvm/java-17-openjdk-amd64")


def _java_home() -> None:
    """Spark needs a Java runtime; the machine image has Debian's JDK 17."""
    if not os.environ.get("JAVA_HOME") and DEBIAN_JDK.is_dir():
        os.environ["JAVA_HOME"] = str(DEBIAN_JDK)
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    reason = "no Java runtime (apt-get install -y openjdk-17-jre-headless)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but the Spark tests cannot run: {reason}")
    pytest.skip(f"Spark test skipped: {reason}")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    _java_home()
    # The workers run this interpreter, which has labinterp installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        sql.SparkSession.builder.master("local[2]")
        .appName("labinterp-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(ROWS)


def test_same_answer_as_one_machine_row_by_row(spark: Any, table: pd.DataFrame) -> None:
    expected = interpret_frame(table, units=UNITS).frame
    sdf = spark.createDataFrame(table).repartition(3)  # rows arrive shuffled, in batches of 64
    got = labinterp_spark.interpret_frame(sdf, units=UNITS).toArrow().to_pandas()
    got = got.sort_values("id").reset_index(drop=True)
    assert list(got["id"]) == list(table["id"])  # no row dropped or repeated
    assert list(got.columns[: len(table.columns)]) == list(table.columns)
    assert_same_results(got[list(expected.columns)], expected)
    reasons = got["invalid"].dropna()
    assert len(reasons) == len(BAD_ROWS)
    assert "furlongs" in got.loc[0, "invalid"]


def test_schema_is_declared_from_the_pack(spark: Any, table: pd.DataFrame) -> None:
    sdf = spark.createDataFrame(table.head(5))
    out = labinterp_spark.interpret_frame(sdf, units=UNITS)
    expected = interpret_frame(table.head(0), units=UNITS).frame
    added = out.columns[len(table.columns) :]
    assert added == list(expected.columns)
    assert {f.dataType.simpleString() for f in out.schema.fields[len(table.columns) :]} == {
        "string"
    }
    assert labinterp_spark.result_columns(list(table.columns), units=UNITS) == added


def test_wrong_option_is_reported_before_any_task_runs(spark: Any, table: pd.DataFrame) -> None:
    sdf = spark.createDataFrame(table.head(5))
    with pytest.raises(LabinterpError, match="units: 'vitamin_b12' names no analyte column"):
        labinterp_spark.interpret_frame(sdf, units={"vitamin_b12": "pg/mL"})


def test_a_result_column_already_in_the_input_is_refused(spark: Any) -> None:
    sdf = spark.createDataFrame(pd.DataFrame({"mcv": [70.0], "invalid": ["x"]}))
    with pytest.raises(LabinterpError, match="already has result column"):
        labinterp_spark.interpret_frame(sdf, units=UNITS)


def test_not_a_spark_frame_is_a_typed_error(table: pd.DataFrame) -> None:
    with pytest.raises(LabinterpError, match="expected a pyspark DataFrame, got DataFrame"):
        labinterp_spark.interpret_frame(table)
