"""How long a rendering takes on a fresh interpretation (the README's panel). Run by hand.

    python benchmarks/render_brief.py              # 300 timed runs of each mode
    python benchmarks/render_brief.py --runs 1000

Each run interprets the panel again (a fresh Interpretation, nothing built yet) and times only
the ``render`` call, so the figure includes building whatever traces the rendering needs. It
is CPU time (``time.process_time``), not wall time: on a machine shared with other work the
wall clock mostly measures the neighbours. The report gives the median of the runs, after 20
untimed warm-up runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import labinterp
from labinterp.render import render

#: The panel of the README's "Use from Python" example.
README_PANEL: dict[str, Any] = {
    "ferritin": "12 ng/mL",
    "tsat": "9 %",
    "b12": {"value": 180, "unit": "pg/mL"},
    "hemoglobin": "<7 g/dL",
    "sex": "female",
    "age": 34,
    "pregnant": False,
}
MODES: dict[str, dict[str, bool]] = {
    "brief=True": {"brief": True},
    "default": {},
    "reasoning=True": {"reasoning": True},
}


def _one(panel: labinterp.Panel, mode: dict[str, bool]) -> float:
    result = labinterp.interpret(panel)
    start = time.process_time()
    render(result, **mode)  # type: ignore[arg-type]
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    panel = labinterp.Panel.from_mapping(README_PANEL)
    for label, mode in MODES.items():
        for _ in range(20):
            _one(panel, mode)
        runs = [_one(panel, mode) for _ in range(args.runs)]
        median_us = statistics.median(runs) * 1e6
        print(f"render(result, {label}): median {median_us:,.0f} us CPU over {len(runs)} runs")


if __name__ == "__main__":
    main()
