"""Whole-table figures for docs/performance.md: interpret_frame against the numpy floor and
the per-row loop over interpret. Run by hand, never in the test suite.

    python benchmarks/frame.py                 # 10^4, 10^5 and 10^6 rows
    python benchmarks/frame.py --sizes 10000   # a quick look

The table is generated (seeded): wide rows of mixed units (per-row unit columns), censored
CRP text, missing values and missing context. The floor is hand-written numpy for three
default-pack patterns (inflammation, anemia, microcytic), compared with interpret_frame on a
pack reduced to those three patterns. The per-row loop is timed on a sample of 10^4 rows and
extrapolated (it is linear: each row is one independent call).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

import labinterp
from labinterp import Pack, default_pack, extend_pack, interpret
from labinterp.frame import interpret_frame, panels_from_long

KEEP = ("inflammation", "anemia", "microcytic")
UNITS = {"mcv": "fL", "transferrin_saturation": "%", "vitamin_b12": "pg/mL"}


def generate(rows: int, seed: int = 9) -> pd.DataFrame:
    """Wide rows: six analytes in mixed units, censored CRP text, gaps in values and context."""
    rng = np.random.default_rng(seed)

    def gaps(values: np.ndarray[Any, Any], share: float) -> np.ndarray[Any, Any]:
        out = values.astype(float)
        out[rng.random(rows) < share] = np.nan
        return out

    hb_unit = rng.choice(np.array(["g/dL", "g/L", "mmol/L"], dtype=object), rows)
    hb_gdl = rng.normal(12.5, 2.0, rows).clip(3, 20).round(1)
    hb = np.where(
        hb_unit == "g/L", hb_gdl * 10, np.where(hb_unit == "mmol/L", hb_gdl * 0.6206, hb_gdl)
    )
    ferritin_unit = rng.choice(np.array(["ng/mL", "ug/L", "pmol/L"], dtype=object), rows)
    ferritin_ugl = rng.lognormal(4, 1.2, rows).clip(1, 5000).round(0)
    ferritin = np.where(ferritin_unit == "pmol/L", ferritin_ugl * 2.247, ferritin_ugl)
    crp = rng.lognormal(1.2, 1.3, rows).clip(0.2, 400).round(1)
    crp_text = np.where(crp < 5, "<5 mg/L", np.char.add(crp.astype(str), " mg/L")).astype(object)
    crp_text[rng.random(rows) < 0.2] = None
    sex = rng.choice(np.array(["female", "male", None], dtype=object), rows, p=[0.45, 0.45, 0.1])
    age = gaps(rng.integers(18, 90, rows), 0.15)
    return pd.DataFrame(
        {
            "hemoglobin": gaps(hb, 0.05),
            "hemoglobin_unit": hb_unit,
            "mcv": gaps(rng.normal(88, 9, rows).clip(50, 130).round(0), 0.1),
            "ferritin": gaps(ferritin, 0.3),
            "ferritin_unit": ferritin_unit,
            "transferrin_saturation": gaps(rng.normal(25, 10, rows).clip(2, 90).round(0), 0.4),
            "vitamin_b12": gaps(rng.lognormal(6, 0.4, rows).round(0), 0.5),
            "crp": crp_text,
            "sex": sex,
            "age": age,
        }
    )


def three_pattern_pack() -> Pack:
    base = default_pack()
    dropped = [p for p in base.patterns if p not in KEEP] + list(base.classifications)
    return extend_pack(base, {"name": "bench_three", "version": "1", "drop": dropped})


# --- the floor: the same three patterns written by hand in numpy --------------------------------

_HB_TO_GL = {"g/dL": 10.0, "g/L": 1.0, "mmol/L": 16.114}


def numpy_floor(frame: pd.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
    """Kleene codes (1 held, 0 undecided, -1 failed) for the three patterns, by hand: units
    converted per group, cut-offs by sex (pregnancy unknown), censored CRP as an interval.
    No tolerance, no plausibility guard, no flags: the least any evaluator must do."""
    hb = frame["hemoglobin"].to_numpy(dtype=float, na_value=np.nan)
    codes, uniques = pd.factorize(frame["hemoglobin_unit"])
    factors = np.array([_HB_TO_GL[u] for u in uniques] + [np.nan])
    hb_gl = hb * factors[codes]
    sex = frame["sex"].to_numpy(dtype=object)
    female, male = sex == "female", sex == "male"
    low_m, low_f = hb_gl < 130, hb_gl < 120
    # Without pregnancy, a woman's cut-off is 120 (not pregnant) or 105-110 (pregnant).
    anemia = np.where(male, np.where(low_m, 1, -1), 0)
    anemia = np.where(female & (hb_gl >= 120), -1, anemia)
    anemia = np.where(female & (hb_gl < 105), 1, anemia)
    anemia = np.where(~male & ~female & (hb_gl >= 130), -1, anemia)
    anemia = np.where(~male & ~female & (hb_gl < 105), 1, anemia)
    anemia = np.where(np.isnan(hb_gl), 0, anemia)
    del low_f
    mcv = frame["mcv"].to_numpy(dtype=float, na_value=np.nan)
    microcytic = np.where(np.isnan(mcv), 0, np.where(mcv < 80, 1, -1))
    crp_text = frame["crp"].to_numpy(dtype=object)
    ccodes, cuniques = pd.factorize(crp_text)
    lows = np.array(
        [0.0 if u.startswith("<") else float(u.split()[0]) for u in cuniques] + [np.nan]
    )
    highs = np.array([float(u.lstrip("<").split()[0]) for u in cuniques] + [np.nan])
    lo, hi = lows[ccodes], highs[ccodes]
    inflammation = np.where(np.isnan(lo), 0, np.where(lo > 5, 1, np.where(hi <= 5, -1, 0)))
    return {"inflammation": inflammation, "anemia": anemia, "microcytic": microcytic}


# --- measuring ----------------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(fn: Callable[[], object]) -> float:
    """Peak memory allocated while ``fn`` runs (tracemalloc sees numpy's and pandas' buffers)."""
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def per_row_loop_s_per_row(frame: pd.DataFrame, sample: int) -> float:
    """The loop over interpret, on the first ``sample`` rows (panels built beforehand)."""
    head = frame.iloc[:sample]
    result = interpret_frame(head, units=UNITS)
    panels = [result.panel(i) for i in range(len(head))]
    pack = default_pack()

    def loop() -> None:
        for panel in panels:
            with contextlib.suppress(labinterp.LabinterpError):
                interpret(panel, pack=pack).statuses()

    return timed(loop, 1) / len(panels)


def run(sizes: list[int]) -> None:
    three = three_pattern_pack()
    full = default_pack()
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{platform.machine()}, {platform.processor() or 'cpu'}"
    )
    loop_s = per_row_loop_s_per_row(generate(10_000), 10_000)
    print(
        f"per-row loop over interpret, 10^4-row sample: {loop_s * 1e6:.1f} us/row "
        f"({1 / loop_s:,.0f} rows/s; larger sizes extrapolated)"
    )
    print()
    print(
        "| rows | interpret_frame, all patterns | rows/s | vs loop | peak MiB (input MiB) "
        "| 3 patterns | numpy floor, 3 patterns | vs floor |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows in sizes:
        frame = generate(rows)
        input_mib = frame.memory_usage(deep=True).sum() / 2**20
        repeat = 3 if rows <= 100_000 else 1
        needed = frame[["hemoglobin", "hemoglobin_unit", "mcv", "crp", "sex", "age"]]
        t_full = timed(partial(interpret_frame, frame, pack=full, units=UNITS), repeat)
        t_three = timed(partial(interpret_frame, needed, pack=three, units={"mcv": "fL"}), repeat)
        t_floor = timed(partial(numpy_floor, needed), repeat)
        peak = peak_mib(partial(interpret_frame, frame, pack=full, units=UNITS))
        print(
            f"| {rows:,} | {t_full:.2f} s | {rows / t_full:,.0f} | {loop_s * rows / t_full:.0f}x "
            f"| {peak:.0f} ({input_mib:.0f}) | {t_three:.2f} s | {t_floor:.3f} s "
            f"| {t_three / t_floor:.1f}x |"
        )
        sys.stdout.flush()


def long_table(rows: int, seed: int = 11) -> pd.DataFrame:
    """A long table of ``rows`` results: six analytes by LOINC code, mixed units, about five
    results per subject and day, over ten days."""
    rng = np.random.default_rng(seed)
    codes = np.array(["718-7", "787-2", "2276-4", "2498-4", "2500-7", "1988-5"], dtype=object)
    units = {"718-7": "g/dL", "787-2": "fL", "2276-4": "ng/mL", "2498-4": "ug/dL"}
    units.update({"2500-7": "ug/dL", "1988-5": "mg/L"})
    typical = {"718-7": 12.5, "787-2": 88.0, "2276-4": 60.0, "2498-4": 80.0}
    typical.update({"2500-7": 330.0, "1988-5": 6.0})
    picked = rng.choice(codes, rows)
    scale = np.array([typical[c] for c in codes])[
        np.searchsorted(codes, picked, sorter=np.argsort(codes))
    ]
    return pd.DataFrame(
        {
            "subject": rng.integers(0, rows // 50 + 1, rows),
            "code": picked,
            "value": (rng.normal(1.0, 0.2, rows).clip(0.2, 3) * scale).round(1),
            "unit": [units[c] for c in picked],
            "time": pd.Timestamp("2150-01-01")
            + pd.to_timedelta(rng.integers(0, 10 * 24 * 60, rows), unit="min"),
        }
    )


def run_long(sizes: list[int]) -> None:
    print()
    print("| long rows | panels | panels_from_long (24 h windows) | rows/s |")
    print("|---:|---:|---:|---:|")
    for rows in sizes:
        long = long_table(rows)
        wide = panels_from_long(long, subject="subject", analyte="code", time="time", window="24h")
        seconds = timed(
            partial(
                panels_from_long, long, subject="subject", analyte="code", time="time", window="24h"
            ),
            1,
        )
        print(f"| {rows:,} | {len(wide):,} | {seconds:.2f} s | {rows / seconds:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--long-sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    args = parser.parse_args()
    run(args.sizes)
    run_long(args.long_sizes)


if __name__ == "__main__":
    main()
