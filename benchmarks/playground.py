"""Figures for the browser playground: site size, time to the first interpretation, and time
per re-interpretation in headless Chromium, beside the same panel in CPython.

Run by hand (needs Chromium, npm or a cached Pyodide runtime, and playwright):

    python benchmarks/playground.py [--runs 3] [--repeat 20]

Each run builds nothing new after the first (downloads are cached), opens the page in a fresh
browser, and reads the page's own ``performance.now()`` marks. Medians are printed as a
Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import labinterp
from labinterp.playground import build_site
from labinterp.playground._chromium import CHROMIUM_FLAGS, serving
from labinterp.playground.bridge import EXAMPLE_PANELS
from labinterp.render import render

PANEL = EXAMPLE_PANELS["iron deficiency"]


def _sizes(site: Path) -> dict[str, int]:
    def size(path: Path) -> int:
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

    total = size(site)
    return {
        "Pyodide runtime": size(site / "pyodide"),
        "wheels": size(site / "wheels"),
        "page": total - size(site / "pyodide") - size(site / "wheels"),
        "total": total,
    }


def _browser_run(url: str, repeat: int) -> tuple[dict[str, float], list[float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(CHROMIUM_FLAGS)
        )
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("window.labinterpTimings", timeout=300_000)
        marks = page.evaluate("window.labinterpTimings")
        each = page.evaluate(
            """async ([panel, n]) => {
                const times = [];
                for (let i = 0; i < n; i++) {
                    const t = performance.now();
                    await window.labinterp.interpret(panel, {format: 'html'});
                    times.push(performance.now() - t);
                }
                return times;
            }""",
            [PANEL, repeat],
        )
        browser.close()
    return {k: float(v) for k, v in marks.items()}, [float(t) for t in each]


def _cpython(repeat: int) -> tuple[float, float]:
    """(cold process to first interpretation, warm per interpretation), in ms."""
    code = (
        "import time; t = time.perf_counter(); import labinterp; from labinterp.render import "
        f"render; render(labinterp.interpret({PANEL!r}), format='html'); "
        "print((time.perf_counter() - t) * 1000)"
    )
    cold = float(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        render(labinterp.interpret(PANEL), format="html")
        times.append((time.perf_counter() - t) * 1000)
    return cold, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        build_site(site, log=lambda m: print(m, file=sys.stderr))
        with serving(site) as url:
            runs = [_browser_run(url, args.repeat) for _ in range(args.runs)]
        sizes = _sizes(site)
    stage = {k: statistics.median(r[0][k] for r in runs) for k in runs[0][0]}
    again = statistics.median(t for r in runs for t in r[1])
    cold, warm = _cpython(args.repeat)
    print("| figure | value |")
    print("|---|---|")
    for name, size in sizes.items():
        print(f"| site size: {name} | {size / 1_000_000:.1f} MB |")
    names = {
        "runtime": "Pyodide runtime started",
        "wheels": "wheels downloaded and unpacked",
        "imported": "labinterp imported",
        "form": "form data built (catalog and default pack read)",
        "ready": "form ready",
        "firstInterpretation": "first interpretation shown",
    }
    for key, name in names.items():
        print(f"| page open to {name} (median of {args.runs}) | {stage[key] / 1000:.1f} s |")
    print(f"| re-interpretation in the browser (HTML, median) | {again:.0f} ms |")
    print(f"| CPython: fresh process to first HTML rendering | {cold:.0f} ms |")
    print(f"| CPython: re-interpretation (HTML, median) | {warm:.1f} ms |")


if __name__ == "__main__":
    main()
