"""Dask and Spark figures for docs/distributed.md and docs/performance.md: the same generated
table through labinterp.interpret_frame on one machine, labinterp.dask (local threads and
processes) and labinterp.spark (local mode). Run by hand, never in the test suite.

    python benchmarks/distributed.py                  # 10^6 rows
    python benchmarks/distributed.py --rows 100000    # a quicker look

The table is benchmarks/frame.py's (mixed units, censored CRP text, missing context). Each
engine's time is the whole interpretation, from a table already in the engine (a pandas
frame; a Dask frame of in-memory partitions; a cached Spark DataFrame) to every result
computed: Dask's results are gathered into pandas, Spark's are written to the "noop" sink,
which runs every task and keeps nothing. Start-up (Spark's JVM) is reported apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from typing import Any

import pandas as pd
from frame import UNITS, generate

import labinterp
from labinterp import default_pack
from labinterp.frame import interpret_frame


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def row(name: str, seconds: float, rows: int, single: float) -> str:
    return f"| {name} | {seconds:.2f} s | {rows / seconds:,.0f} | {seconds / single:.2f}x |"


def dask_rows(frame: pd.DataFrame, single: float, partitions: int) -> list[str]:
    import dask.dataframe as dd

    import labinterp.dask

    rows = len(frame)
    ddf = dd.from_pandas(frame, npartitions=partitions)  # type: ignore[no-untyped-call]
    ddf = ddf.persist(scheduler="threads")
    out = []
    for scheduler in ("threads", "processes"):
        lazy = labinterp.dask.interpret_frame(ddf, pack=default_pack(), units=UNITS)
        seconds = timed(partial(lazy.compute, scheduler=scheduler))
        name = f"labinterp.dask, {partitions} partitions, local {scheduler}"
        out.append(row(name, seconds, rows, single))
    print(f"dask {version('dask')}", file=sys.stderr)
    return out


def spark_rows(frame: pd.DataFrame, single: float, cores: int) -> list[str]:
    import pyarrow as pa
    from pyspark.sql import SparkSession

    import labinterp.spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    started = time.perf_counter()
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("labinterp-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    startup = time.perf_counter() - started
    sdf: Any = spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
    sdf = sdf.repartition(cores).cache()
    sdf.count()  # the table is in Spark's memory before the clock starts
    lazy = labinterp.spark.interpret_frame(sdf, pack=default_pack(), units=UNITS)
    seconds = timed(lambda: lazy.write.format("noop").mode("overwrite").save())
    spark.stop()
    print(f"pyspark {version('pyspark')}; session start-up {startup:.1f} s", file=sys.stderr)
    name = f"labinterp.spark, local[{cores}], Arrow batches of 10,000 rows"
    return [row(name, seconds, len(frame), single), f"(Spark session start-up: {startup:.1f} s)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="Dask partitions, Spark cores")
    parser.add_argument("--skip", nargs="*", default=[], choices=("dask", "spark"))
    args = parser.parse_args()
    frame = generate(args.rows)
    pack = default_pack()
    interpret_frame(frame.head(1000), pack=pack, units=UNITS)  # the pack compiled beforehand
    single = timed(lambda: interpret_frame(frame, pack=pack, units=UNITS))
    print(
        f"Python {platform.python_version()}, pandas {pd.__version__}, labinterp "
        f"{labinterp.__version__}, {os.cpu_count()} CPUs, {args.rows:,} wide rows, all "
        f"{len(pack.patterns)} patterns of the default pack"
    )
    print()
    print("| engine | time | rows/s | vs one machine |")
    print("|---|---:|---:|---:|")
    print(row("labinterp.interpret_frame (one process)", single, args.rows, single))
    sys.stdout.flush()
    if "dask" not in args.skip:
        print("\n".join(dask_rows(frame, single, args.workers)))
        sys.stdout.flush()
    if "spark" not in args.skip:
        print("\n".join(spark_rows(frame, single, args.workers)))


if __name__ == "__main__":
    main()
