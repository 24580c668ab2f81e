"""The command line a person expects: --version, key=value panels, formats, JSON errors,
--ignore-unknown, analytes, pack list/show/validate/diff, and schema --check on a pack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _engine_helpers import EXAMPLE_PANEL, PACK_NAMES, REPO_ROOT, SCHEMA_FILE

import labinterp
from labinterp._cli import main
from labinterp._cli._interpret import _render, panel_data_from_pairs


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"labinterp {labinterp.__version__}"


def test_key_value_words_make_the_same_panel_as_a_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = json.loads(EXAMPLE_PANEL.read_text(encoding="utf-8"))
    words = []
    for key, value in data.items():
        text = ",".join(value) if isinstance(value, list) else value
        words.append(f"{key}={json.dumps(value) if isinstance(value, dict) else text}")
    code, from_words, err = run_cli(capsys, "interpret", *words, "--format", "json")
    assert (code, err) == (0, "")
    _, from_file, _ = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--format", "json")
    assert json.loads(from_words) == json.loads(from_file)


def test_key_value_words_read_context_types() -> None:
    data = panel_data_from_pairs(
        [
            "ferritin=12 ng/mL",
            "tsat=9%",
            "sex=female",
            "age=40",
            "pregnant=false",
            "conditions=chronic_kidney_disease,heart_failure",
            "crp=null",
        ]
    )
    assert data["age"] == 40
    assert data["pregnant"] is False
    assert data["conditions"] == ["chronic_kidney_disease", "heart_failure"]
    assert data["crp"] is None
    panel = labinterp.Panel.from_mapping(data)
    assert panel.transferrin_saturation is not None
    assert panel.conditions == ("chronic_kidney_disease", "heart_failure")


def test_the_issue_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys,
        "interpret",
        "ferritin=12 ng/mL",
        "tsat=9%",
        "sex=female",
        "age=40",
        "conditions=chronic_kidney_disease",
        "--brief",
    )
    assert (code, err) == (0, "")
    assert "iron deficiency" in out


@pytest.mark.parametrize(
    "words",
    [["ferritin"], ["ferritin=12 ng/mL", "ferritin=13 ng/mL"], ["=5"], ["ferritin={bad"]],
)
def test_bad_key_value_words_exit_2(capsys: pytest.CaptureFixture[str], words: list[str]) -> None:
    code, out, err = run_cli(capsys, "interpret", *words)
    assert code == 2
    assert out == ""
    assert err.startswith("labinterp: error:")


def test_a_file_and_words_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "sex=female")
    assert code == 2
    assert out == ""
    assert "not both" in err


def test_errors_are_json_on_stderr_with_format_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "interpret", "ferritin=N/A", "--format", "json")
    assert code == 2
    assert out == ""
    error = json.loads(err)["error"]
    assert error["type"] == "InvalidValueError"
    assert error["field"] == "ferritin"
    assert error["value"] == "N/A"
    assert error["suggestion"] == "null"
    assert set(error) == {"type", "message", "field", "value", "unit", "expected", "suggestion"}


def test_a_json_error_never_echoes_a_huge_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "interpret", "ferritin=" + "9" * 5000, "--format", "json")
    assert code == 2
    assert len(err) < 2000
    json.loads(err)


def test_text_errors_stay_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "interpret", "gender=f")
    assert code == 2
    assert err.startswith("labinterp: error:")
    assert "'sex'" in err


@pytest.mark.parametrize(("fmt", "start"), [("markdown", "## "), ("html", "<section")])
def test_markdown_and_html_are_rendered(
    capsys: pytest.CaptureFixture[str], fmt: str, start: str
) -> None:
    code, out, err = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--format", fmt)
    assert (code, err) == (0, "")
    assert out.lstrip().startswith(start)
    assert "iron deficiency" in out


def test_render_goes_through_one_function() -> None:
    from labinterp.render import render

    result = labinterp.interpret(json.loads(EXAMPLE_PANEL.read_text(encoding="utf-8")))
    text = render(result, audience="learner", width=80)
    assert _render(result, "text", "learner", False, 80) == text + (
        "" if text.endswith("\n") else "\n"
    )
    assert json.loads(_render(result, "json", "clinician", True, None)) == json.loads(
        result.to_json()
    )
    html = _render(result, "html", "clinician", False, 80)
    assert html.strip() == render(result, format="html").strip()


@pytest.mark.parametrize("audience", ["learner", "clinician"])
def test_audience_is_accepted(capsys: pytest.CaptureFixture[str], audience: str) -> None:
    code, out, _ = run_cli(capsys, "interpret", str(EXAMPLE_PANEL), "--audience", audience)
    assert code == 0
    assert "iron deficiency" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_panel_without_results_says_so_in_the_format_asked_for(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    # Review 4, item 27: it was one plain-text line whatever --format said, with no disclaimer.
    code, out, err = run_cli(capsys, "interpret", "sex=female", "age=40", "--format", fmt)
    assert (code, err) == (0, "")
    flat = " ".join(out.split())
    assert "No results were given, so there is nothing to interpret yet" in flat
    assert "Educational interpretation only." in flat
    assert "cannot be decided" not in flat  # no report of patterns that all wait for results
    if fmt == "html":
        assert out.lstrip().startswith("<section")
    if fmt == "markdown":
        assert out.startswith("## labinterp: interpretation")
        assert "\n### Disclaimer\n" in out


def test_a_panel_without_results_is_a_whole_json_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "interpret", "sex=female", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["disclaimer"].startswith("Educational interpretation only.")
    assert document["panel"]["sex"] == "female"


def test_symptoms_alone_are_still_interpreted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "interpret", "age=50", "symptoms=back_pain,fever")
    assert code == 0
    assert len(out.splitlines()) > 1


def test_ignore_unknown_warns_on_stderr_and_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    panel = tmp_path / "panel.json"
    data: dict[str, Any] = json.loads(EXAMPLE_PANEL.read_text(encoding="utf-8"))
    panel.write_text(json.dumps({"patient_id": "A17", **data}), encoding="utf-8")
    code, out, err = run_cli(capsys, "interpret", str(panel))
    assert code == 2
    assert "--ignore-unknown" in err
    code, out, err = run_cli(capsys, "interpret", str(panel), "--ignore-unknown", "--brief")
    assert code == 0
    assert "iron deficiency" in out
    assert "warning" in err
    assert "patient_id" in err


def test_analytes_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "analytes")
    assert code == 0
    assert "transferrin_saturation" in out
    assert "tsat" in out
    assert "2276-4" in out  # ferritin's LOINC code
    code, out, _ = run_cli(capsys, "analytes", "--format", "json")
    records = {r["id"]: r for r in json.loads(out)}
    assert set(records) == set(labinterp.ANALYTES)
    assert "tsat" in records["transferrin_saturation"]["aliases"]
    assert "ng/mL" in records["ferritin"]["units"]
    assert records["ferritin"]["loinc"][0]["code"] == "2276-4"


def test_pack_list_matches_the_deprecated_packs(capsys: pytest.CaptureFixture[str]) -> None:
    code, listed, err = run_cli(capsys, "pack", "list")
    assert (code, err) == (0, "")
    assert [line.split()[0] for line in listed.splitlines()] == list(PACK_NAMES)
    _, old, _ = run_cli(capsys, "packs")
    assert old == listed


def test_pack_show_summary_and_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "pack", "show", "who_2020_ferritin")
    assert code == 0
    assert "extends: default" in out
    assert "iron_deficiency:" in out
    code, out, _ = run_cli(capsys, "pack", "show", "default", "--format", "yaml")
    assert code == 0
    assert labinterp.load_pack("default") == labinterp.load_pack(_write(out))


def _write(text: str, name: str = "shown.yaml") -> str:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_pack_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(
        capsys, "pack", "validate", str(REPO_ROOT / "examples/anemia_type_pack.yaml")
    )
    assert code == 0
    assert "a valid pack" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "pack", "validate", str(bad))
    assert code == 2
    assert out == ""
    assert str(bad) in err


_CASES = [
    {"ferritin": "40 ng/mL", "crp": "12 mg/L", "tsat": "25 %", "hb": "13.5 g/dL", "sex": "male"},
    {"ferritin": "8 ng/mL", "tsat": "9 %", "hb": "10.2 g/dL", "sex": "female", "age": 30},
]


@pytest.mark.parametrize("layout", ["list", "object", "jsonl"])
def test_pack_diff_prints_the_cases_that_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, layout: str
) -> None:
    cases = tmp_path / "cases.json"
    if layout == "list":
        cases.write_text(json.dumps(_CASES), encoding="utf-8")
        first = "#1"
    elif layout == "object":
        cases.write_text(json.dumps({"inflamed": _CASES[0], "plain": _CASES[1]}), "utf-8")
        first = "inflamed"
    else:
        cases.write_text("\n".join(json.dumps(c) for c in _CASES) + "\n", encoding="utf-8")
        first = "line 1"
    code, out, _ = run_cli(capsys, "pack", "diff", "default", "who_2020_ferritin", str(cases))
    assert code == 1  # like diff(1): 1 when something changed
    assert f"iron_deficiency  {first}: not_consistent -> consistent" in out.splitlines()
    code, out, _ = run_cli(capsys, "pack", "diff", "default", "default", str(cases))
    assert code == 0
    assert "no change" in out


def test_pack_diff_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(_CASES), encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "pack", "diff", "default", "who_2020_ferritin", str(cases), "--format", "json"
    )
    assert code == 1
    changes = json.loads(out)
    assert {
        "pattern": "iron_deficiency",
        "case": "#1",
        "old": "not_consistent",
        "new": "consistent",
    } in changes


def test_pack_diff_names_a_bad_case(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"broken": {"ferritin": "12"}}), encoding="utf-8")
    code, _, err = run_cli(capsys, "pack", "diff", "default", "default", str(cases))
    assert code == 2
    assert "case 'broken'" in err


def test_schema_check_of_a_pack_never_suggests_overwriting_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pack_file = REPO_ROOT / "reference_ranges" / "default.yaml"
    before = pack_file.read_bytes()
    code, out, err = run_cli(capsys, "schema", "--check", str(pack_file))
    assert code == 2
    assert out == ""
    assert ">" not in err  # no 'labinterp schema > default.yaml'
    assert "pack validate" in err
    assert pack_file.read_bytes() == before


INTERPRETATION_SCHEMA = REPO_ROOT / "docs" / "schemas" / "interpretation.schema.json"


@pytest.mark.parametrize(
    ("schema_file", "asked", "kind"),
    [(INTERPRETATION_SCHEMA, "pack", "interpretation"), (SCHEMA_FILE, "interpretation", "pack")],
)
def test_schema_check_of_the_other_schema_names_the_option_and_never_overwrites(
    capsys: pytest.CaptureFixture[str], schema_file: Path, asked: str, kind: str
) -> None:
    # Review 4, item 8: it suggested 'labinterp schema > interpretation.schema.json', which
    # would have written the pack schema over the interpretation schema.
    before = schema_file.read_bytes()
    code, out, err = run_cli(capsys, "schema", "--output", asked, "--check", str(schema_file))
    assert code == 2
    assert out == ""
    assert f"this is the {kind} schema" in err
    assert f"--output {kind} --check" in err
    assert ">" not in err
    assert schema_file.read_bytes() == before


def test_a_stale_interpretation_schema_is_recognised_by_its_title(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stale = tmp_path / "interpretation.schema.json"
    document = json.loads(INTERPRETATION_SCHEMA.read_text(encoding="utf-8"))
    document["title"] = "labinterp interpretation, schema_version 0.9"
    stale.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run_cli(capsys, "schema", "--check", str(stale))
    assert code == 2
    assert "--output interpretation" in err
    code, _, err = run_cli(capsys, "schema", "--output", "interpretation", "--check", str(stale))
    assert code == 1
    assert f"'labinterp schema --output interpretation > {stale}'" in err


def test_schema_check_still_passes_on_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "schema", "--check", str(SCHEMA_FILE))
    assert code == 0
    assert "is current" in out


def test_text_is_for_the_terminal_width_or_80(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import os
    import shutil

    from labinterp._cli import _interpret

    monkeypatch.setattr("sys.stdout", io.StringIO())  # not a terminal
    assert _interpret._width() == 80

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Terminal())
    monkeypatch.setattr(shutil, "get_terminal_size", lambda: os.terminal_size((132, 40)))
    assert _interpret._width() == 132
