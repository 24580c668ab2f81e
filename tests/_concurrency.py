"""Concurrency: the same panels interpreted serially, on 16 threads (with warm caches, and
with cold caches in a fresh process) and in a spawn process pool must give byte-identical
``to_json()``.

The worker functions live here, away from the fuzzing harness, so that a spawned worker
imports labinterp and nothing heavier (Hypothesis alone takes a second to import).
"""

from __future__ import annotations

import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import labinterp
from labinterp import interpret


@dataclass
class ConcurrencyReport:
    """Results of the same jobs run serially, on 16 threads and in a process pool."""

    jobs: int
    threads: int
    processes: int
    serial_seconds: float = 0.0
    thread_seconds: float = 0.0
    cold_thread_seconds: float = 0.0
    process_seconds: float = 0.0
    thread_differences: int = 0
    cold_thread_differences: int = 0
    process_differences: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (
            self.thread_differences
            or self.cold_thread_differences
            or self.process_differences
            or self.errors
        )


def concurrency_jobs(panels: int, seed: int) -> list[tuple[dict[str, Any], str]]:
    """``panels`` generated panels, each with one bundled pack in turn (named, so that the
    threads also race to load the packs)."""
    from _fuzz_support import twin_panels  # the parent only: workers import labinterp alone

    names = labinterp.bundled_pack_names()
    return [
        (twin_panels(random.Random(seed * 100_003 + i)).original, names[i % len(names)])
        for i in range(panels)
    ]


def interpret_job(job: tuple[dict[str, Any], str]) -> str:
    """One job's JSON, or its error as text (a refused panel must be refused everywhere)."""
    mapping, pack = job
    try:
        return interpret(mapping, pack=pack).to_json()
    except Exception as exc:  # compared, not judged: the fuzzing judges exceptions
        return f"{type(exc).__name__}: {exc}"


def run_threaded(jobs: list[tuple[dict[str, Any], str]], threads: int) -> list[str]:
    # A tiny switch interval makes threads interleave inside the library's caches.
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(interpret_job, jobs))
    finally:
        sys.setswitchinterval(saved)


def _cold_threaded(args: tuple[list[tuple[dict[str, Any], str]], int]) -> tuple[list[str], float]:
    """Threads in a fresh process: every cache starts empty, so the threads fill them."""
    start = time.perf_counter()
    results = run_threaded(*args)
    return results, time.perf_counter() - start


def check_concurrency(
    panels: int, seed: int, threads: int = 16, processes: int = 2
) -> ConcurrencyReport:
    """The same jobs serially, on ``threads`` threads (warm, and cold in a fresh process) and
    in a spawn process pool; every result must equal the serial one."""
    import multiprocessing

    jobs = concurrency_jobs(panels, seed)
    report = ConcurrencyReport(jobs=len(jobs), threads=threads, processes=processes)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=spawn) as pool:
        # One pool for both: a fresh worker runs the cold threads while the others (and then
        # it too) take chunks of the pool run; the serial and warm runs go on meanwhile.
        cold_future = pool.submit(_cold_threaded, (jobs, threads))
        start = time.perf_counter()
        chunk = max(1, len(jobs) // (4 * processes))
        pooled_future = pool.map(interpret_job, jobs, chunksize=chunk)

        serial_start = time.perf_counter()
        serial = [interpret_job(job) for job in jobs]
        report.serial_seconds = time.perf_counter() - serial_start
        threads_start = time.perf_counter()
        threaded = run_threaded(jobs, threads)
        report.thread_seconds = time.perf_counter() - threads_start

        pooled = list(pooled_future)
        report.process_seconds = time.perf_counter() - start
        cold, report.cold_thread_seconds = cold_future.result()

    report.thread_differences = _differences(serial, threaded, "threads", report.errors)
    report.cold_thread_differences = _differences(serial, cold, "cold threads", report.errors)
    report.process_differences = _differences(serial, pooled, "processes", report.errors)
    return report


def _differences(serial: list[str], other: list[str], label: str, errors: list[str]) -> int:
    differ = [i for i, (a, b) in enumerate(zip(serial, other, strict=True)) if a != b]
    if differ:
        errors.append(
            f"{label}: {len(differ)} results differ from the serial run, first job {differ[0]}"
        )
    return len(differ)
