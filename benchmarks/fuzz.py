"""Reliability figures for docs/reliability.md: fuzzing, hostile packs, concurrency.

    python benchmarks/fuzz.py --budget 1000              # print a Markdown report
    python benchmarks/fuzz.py --budget 100000 --jobs 2 --write   # nightly-style, rewrite the doc
    python benchmarks/fuzz.py --budget 5000 --entry convert --entry cli --no-hostile
    python benchmarks/fuzz.py --engine atheris --budget 100000   # coverage-guided (text inputs)

``--budget`` is the number of inputs per entry point. The harness itself lives in
tests/_fuzz_support.py and tests/_hostile_packs.py, which tests/test_fuzz.py runs at a small
fixed budget; this script runs it at any budget and writes the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the harness is shared with the test suite

import _concurrency as cc  # noqa: E402
import _fuzz_support as fz  # noqa: E402
import _hostile_packs as hp  # noqa: E402
import hypothesis  # noqa: E402
import pint  # noqa: E402
import pydantic  # noqa: E402

import labinterp  # noqa: E402

DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- figures:start -->\n", "<!-- figures:end -->"


# --- Hypothesis -----------------------------------------------------------------------------


def fuzz_one(name: str, budget: int, seed: int) -> dict[str, Any]:
    """One entry point in its own work folder (a function at module level: runs in a pool)."""
    with tempfile.TemporaryDirectory(prefix="labinterp-fuzz-") as work:
        return fz.fuzz(fz.ENTRY_POINTS[name], budget, seed, Path(work)).to_dict()


def run_hypothesis(names: Sequence[str], budget: int, seed: int, jobs: int) -> list[fz.EntryReport]:
    if jobs <= 1:
        return [fz.EntryReport.from_dict(fuzz_one(n, budget, seed)) for n in names]
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=spawn) as pool:
        futures = [pool.submit(fuzz_one, n, budget, seed) for n in names]
        return [fz.EntryReport.from_dict(f.result()) for f in futures]


# --- atheris ----------------------------------------------------------------------------------

# Text and bytes entry points, for a coverage-guided engine that mutates bytes.
ATHERIS_ENTRIES = (
    "Measurement.parse",
    "Panel.from_mapping",
    "Panel.from_json",
    "convert",
    "normalize_unit",
    "get_analyte",
    "load_pack",
)

# The child imports labinterp under atheris's instrumentation (labinterp only: instrumenting
# pydantic and pint as well costs about 40 s of start-up and guides nothing we own).
_ATHERIS_BOOTSTRAP = """
import sys, atheris
with atheris.instrument_imports(include=["labinterp"]):
    import labinterp
