"""Every public entry point under fuzzing, at a small fixed budget (the harness is in
tests/_fuzz_support.py; benchmarks/fuzz.py runs it at any budget for docs/reliability.md).

Each input must give a result or a LabinterpError, within a second, with a message of
bounded length; a valid panel and its unit-converted twin must get the same statuses.
Hostile packs must be refused with a located error within the stated time and memory, and
the command line must never end in a traceback.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from _fuzz_support import (
    CLI_PROCESS_CASES,
    ENTRY_POINTS,
    FUZZED_FUNCTIONS,
    NO_CALLER_INPUT,
    EntryReport,
    fuzz,
    run_cli_processes,
)
from _hostile_packs import (
    HOSTILE_CASES,
    MEMORY_LIMIT_MB,
    TIME_LIMIT_S,
    HostileCase,
    HostileResult,
    run_hostile,
)

import labinterp

BUDGET = 100  # inputs per entry point here; see docs/reliability.md for the nightly-style run
SEED = 20261121  # fixed, so that CI sees the same inputs every run


def _failures(report: EntryReport) -> str:
    return "\n".join(f.line() for f in report.findings)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_entry_point_survives_fuzzing(name: str, tmp_path: Path) -> None:
    report = fuzz(ENTRY_POINTS[name], BUDGET, SEED, tmp_path)
    assert report.tried >= BUDGET // 2, "the strategy ran out of inputs"
    assert not report.findings, f"{report.failures} failing inputs:\n{_failures(report)}"


def test_the_twins_are_valid_panels_so_the_comparison_happens(tmp_path: Path) -> None:
    report = fuzz(ENTRY_POINTS["metamorphic"], 50, SEED, tmp_path)
    assert report.accepted + report.failures == report.tried
    assert report.refused == 0


def test_every_public_function_with_input_is_fuzzed() -> None:
    functions = {name for name in labinterp.__all__ if inspect.isfunction(getattr(labinterp, name))}
    unaccounted = functions - set(FUZZED_FUNCTIONS) - set(NO_CALLER_INPUT)
    assert not unaccounted, f"add an entry point to tests/_fuzz_support.py for {unaccounted}"
    named = {entry for entries in FUZZED_FUNCTIONS.values() for entry in entries}
    assert named <= set(ENTRY_POINTS)


def _a_valid_pack(folder: Path) -> str:
    (folder / "valid.yaml").write_text(
        'schema_version: 1\nname: valid\nversion: "1"\nextends: default\n', encoding="utf-8"
    )
    return "valid.yaml"


# A pack that loads: the harness must report it as a failure, or it could pass anything.
CONTROL = HostileCase("control: a valid pack", _a_valid_pack, r"valid\.yaml")


@pytest.fixture(scope="module")
def hostile_results() -> dict[str, HostileResult]:
    return {r.case: r for r in run_hostile((*HOSTILE_CASES, CONTROL))}


def test_the_hostile_pack_harness_fails_a_pack_that_loads(
    hostile_results: dict[str, HostileResult],
) -> None:
    control = hostile_results[CONTROL.name]
    assert (control.outcome, control.passed) == ("loaded", False)
    assert control.peak_mb > control.baseline_mb > 0  # loading default takes memory


@pytest.mark.parametrize("case", [c.name for c in HOSTILE_CASES])
def test_hostile_pack_is_refused_with_a_located_error(
    case: str, hostile_results: dict[str, HostileResult]
) -> None:
    result = hostile_results[case]
    assert result.passed, (
        f"{result.verdict} ({result.error} {result.message or result.where}); "
        f"{result.seconds:.2f} s, {result.peak_mb:.0f} MB "
        f"(limits {TIME_LIMIT_S:g} s, {MEMORY_LIMIT_MB} MB)"
    )


def test_the_command_line_never_ends_in_a_traceback(tmp_path: Path) -> None:
    cases = tuple(c for c in CLI_PROCESS_CASES if c.in_ci)  # the rest run in-process above
    results = run_cli_processes(tmp_path, cases=cases)
    assert len(results) == len(cases) >= 4
    broken = [r for r in results if not r.passed]
    assert not broken, "\n".join(f"{r.case}: exit {r.exit_code}, {r.stderr}" for r in broken)
