"""labinterp batch: real files in (CSV, Parquet, JSON Lines; a long MIMIC-IV table), the
table with its interpretation out, bad rows kept and reported, a pipe-friendly stdout."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "pandas", reason="labinterp batch needs the frame extra: pip install -e '.[frame]'"
)
import pandas as pd
from _distributed import BAD_ROWS, mixed_table

from labinterp._cli import _batch, main
from labinterp.frame import interpret_frame

UNITS = {"mcv": "fL"}
ROWS = 60


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(ROWS)


@pytest.fixture(scope="module")
def expected(table: pd.DataFrame) -> pd.DataFrame:
    return interpret_frame(table, units=UNITS).frame  # type: ignore[no-any-return]


def _write(table: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        table.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        table.to_parquet(path, index=False)
    else:
        table.to_json(path, orient="records", lines=True)


def _as_text(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values.tolist()]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
@pytest.mark.parametrize("out_suffix", [".csv", ".parquet"])
def test_batch_file_to_file(
    tmp_path: Path,
    table: pd.DataFrame,
    expected: pd.DataFrame,
    suffix: str,
    out_suffix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source, target = tmp_path / f"in{suffix}", tmp_path / f"out{out_suffix}"
    _write(table, source)
    assert main(["batch", str(source), "-o", str(target), "--units", "mcv=fL"]) == 0
    out = pd.read_csv(target) if out_suffix == ".csv" else pd.read_parquet(target)
    assert len(out) == ROWS  # no row dropped, the bad ones included
    assert list(out.columns) == [*table.columns, *expected.columns]
    # A CSV's cells come out as written (Parquet then holds them as text).
    assert _as_text(out["id"]) == _as_text(table["id"])
    for name in expected.columns:
        assert _as_text(out[name]) == _as_text(expected[name]), name
    err = capsys.readouterr().err
    assert f"{ROWS} rows, {len(BAD_ROWS)} invalid" in err
    # The first data row: line 2 of a CSV file (the header is line 1), row 1 of another table.
    where = "line 2" if suffix == ".csv" else "row 1"
    assert f"{where}: ferritin: unknown unit 'furlongs'" in err
    assert "anemia " in err


def test_summary_counts_each_status_per_pattern(
    tmp_path: Path, table: pd.DataFrame, expected: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    _write(table, source)
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--units", "mcv=fL"]) == 0
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("anemia "))
    counts = [int(word) for word in line.split()[1:]]
    want = [int((expected["anemia"] == s).sum()) for s in _STATUS_ORDER]
    assert counts == want


_STATUS_ORDER = ("consistent", "not_consistent", "indeterminate")  # as docs/cli.md names them


def test_stdout_is_csv_for_a_pipe(tmp_path: Path, table: pd.DataFrame) -> None:
    source = tmp_path / "in.parquet"
    _write(table, source)
    done = subprocess.run(
        [sys.executable, "-m", "labinterp", "batch", str(source), "-o", "-", "--units", "mcv=fL"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(io.StringIO(done.stdout))
    assert len(out) == ROWS
    assert "invalid" in out.columns
    # Progress and the summary are on stderr only, as plain lines (stderr is not a terminal).
    assert "labinterp batch: 60 of 60 rows" in done.stderr
    assert "pattern" not in done.stdout.splitlines()[1]


def test_long_mimic_iv_preset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "labevents.csv"
    source.write_text(
        "subject_id,itemid,valuenum,value,valueuom,charttime\n"
        "1,51222,9.8,9.8,g/dL,2150-01-01 08:00:00\n"
        "1,51250,72,72,fL,2150-01-01 08:00:00\n"
        "1,51222,10.2,10.2,g/dL,2150-01-01 20:00:00\n"
        "2,51222,14.0,14.0,g/dL,2150-02-01 09:00:00\n"
        "2,50889,,<0.3,mg/dL,2150-02-01 09:00:00\n"
        "3,51222,9.1,9.1,furlongs,2150-02-01 09:00:00\n",
        encoding="utf-8",
    )
    target = tmp_path / "panels.csv"
    argv = ["batch", str(source), "-o", str(target), "--long", "--preset", "mimic_iv"]
    assert main([*argv, "--window", "24h"]) == 0
    out = pd.read_csv(target)
    assert list(out["subject_id"]) == [1, 2, 3]
    assert list(out["hemoglobin"]) == [10.2, 14.0, 9.1]  # the later result of the first day
    assert out.loc[0, "anemia"] == "consistent"
    assert out.loc[1, "crp"] == "<0.3"
    assert str(out.loc[2, "invalid"]).startswith("hemoglobin: unknown unit 'furlongs'")
    assert "3 rows, 1 invalid" in capsys.readouterr().err


def test_long_mimic_iv_keeps_the_labs_flag_beside_labinterps(tmp_path: Path) -> None:
    source = tmp_path / "labevents.csv"
    source.write_text(
        "subject_id,itemid,valuenum,value,valueuom,flag,charttime\n"
        "1,51222,9.8,9.8,g/dL,abnormal,2150-01-01 08:00:00\n"
        "1,50953,400,400,ug/dL,,2150-01-01 08:00:00\n"
        "1,51279,4.6,4.6,m/uL,,2150-01-01 08:00:00\n",
        encoding="utf-8",
    )
    target = tmp_path / "panels.csv"
    assert main(["batch", str(source), "-o", str(target), "--long", "--preset", "mimic_iv"]) == 0
    out = pd.read_csv(target)
    assert out.loc[0, "hemoglobin_lab_flag"] == "abnormal"
    assert out.loc[0, "hemoglobin_flag"] == "low"
    assert out["tibc_lab_flag"].isna().all()
    assert out.loc[0, "rbc_unit"] == "10*6/uL"  # MIMIC's m/uL
    assert out["invalid"].isna().all()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["batch", "in.xlsx", "-o", "o.csv"], "cannot tell the input format"),
        (["batch", "in.csv", "-o", "o.json"], "cannot tell the output format"),
        (["batch", "IN", "-o", "o.csv", "--units", "mcv"], "--units: expected COLUMN=UNIT"),
        (["batch", "IN", "-o", "o.csv", "--preset", "omop"], "add --long"),
        (["batch", "missing.csv", "-o", "o.csv"], "missing.csv: cannot read the table"),
    ],
)
def test_bad_usage_is_an_error_on_stderr(
    tmp_path: Path,
    table: pd.DataFrame,
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(table, tmp_path / "IN.csv")
    argv = [tmp_path.joinpath("IN.csv").as_posix() if a == "IN" else a for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    assert "Traceback" not in captured.err


def test_a_result_column_in_the_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"mcv": [70.0], "invalid": ["x"]}).to_csv(source, index=False)
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--units", "mcv=fL"]) == 2
    assert "already has result column(s) ['invalid']" in capsys.readouterr().err


def test_steps_cover_every_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_batch, "STEP", 7)
    spans = [(a, b) for a, b, _ in _batch._steps(30, quiet=True)]
    assert spans == [(0, 7), (7, 14), (14, 21), (21, 28), (28, 30)]


def test_plain_progress_prints_a_line_per_tenth(capsys: pytest.CaptureFixture[str]) -> None:
    progress = _batch._PlainProgress(100)
    for _ in range(20):
        progress.advance(5)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"labinterp batch: {n} of 100 rows" for n in range(10, 101, 10)]


def test_a_terminal_without_rich_gets_plain_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_batch, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(_batch, "_rich_available", lambda: False)
    monkeypatch.setattr(_batch, "STEP", 10)
    for start, stop, progress in _batch._steps(20, quiet=False):
        progress.advance(stop - start)
    assert capsys.readouterr().err.splitlines()[-1] == "labinterp batch: 20 of 20 rows"


def test_a_terminal_with_rich_gets_a_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("rich", reason="rich comes with the cli extra (in dev)")
    monkeypatch.setattr(_batch, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(_batch, "STEP", 10)
    spans = []
    for start, stop, progress in _batch._steps(25, quiet=False):
        progress.advance(stop - start)
        spans.append((start, stop))
    assert spans == [(0, 10), (10, 20), (20, 25)]
    assert "labinterp batch:" not in capsys.readouterr().err  # the bar, not the plain lines