sys.path[:0] = [sys.argv[1]]
import fuzz
fuzz.atheris_child(sys.argv[2:])
"""


def atheris_input(name: str, data: bytes, work: Path) -> tuple[Any, str]:
    """Turn libFuzzer's bytes into one call's argument (and its description)."""
    import importlib

    atheris = importlib.import_module("atheris")
    fdp = atheris.FuzzedDataProvider(data)
    pick = fdp.ConsumeIntInRange(0, len(fz.ANALYTE_NAMES) - 1)
    analyte = fz.ANALYTE_NAMES[pick]
    if name == "Measurement.parse":
        arg: Any = (analyte, fdp.ConsumeUnicode(fdp.remaining_bytes()))
    elif name == "Panel.from_mapping":
        arg = {analyte: fdp.ConsumeUnicode(fdp.remaining_bytes())}
    elif name == "Panel.from_json":
        if fdp.ConsumeBool():  # raw bytes: the decoding and JSON layers
            arg = fdp.ConsumeBytes(fdp.remaining_bytes())
        else:  # a JSON panel with one free text value: what lies behind the JSON layer
            text = fdp.ConsumeUnicode(fdp.remaining_bytes())
            document = {analyte: text, "sex": "female", "age": 40}
            arg = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    elif name == "convert":
        value = fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else fdp.ConsumeFloat()
        # Known spellings most of the time, so that conversions happen; free text otherwise.
        units = [_unit_or_text(fdp) for _ in range(2)]
        arg = (value, units[0], units[1], analyte if fdp.ConsumeBool() else fz.NO_ANALYTE)
    elif name == "load_pack":
        arg = fz.PackFile(fdp.ConsumeBytes(fdp.remaining_bytes()))
    else:
        arg = fdp.ConsumeUnicode(fdp.remaining_bytes())
    return arg, fz.ENTRY_POINTS[name].describe(arg)


def _unit_or_text(fdp: Any) -> str:
    if fdp.ConsumeIntInRange(0, 3):
        index: int = fdp.ConsumeIntInRange(0, len(fz.UNIT_SPELLINGS) - 1)
        return fz.UNIT_SPELLINGS[index]
    return str(fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 40)))


def fuzzer_dictionary() -> str:
    """libFuzzer's dictionary: the words of lab reports and packs, for its mutations."""

    def quoted(word: str) -> str:
        out = []
        for byte in word.encode("utf-8", "surrogatepass"):
            char = chr(byte)
            plain = 32 <= byte < 127 and char not in '"\\'
            out.append(char if plain else f"\\x{byte:02x}")
        return '"' + "".join(out) + '"'

    words = {*fz.UNIT_SPELLINGS, *fz.COMPARATORS, *fz.NUMBER_TEXTS, *fz.ANALYTE_NAMES}
    words |= {*fz.CONTEXT_KEYS, *fz.YAML_BITS, '{"', '": "', '", "', '"}', "female", "male"}
    return "\n".join(quoted(w) for w in sorted(words) if w) + "\n"


def atheris_child(argv: Sequence[str]) -> None:
    """Runs inside the bootstrap: fuzz one entry point and keep its report in a file."""
    import importlib

    atheris = importlib.import_module("atheris")
    name, budget, seed, out = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    entry = fz.ENTRY_POINTS[name]
    report = fz.EntryReport(name, engine="atheris")
    work = Path(tempfile.mkdtemp(prefix="labinterp-atheris-"))
    started = time.perf_counter()

    def save() -> None:
        report.wall_seconds = time.perf_counter() - started
        out.write_text(json.dumps(report.to_dict()), encoding="utf-8")

    def one_input(data: bytes) -> None:
        arg, text = atheris_input(name, data, work)
        before = len(report.findings)
        fz.check_call(report, lambda: entry.call(arg, work), lambda: text)
        # libFuzzer ends the process with exit(): save as we go, not at the end.
        if report.tried % 1000 == 0 or report.tried >= budget - 1 or len(report.findings) > before:
            save()

    fz.warm_up()
    save()
    dictionary = work / "labinterp.dict"
    dictionary.write_text(fuzzer_dictionary(), encoding="ascii")
    # -timeout=0: our own alarm (HARD_LIMIT_S) limits each call; libFuzzer's would share it.
    flags = [
        f"-runs={budget}",
        f"-seed={seed + 1}",
        "-max_len=20000",
        "-len_control=0",
        "-timeout=0",
    ]
    flags.append(f"-dict={dictionary}")
    atheris.Setup([sys.argv[0], *flags], one_input)
    atheris.Fuzz()


def _atheris_one(name: str, budget: int, seed: int) -> fz.EntryReport:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-c",
            _ATHERIS_BOOTSTRAP,
            str(Path(__file__).resolve().parent),
            name,
            str(budget),
            str(seed),
            str(out),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if not out.exists():
            raise SystemExit(f"atheris child for {name} failed:\n{done.stderr[-2000:]}")
        return fz.EntryReport.from_dict(json.loads(out.read_text(encoding="utf-8")))


