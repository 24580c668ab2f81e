"""The same panels interpreted serially, on 16 threads and in a process pool give
byte-identical JSON (the caches of units, factors and packs are shared between threads)."""

from __future__ import annotations

from _concurrency import check_concurrency


def test_threads_and_processes_match_a_serial_run() -> None:
    report = check_concurrency(panels=100, seed=7, threads=16, processes=2)
    assert report.jobs == 100
    assert report.identical, "; ".join(report.errors)
