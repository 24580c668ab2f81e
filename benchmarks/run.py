"""Speed figures for docs/performance.md. Run by hand, never in the test suite.

    python benchmarks/run.py              # print a Markdown report
    python benchmarks/run.py --write      # also replace the figures in docs/performance.md

Each figure is the median over several repeats of the mean time per call in a timed loop, on
whatever machine runs it; the report records Python, pint and pydantic versions and the CPU.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pint
import pydantic

import labinterp
from labinterp._units import conversion_factor, normalize_unit

FULL_PANEL: dict[str, Any] = {
    "ferritin": "12 ng/mL",
    "tsat": "9 %",
    "iron": "40 ug/dL",
    "tibc": "420 ug/dL",
    "transferrin": "3.2 g/L",
    "hb": "10.1 g/dL",
    "mcv": "76 fL",
    "rdw": "16.5 %",
    "retic": "0.8 %",
    "b12": "250 pg/mL",
    "mma": "300 nmol/L",
    "hcy": "14 umol/L",
    "folate": "8 ng/mL",
    "crp": "3 mg/L",
    "esr": "20 mm/hr",
    "sex": "female",
    "age": 34,
}
FOURTEEN = {k: v for k, v in FULL_PANEL.items() if k != "transferrin"}


def per_call_us(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Median over ``repeat`` runs of the mean time per call, in microseconds."""
    fn()  # warm caches first: the figures are for the steady state
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


# --- the naive baseline: what a first attempt without caching would do -----------------------

_UREG: Any = pint.UnitRegistry(cache_folder=None)
_MOLAR = {
    "vitamin_b12": 1355.37,
    "folate": 441.40,
    "methylmalonic_acid": 118.09,
    "homocysteine": 135.18,
    "iron": 55.845,
    "tibc": 55.845,
    "hemoglobin": 16114.5,
}
_CANON = {
    "ferritin": "ug/L",
    "transferrin_saturation": "percent",
    "iron": "umol/L",
    "tibc": "umol/L",
    "transferrin": "g/L",
    "hemoglobin": "g/dL",
    "mcv": "fL",
    "rdw": "percent",
    "reticulocytes": "percent",
    "vitamin_b12": "pmol/L",
    "methylmalonic_acid": "nmol/L",
    "homocysteine": "umol/L",
    "folate": "nmol/L",
    "crp": "mg/L",
    "esr": "mm/h",
}
_ALIAS = {
    "tsat": "transferrin_saturation",
    "hb": "hemoglobin",
    "retic": "reticulocytes",
    "b12": "vitamin_b12",
    "mma": "methylmalonic_acid",
    "hcy": "homocysteine",
}
_TEXT = re.compile(r"^\s*([<>]=?)?\s*([0-9.]+)\s*(.*)$")


def naive_interpret(mapping: dict[str, Any]) -> dict[str, str]:
    """A pint conversion per value (parsed every time) and plain Python rules."""
    v: dict[str, float] = {}
    for key, text in mapping.items():
        if key in ("sex", "age"):
            continue
        name = _ALIAS.get(key, key)
        match = _TEXT.match(text)
        assert match is not None
        unit = match.group(3).replace("%", "percent").replace("mm/hr", "mm/h")
        q = _UREG.Quantity(float(match.group(2)), unit)
        target = _UREG.Unit(_CANON[name])
        if q.dimensionality != target.dimensionality and name in _MOLAR:
            mm = _UREG.Quantity(_MOLAR[name], "g/mol")
            q = q * mm if "[substance]" in str(q.dimensionality) else q / mm
        v[name] = float(q.to(target).magnitude)
    female = mapping.get("sex") == "female"

    def status(held: bool) -> str:
        return "consistent" if held else "not_consistent"

    b12_ngl = v["vitamin_b12"] * 1.35537
    return {
        "inflammation": status(v["crp"] > 5),
        "anemia": status(v["hemoglobin"] < (12.0 if female else 13.0)),
        "severe_anemia": status(v["hemoglobin"] < 8),
        "microcytic": status(v["mcv"] < 80),
        "normocytic": status(80 <= v["mcv"] <= 100),
        "macrocytic": status(v["mcv"] > 100),
        "iron_deficiency": status(v["ferritin"] < 30 and v["transferrin_saturation"] < 15),
        "anemia_of_inflammation": status(
            80 <= v["mcv"] <= 100 and v["iron"] < 8.95 and v["tibc"] < 44.8 and v["ferritin"] > 100
        ),
        "b12_deficiency": status(
            b12_ngl < 180 or (180 <= b12_ngl <= 350 and v["methylmalonic_acid"] > 271)
        ),
        "folate_deficiency": status(v["folate"] < 6.8),
        "esa_guideline_context": status(v["hemoglobin"] < 10),
    }