def run_atheris(names: Sequence[str], budget: int, seed: int, jobs: int) -> list[fz.EntryReport]:
    """One child process per entry point, ``jobs`` of them side by side."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda name: _atheris_one(name, budget, seed), names))


def atheris_available() -> str:
    try:
        import importlib.metadata

        return f"atheris {importlib.metadata.version('atheris')}"
    except Exception:
        return ""


# --- the report -----------------------------------------------------------------------------


def _cell(text: str, limit: int = 200) -> str:
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return text.replace("|", "\\|").replace("\n", " ")


def _rate(r: fz.EntryReport) -> float:
    return r.tried / r.wall_seconds if r.wall_seconds else 0.0


def fuzz_table(reports: Sequence[fz.EntryReport]) -> list[str]:
    lines = [
        "| entry point | engine | inputs tried | returned | refused (LabinterpError) "
        "| failures (groups) | slowest call | wall time | inputs/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        lines.append(
            f"| {r.entry} | {r.engine} | {r.tried:,} | {r.accepted:,} | {r.refused:,} "
            f"| {r.failures:,} ({len(r.findings)}) | {r.max_seconds * 1000:,.1f} ms "
            f"| {r.wall_seconds:,.0f} s | {_rate(r):,.0f} |"
        )
    total = sum(r.tried for r in reports)
    failures = sum(r.failures for r in reports)
    lines += ["", f"Inputs tried in all: **{total:,}**; failures: **{failures:,}**."]
    for engine in sorted({r.engine for r in reports}):
        mine = [r for r in reports if r.engine == engine and _rate(r)]
        hours = sum(100_000 / _rate(r) for r in mine) / 3600
        lines.append(
            f"At these rates, 10^5 inputs for each of the {len(mine)} {engine} entry points "
            f"would take about {hours:,.1f} CPU-hours on this machine."
        )
    return lines


def findings_table(reports: Sequence[fz.EntryReport]) -> list[str]:
    findings = [f for r in reports for f in r.findings]
    if not findings:
        return ["No failures."]
    lines = [
        "| entry point | engine | kind | error | where | count | shortest input seen |",
        "|---|---|---|---|---|---:|---|",
    ]
    rows = sorted(
        ((r.engine, f) for r in reports for f in r.findings),
        key=lambda row: (row[1].entry, row[1].kind, row[1].error, row[0]),
    )
    for engine, f in rows:
        lines.append(
            f"| {f.entry} | {engine} | {f.kind} | {_cell(f.error, 60)} | {_cell(f.where, 90)} "
            f"| {f.count:,} | `{_cell(f.repro, 300)}` |"
        )
    return lines


def hostile_table(results: Sequence[hp.HostileResult]) -> list[str]:
    lines = [
        "| hostile pack | verdict | error | load time | peak memory | message, or where it hung |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in results:
        detail = r.message or r.where
        peak = f"{r.peak_mb:,.0f} MB" if r.peak_mb else "n/a"
        lines.append(
            f"| {r.case} | {'PASS' if r.passed else 'FAIL'}: {r.verdict} | {r.error or '-'} "
            f"| {r.seconds:.2f} s | {peak} | {_cell(detail, 150)} |"
        )
    passed = sum(r.passed for r in results)
    lines += [
        "",
        f"Refused with a located LabinterpError within {hp.TIME_LIMIT_S:g} s and "
        f"{hp.MEMORY_LIMIT_MB:,} MB: **{passed} of {len(results)}**. "
        "Peak memory is the child's high-water mark, interpreter and imports included "
        f"(about {min((r.baseline_mb for r in results if r.baseline_mb), default=0):.0f} MB "
        "after importing labinterp).",
    ]
    return lines


def cli_table(results: Sequence[fz.CliProcessResult]) -> list[str]:
    lines = ["| command line | exit | traceback | last line of stderr |", "|---|---:|---|---|"]
    for r in results:
        lines.append(
            f"| {r.case} | {r.exit_code} | {'YES' if r.traceback else 'no'} "
            f"| {_cell(r.stderr, 120) or '-'} |"
        )
    passed = sum(r.passed for r in results)
    lines += ["", f"Ended with status 0, 1 or 2 and no traceback: **{passed} of {len(results)}**."]
    return lines


def concurrency_lines(c: cc.ConcurrencyReport) -> list[str]:
    verdict = "identical" if c.identical else "DIFFERENT"
    return [
        f"{c.jobs:,} generated panels, each with one bundled pack in turn (by name), compared "
        f"by `to_json()` with a serial run: **{verdict}**.",
        "",
        "| run | wall time | results that differ from the serial run |",
        "|---|---:|---:|",
        f"| serial | {c.serial_seconds:.2f} s | - |",
        f"| {c.threads} threads, warm caches | {c.thread_seconds:.2f} s | {c.thread_differences} |",
        f"| {c.threads} threads in a fresh process (cold caches) | {c.cold_thread_seconds:.2f} s "
        f"| {c.cold_thread_differences} |",
        f"| process pool, {c.processes} workers (spawn) | {c.process_seconds:.2f} s "
        f"| {c.process_differences} |",
        *(["", *[f"- {e}" for e in c.errors]] if c.errors else []),
    ]


def machine() -> str:
    numpy = f"numpy {fz.NUMPY.__version__}" if fz.NUMPY is not None else "numpy not installed"
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"hypothesis {hypothesis.__version__}, pydantic {pydantic.VERSION}, "
        f"pint {pint.__version__}, labinterp {labinterp.__version__}, {numpy}, "
        f"{atheris_available() or 'atheris not installed'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--budget", type=int, default=1000, help="inputs per entry point")
    parser.add_argument("--entry", action="append", choices=sorted(fz.ENTRY_POINTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", choices=("hypothesis", "atheris", "both"), default="hypothesis")
    parser.add_argument("--atheris-budget", type=int, help="inputs per entry point for atheris")
    parser.add_argument(
        "--jobs", type=int, default=1, help="entry points fuzzed side by side (both engines)"
    )
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile packs")
    parser.add_argument("--no-concurrency", action="store_true", help="skip the concurrency run")
    parser.add_argument("--panels", type=int, default=1000, help="panels for the concurrency run")
    parser.add_argument("--no-cli-runs", action="store_true", help="skip the real CLI processes")
    parser.add_argument("--json", type=Path, help="also write every result as JSON here")
    parser.add_argument("--write", action="store_true", help="update docs/reliability.md")
    args = parser.parse_args(argv)
    command = "python benchmarks/fuzz.py " + " ".join(sys.argv[1:] if argv is None else argv)

    started = time.perf_counter()
    reports: list[fz.EntryReport] = []
    if args.engine in ("hypothesis", "both"):
        names = args.entry or list(fz.ENTRY_POINTS)
        reports += run_hypothesis(names, args.budget, args.seed, args.jobs)
    if args.engine in ("atheris", "both"):
        names = [n for n in args.entry or ATHERIS_ENTRIES if n in ATHERIS_ENTRIES]
        if args.engine == "atheris" and set(args.entry or ()) - set(ATHERIS_ENTRIES):
            parser.error(f"atheris fuzzes only {', '.join(ATHERIS_ENTRIES)}")
        reports += run_atheris(names, args.atheris_budget or args.budget, args.seed, args.jobs)
    hostile = [] if args.no_hostile else hp.run_hostile()
    with tempfile.TemporaryDirectory() as tmp:
        cli_runs = [] if args.no_cli_runs else fz.run_cli_processes(Path(tmp), parallel=1)
    concurrency = None if args.no_concurrency else cc.check_concurrency(args.panels, args.seed)
    elapsed = time.perf_counter() - started

    today = datetime.date.today().isoformat()
    lines = [
        f"Command: `{command}` (seed {args.seed}), run on {today}; {elapsed / 60:.1f} min in all.",
        "",
        f"Machine: {machine()}.",
        "",
        "### Fuzzing",
        "",
        *fuzz_table(reports),
        "",
        "### Failures found",
        "",
        *findings_table(reports),
    ]
    if cli_runs:
        lines += ["", "### The command line as a real process", "", *cli_table(cli_runs)]
    if hostile:
        lines += ["", "### Hostile packs", "", *hostile_table(hostile)]
    if concurrency is not None:
        lines += ["", "### Concurrency", "", *concurrency_lines(concurrency)]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "command": command,
                    "fuzz": [r.to_dict() for r in reports],
                    "hostile": [vars(r) for r in hostile],
                    "cli": [vars(r) for r in cli_runs],
                    "concurrency": vars(concurrency) if concurrency else None,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    if args.write:
        current = DOC.read_text(encoding="utf-8")
        head, rest = current.split(START, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(head + START + text + END + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
