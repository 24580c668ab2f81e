"""The command line: output on stdout, errors on stderr with exit status 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from _engine_helpers import EXAMPLE_PANEL, PACK_NAMES, REPO_ROOT, SCHEMA_FILE, pack

from labinterp._cli import MAX_PANEL_BYTES, main

DISCLAIMER = " ".join(pack("default").disclaimer.split())


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_interpret_prints_a_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL))
    assert code == 0
    assert err == ""
    assert "[+] consistent with iron deficiency" in out
    # By default: the summary and the results, not every pattern's reasoning.
    assert "Results against reference intervals" in out
    assert "Reasoning per pattern" not in out
    assert "[+] ferritin < 30 ng/mL [30 ug/L]" not in out
    assert DISCLAIMER in " ".join(out.split())
    assert out.startswith("labinterp: interpretation with the default pack ")


def test_interpret_reasoning_adds_every_criterion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--reasoning")
    assert code == 0
    assert "Reasoning per pattern" in out
    assert "[+] ferritin < 30 ng/mL [30 ug/L] because the age is 15 years" in out
    _, full, _ = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--full")
    assert full == out


def test_brief_and_reasoning_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--brief", "--reasoning")
    assert raised.value.code == 2


def test_interpret_brief_prints_labels_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--brief")
    assert code == 0
    assert "consistent with iron deficiency" in out
    assert "Reasoning per pattern" not in out
    assert DISCLAIMER in " ".join(out.split())


def test_interpret_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--format", "json")
    assert code == 0
    assert err == ""
    data = json.loads(out)
    assert data["pack"]["name"] == "default"
    statuses = {p["id"]: p["status"] for p in data["patterns"]}
    assert statuses["iron_deficiency"] == "consistent"
    assert set(statuses) == set(pack("default").patterns)
    assert data["disclaimer"] == DISCLAIMER


def test_interpret_json_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--format", "json")
    second = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--format", "json")
    assert first == second


def test_interpret_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(EXAMPLE_PANEL.read_text(encoding="utf-8")))
    code, out, _ = run_cli(capsys, "interpret", "-", "--brief")
    assert code == 0
    assert "consistent with iron deficiency" in out


@pytest.mark.parametrize("name", PACK_NAMES)
def test_interpret_with_a_bundled_pack(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--pack", name)
    assert code == 0
    assert err == ""
    assert out.startswith(f"labinterp: interpretation with the {name} pack ")
    assert " ".join(pack(name).disclaimer.split()) in " ".join(out.split())


def test_interpret_with_who_pack_changes_the_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    panel = tmp_path / "panel.json"
    panel.write_text(
        json.dumps({"ferritin": "50 ug/L", "crp": "40 mg/L", "tsat": "25 %", "pregnant": False})
    )
    code, out, _ = run_cli(
        capsys, "interpret", str(panel), "--pack", "who_2020_ferritin", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["pack"]["name"] == "who_2020_ferritin"
    iron = next(p for p in data["patterns"] if p["id"] == "iron_deficiency")
    assert iron["status"] == "consistent"
    code, out, _ = run_cli(capsys, "interpret", str(panel), "--format", "json")
    iron = next(p for p in json.loads(out)["patterns"] if p["id"] == "iron_deficiency")
    assert iron["status"] == "not_consistent"


def test_interpret_with_a_pack_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        "name: stricter\nversion: '0.1'\nextends: default\ntitle: Stricter\n"
        "thresholds:\n  ferritin_iron_deficiency:\n    analyte: ferritin\n"
        "    source: seed_backache_anemia\n    confidence: uncertain\n"
        "    cutoffs:\n      - {comparator: '<', value: 45, unit: ug/L}\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--pack", str(child))
    assert code == 0
    assert out.startswith("labinterp: interpretation with the stricter pack (0.1)")


def test_unknown_analyte_exits_2_with_a_suggestion(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    panel = tmp_path / "bad.json"
    panel.write_text(json.dumps({"ferritn": "12 ng/mL", "tsat": "9 %"}))
    code, out, err = run_cli(capsys, "interpret", str(panel))
    assert code == 2
    assert out == ""
    assert err.startswith("labinterp: error: ")
    assert "'ferritn'" in err
    assert "did you mean 'ferritin'?" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "panel JSON is not valid"),
        ("[1, 2]", "must be a JSON object of analyte names to values, got an array"),
        ('{"ferritin": 12}', "has no unit"),
        ('{"ferritin": "12 fL"}', "fL"),
        ('{"hb": "130 g/dL"}', "did you mean"),
        ('{"sex": "male", "pregnant": true}', "pregnant"),
    ],
    ids=["json", "not_mapping", "no_unit", "wrong_unit", "implausible", "bad_context"],
)
def test_bad_panels_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, needle: str
) -> None:
    panel = tmp_path / "bad.json"
    panel.write_text(content, encoding="utf-8")
    code, out, err = run_cli(capsys, "interpret", str(panel))
    assert code == 2
    assert out == ""
    assert needle in err


def test_missing_panel_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    code, out, err = run_cli(capsys, "interpret", str(missing))
    assert code == 2
    assert out == ""
    assert str(missing) in err
    assert "cannot read panel file" in err


def test_panel_file_that_is_not_utf8_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    panel = tmp_path / "latin1.json"
    panel.write_bytes('{"iron": "35 \u00b5g/dL"}'.encode("latin-1"))
    code, out, err = run_cli(capsys, "interpret", str(panel))
    assert code == 2
    assert out == ""
    assert str(panel) in err


def test_unknown_pack_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--pack", "who_2020")
    assert code == 2
    assert out == ""
    assert "no bundled pack named 'who_2020'" in err


def test_bad_pack_file_exits_2_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nversion: '1'\nextends: default\ncolour: red\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--pack", str(bad))
    assert code == 2
    assert out == ""
    assert str(bad) in err
    assert "colour" in err


def test_normalize_prints_canonical_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "normalize", str(EXAMPLE_PANEL))
    assert code == 0
    assert err == ""
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["ferritin"].endswith("-> 12 ug/L")
    assert lines["iron"].endswith("-> 6.26735 umol/L")
    assert lines["vitamin_b12"].endswith("-> 302.5 pmol/L")
    assert "35 \u00b5g/dL" in lines["iron"]
    assert out.rstrip().endswith("context: sex=female, age=34.0, pregnant=False")


def test_normalize_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "normalize", str(EXAMPLE_PANEL), "--format", "json")
    assert code == 0
    values = json.loads(out)
    assert values["ferritin"] == pytest.approx(12.0)
    assert values["iron"] == pytest.approx(6.26735, rel=1e-5)
    assert values["esr"] == pytest.approx(14.0)


def test_normalize_bad_panel_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    panel = tmp_path / "bad.json"
    panel.write_text('{"ferritn": "12 ng/mL"}', encoding="utf-8")
    code, out, err = run_cli(capsys, "normalize", str(panel))
    assert (code, out) == (2, "")
    assert "did you mean 'ferritin'?" in err


def test_schema_check_of_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "schema", "--check", str(SCHEMA_FILE))
    assert code == 0
    assert err == ""
    assert "is current" in out


def test_schema_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    assert out == SCHEMA_FILE.read_text(encoding="utf-8")


def test_schema_check_of_a_stale_file_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stale = tmp_path / "pack.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "schema", "--check", str(stale))
    assert code == 1
    assert out == ""
    assert "out of date" in err


def test_schema_check_of_a_missing_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.json"
    code, out, err = run_cli(capsys, "schema", "--check", str(missing))
    assert code == 2
    assert out == ""
    assert str(missing) in err


def test_packs_lists_the_bundled_packs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "packs")
    assert code == 0
    assert "deprecated" in err  # the old spelling of 'pack list' still works, with a note
    assert "pack list" in err
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(PACK_NAMES)
    for line, name in zip(lines, PACK_NAMES, strict=True):
        assert pack(name).version in line
        assert pack(name).title in line


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse reports usage errors by raising SystemExit(2), not by returning.
    with pytest.raises(SystemExit) as info:
        main(["interpret"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage:" in err


def test_brief_report_keeps_the_explanation_of_an_applying_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    panel = tmp_path / "low_hb.json"
    panel.write_text(
        '{"hb": "9.5 g/dL", "sex": "male", "age": 60, "conditions": ["chronic_kidney_disease"]}',
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "interpret", str(panel), "--brief")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("  [+] note applies: guideline context on erythropoiesis-stimulating agents")
    assert "not a recommendation" in " ".join(" ".join(lines[at + 1 : at + 10]).split())


# --- issue 6: no input on any path gives a traceback ---------------------------------------------


def _stdin_bytes(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Stand in for a real stdin: a text stream over a byte buffer, as Python gives it."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="ascii"))


def test_stdin_is_read_as_utf8_bytes_whatever_the_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The text layer here is ASCII (a C locale); "µg/dL" still reads, from the bytes.
    _stdin_bytes(monkeypatch, '{"iron": "35 \u00b5g/dL", "age": 30}'.encode())
    code, out, err = run_cli(capsys, "normalize", "-")
    assert (code, err) == (0, "")
    assert "35 \u00b5g/dL" in out


@pytest.mark.parametrize(
    "data",
    [
        '{"iron": "35 \u00b5g/dL"}'.encode("latin-1"),
        b"\xff\xfe\x00{",
        b"",
        b"\x00" * 100,
        b'{"ferritin": {"value": "12 mg/L", "unit": "ug/L"}}',
    ],
    ids=["latin1", "bom_and_junk", "empty", "nul_bytes", "value_with_another_unit"],
)
def test_bad_stdin_exits_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    _stdin_bytes(monkeypatch, data)
    code, out, err = run_cli(capsys, "interpret", "-")
    assert code == 2
    assert out == ""
    assert err.startswith("labinterp: error: ")
    assert "Traceback" not in err


def test_a_missing_stdin_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", None)  # started with stdin closed
    code, out, err = run_cli(capsys, "interpret", "-")
    assert (code, out) == (2, "")
    assert "stdin: cannot read the panel" in err


@pytest.mark.parametrize("name", ["with\x00nul.json", "."], ids=["nul_in_path", "directory"])
def test_unreadable_paths_exit_2(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run_cli(capsys, "interpret", name)
    assert (code, out) == (2, "")
    assert "cannot read panel file" in err


def test_an_oversized_panel_file_is_refused_unread(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    panel = tmp_path / "huge.json"
    panel.write_bytes(b" " * (MAX_PANEL_BYTES + 1))
    code, out, err = run_cli(capsys, "interpret", str(panel))
    assert (code, out) == (2, "")
    assert f"at most {MAX_PANEL_BYTES} bytes" in err


# --- issue 7: the clinical review sheet is generated from the packs --------------------------


def test_clinical_review_sheet_in_docs_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    sheet = REPO_ROOT / "docs" / "clinical-review.md"
    code, out, err = run_cli(capsys, "review", "--check", str(sheet))
    assert (code, err) == (0, ""), "regenerate with: labinterp review > docs/clinical-review.md"
    assert out.strip().endswith("is current")


def test_review_check_fails_on_a_stale_sheet(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stale = tmp_path / "review.md"
    stale.write_text("# an old sheet\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "review", "--check", str(stale))
    assert code == 1
    assert out == ""
    assert "labinterp review >" in err


def test_review_lists_every_threshold_with_source_and_confidence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "review")
    assert code == 0
    for name in PACK_NAMES:
        loaded = pack(name)
        assert f"## `{name}` {loaded.version}" in out
        for tid, spec in loaded.thresholds.items():
            rows = [line for line in out.splitlines() if line.startswith(f"| `{tid}` |")]
            assert rows, tid
            assert all(
                spec.confidence in row
                or any(c.confidence and c.confidence in row for c in spec.cutoffs)
                for row in rows
            )
    # The pitfalls come from the packs' grey zones and notes.
    assert "mixed picture" in out
    assert "alert" in out


# --- a reader that goes away early (`labinterp interpret panel.json | head -1`) -----------------


class _ClosedPipe(io.StringIO):
    """stdout whose reader has gone: every write or flush fails as a closed pipe does."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_stdout_pipe_ends_quietly_with_status_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    code = main(["interpret", str(EXAMPLE_PANEL)])
    monkeypatch.undo()
    assert code == 1
    assert capsys.readouterr().err == ""