def figures() -> list[tuple[str, float, str]]:
    panel = labinterp.Panel.from_mapping(FULL_PANEL)
    code_from, code_to = normalize_unit("pg/mL"), normalize_unit("pmol/L")
    conversion_factor(code_from, code_to, 1355.37)
    return [
        (
            "convert(180, 'pg/mL', 'pmol/L', analyte='b12'), cached",
            per_call_us(lambda: labinterp.convert(180, "pg/mL", "pmol/L", analyte="b12"), 100_000),
            "target < 2 us",
        ),
        (
            "convert(12, 'ng/mL', 'ug/L'), cached, no analyte",
            per_call_us(lambda: labinterp.convert(12, "ng/mL", "ug/L"), 100_000),
            "target < 2 us",
        ),
        (
            "pint: Quantity(180, 'pg/mL').to('ng/L'), uncached parse",
            per_call_us(lambda: _UREG.Quantity(180, "pg/mL").to("ng/L"), 2_000),
            "reference",
        ),
        (
            "Panel.from_mapping, 14 analytes from strings",
            per_call_us(lambda: labinterp.Panel.from_mapping(FOURTEEN), 5_000),
            "target < 100 us",
        ),
        (
            "Panel.from_mapping, all 15 report analytes from strings",
            per_call_us(lambda: labinterp.Panel.from_mapping(FULL_PANEL), 5_000),
            "",
        ),
        (
            "interpret(panel), full panel, default pack",
            per_call_us(lambda: labinterp.interpret(panel), 1_000),
            "target < 100 us",
        ),
        (
            "interpret(panel).patterns: statuses plus every trace",
            per_call_us(lambda: labinterp.interpret(panel).patterns, 500),
            "",
        ),
        (
            "interpret(mapping): parse + interpret",
            per_call_us(lambda: labinterp.interpret(FULL_PANEL), 1_000),
            "",
        ),
        (
            "interpret(panel).to_json()",
            per_call_us(lambda: labinterp.interpret(panel).to_json(), 500),
            "",
        ),
        (
            "naive baseline: pint per value + plain rules",
            per_call_us(lambda: naive_interpret(FULL_PANEL), 200),
            "baseline",
        ),
    ]


def report() -> str:
    rows = figures()
    by_name = {name: value for name, value, _ in rows}
    naive = by_name["naive baseline: pint per value + plain rules"]
    ours = by_name["interpret(mapping): parse + interpret"]
    lines = [
        "| what | median per call | note |",
        "|---|---:|---|",
        *[f"| {name} | {value:,.2f} us | {note} |" for name, value, note in rows],
        "",
        f"Speed-up of `interpret(mapping)` over the naive baseline: **{naive / ours:.1f}x** "
        "(both parse the same strings and decide the same eleven patterns; the traces are "
        "built on first access: compare `interpret(panel)` with `interpret(panel).patterns`).",
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu n/a'}, "
        f"Python {platform.python_version()}, pint {pint.__version__}, "
        f"pydantic {pydantic.VERSION}, labinterp {labinterp.__version__}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    text = report()
    sys.stdout.write(text)
    if args.write:
        doc = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
        current = doc.read_text(encoding="utf-8")
        start, end = "<!-- figures:start -->\n", "<!-- figures:end -->"
        head, rest = current.split(start, 1)
        _, tail = rest.split(end, 1)
        doc.write_text(head + start + text + end + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
