"""Cold start of the command line, against importing pydantic and yaml. Run by hand.

    python benchmarks/cold_start.py            # 7 runs of each, after one warm-up run
    python benchmarks/cold_start.py --runs 15

Each run is a fresh Python process; its CPU time (user + system) comes from the operating
system's accounting of the finished child (``resource.getrusage``), its wall time from a clock
around it. The report gives medians and the ratio of the medians. Python's bytecode cache is
written first (``compileall``), as an installed package has it; with PYTHONDONTWRITEBYTECODE
set and no cache every run would also compile labinterp's source, which is not what a user's
installed copy does. The warm-up run before each series also fills labinterp's start-up cache
(the checked catalog and bundled packs, see labinterp/_cache.py), as a user's first command
does; the runs measured are the ones after it. "Warm" is the same command run again inside
one process (main() called in a loop): what a long-lived caller pays per panel.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "examples" / "iron_deficiency_panel.json"
BASELINE = [sys.executable, "-c", "import pydantic, yaml"]
# What any command pays that builds a pydantic model: pydantic's lazy top-level import above
# does not load BaseModel and its machinery; this does.
FLOOR = [sys.executable, "-c", "from pydantic import BaseModel; import yaml"]
CLI = [sys.executable, "-m", "labinterp", "interpret", str(PANEL)]


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process running ``command``."""
    cpu_before, wall_before = _child_cpu(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - wall_before, _child_cpu() - cpu_before


def medians(command: list[str], runs: int) -> tuple[float, float]:
    run_once(command)  # warm-up: the file system cache, not Python's
    samples = [run_once(command) for _ in range(runs)]
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def warm_ms(repeats: int = 50) -> float:
    """Mean milliseconds per ``main(["interpret", PANEL])`` inside one process."""
    import contextlib
    import io

    from labinterp._cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        main(["interpret", str(PANEL)])
        start = time.perf_counter()
        for _ in range(repeats):
            main(["interpret", str(PANEL)])
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "labinterp", quiet=1)
    env_note = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "unset"
    cli_wall, cli_cpu = medians(CLI, args.runs)
    base_wall, base_cpu = medians(BASELINE, args.runs)
    floor_wall, floor_cpu = medians(FLOOR, args.runs)
    print(f"runs: {args.runs} of each (median); PYTHONDONTWRITEBYTECODE {env_note}")
    print("| command | wall s | CPU s |")
    print("|---|---:|---:|")
    print(f"| {' '.join(BASELINE[1:])} | {base_wall:.3f} | {base_cpu:.3f} |")
    print(f"| {' '.join(FLOOR[1:])} | {floor_wall:.3f} | {floor_cpu:.3f} |")
    print(f"| labinterp interpret {PANEL.name} | {cli_wall:.3f} | {cli_cpu:.3f} |")
    print(f"| floor ratio | {floor_wall / base_wall:.2f}x | {floor_cpu / base_cpu:.2f}x |")
    print(f"| ratio | {cli_wall / base_wall:.2f}x | {cli_cpu / base_cpu:.2f}x |")
    print(f"warm: {warm_ms():.2f} ms per interpret command inside one process")


if __name__ == "__main__":
    main()