def test_a_missing_stdout_ends_quietly_with_status_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout", None)  # started with stdout closed (`>&-`)
    code = main(["interpret", str(EXAMPLE_PANEL)])
    monkeypatch.undo()
    assert code == 1
    assert capsys.readouterr().err == ""


def test_errors_with_a_missing_stderr_still_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", None)
    code = main(["interpret", "no_such_panel.json"])
    monkeypatch.undo()
    assert code == 2
    assert capsys.readouterr().out == ""  # not redirected to stdout either


def test_a_real_process_whose_reader_closed_the_pipe_prints_no_traceback() -> None:
    # A real pipe, because the last flush at interpreter exit is where the traceback came from.
    argv = [sys.executable, "-m", "labinterp", "interpret", str(EXAMPLE_PANEL)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        proc.stdout.close()  # before the child has written anything: its write must fail
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err == b""


def test_key_value_words_may_follow_options(capsys: pytest.CaptureFixture[str]) -> None:
    # Review 5, finding 13: words after an option were refused ("unrecognized arguments").
    code, out, err = run_cli(capsys, "interpret", "ferritin=99ng/mL", "--brief", "sex=male")
    assert code == 0, err
    assert "sex: male" in out
    code, out, err = run_cli(
        capsys,
        "interpret",
        "ferritin=99ng/mL",
        "tsat=25%",
        "age=60",
        "sex=male",
        "--pack",
        "heart_failure_esc_2021",
        "conditions=heart_failure",
    )
    assert code == 0, err
    assert "conditions: heart failure" in out
    assert "written for people with heart failure" not in out  # the condition was read


def test_options_still_take_their_own_values_among_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "normalize", "--format", "json", "ferritin=12ng/mL")
    assert code == 0
    assert json.loads(out)
    code, out, _ = run_cli(capsys, "pack", "list")
    assert code == 0
    assert "default" in out
