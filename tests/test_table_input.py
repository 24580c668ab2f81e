"""Tables as people write them (review 4): CSV text for true/false context, misspelt or
unknown columns, units given per column and per row, a long table's unreadable times, bad
windows and MIMIC's de-identification placeholder, and what ``labinterp batch`` says."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pandas", reason="whole tables need the frame extra: pip install -e '.[frame]'")
import pandas as pd

from labinterp import LabinterpError, TableWarning, interpret
from labinterp._cli import main
from labinterp.frame import interpret_frame, panels_from_long

# --- #4: true/false context written as text ----------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        (1, True),
        (1.0, True),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("0", False),
        (0, False),
        ("", None),
        (None, None),
    ],
)
def test_pregnant_text_is_read_as_a_boolean(cell: Any, expected: bool | None) -> None:
    frame = pd.DataFrame(
        {"Hb": ["10.6 g/dL", "10.6 g/dL"], "sex": ["female"] * 2, "age": [30, 30]}
    ).assign(pregnant=pd.Series([cell, None], dtype=object))
    result = interpret_frame(frame)
    assert result.invalid_count == 0, result.frame["invalid"].tolist()
    panel = result.panel(0)
    assert panel.get("pregnant") is expected
    # The arrays and the row's own interpretation agree.
    assert result.frame.loc[0, "anemia"] == result.explain(0).status("anemia")
    assert result.frame.loc[0, "anemia"] == interpret(panel).status("anemia")


def test_pregnant_text_changes_the_cut_off_as_true_does() -> None:
    # 10.6 g/dL: anemia for a woman who is not pregnant (< 12), not in the second trimester
    # (< 10.5 there), undecided when pregnancy is not given (either cut-off may apply).
    frame = pd.DataFrame(
        {
            "Hb": ["10.6 g/dL"] * 3,
            "sex": ["female"] * 3,
            "age": [30] * 3,
            "pregnant": ["TRUE", "no", None],
            "trimester": ["2", None, None],
        }
    )
    result = interpret_frame(frame)
    assert result.invalid_count == 0, result.frame["invalid"].tolist()
    assert result.frame["anemia"].tolist() == ["not_consistent", "consistent", "indeterminate"]


def test_a_pregnant_word_that_is_no_boolean_is_still_refused() -> None:
    frame = pd.DataFrame({"Hb": ["10.6 g/dL"], "sex": ["female"], "pregnant": ["maybe"]})
    result = interpret_frame(frame)
    assert result.invalid_count == 1
    assert "pregnant" in result.frame.loc[0, "invalid"]


def test_batch_reads_a_csv_pregnant_column_with_blanks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "p.csv"
    source.write_text(
        "Hb,sex,age,pregnant\n10.6 g/dL,female,30,false\n10.6 g/dL,female,30,yes\n"
        "10.6 g/dL,female,30,1\n10.6 g/dL,male,60,\n"
    )
    out = tmp_path / "out.csv"
    assert main(["batch", str(source), "-o", str(out), "-q"]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["invalid"].tolist() == [""] * 4


# --- #9: columns that are not read -------------------------------------------------------------


def test_misspelt_analyte_columns_are_named_with_a_suggestion() -> None:
    frame = pd.DataFrame(
        {
            "patient": ["p1"],
            "subject_id": [7],
            "charttime": ["2180-01-01"],
            "feritin": ["8 ng/mL"],
            "hemoglobn": ["10 g/dL"],
            "Hb": ["10 g/dL"],
            "Hb_unit": [None],
            "Hb_low": [None],
            "sex": ["female"],
        }
    )
    with pytest.warns(TableWarning) as caught:
        result = interpret_frame(frame)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'feritin' (did you mean 'ferritin'?)" in message
    assert "'hemoglobn' (did you mean 'hemoglobin'?)" in message
    for quiet in ("patient", "subject_id", "charttime", "Hb_unit", "Hb_low"):
        assert repr(quiet) not in message
    assert result.ignored_columns == {"feritin": "ferritin", "hemoglobn": "hemoglobin"}


def test_a_table_whose_columns_are_all_read_gives_no_warning() -> None:
    frame = pd.DataFrame({"id": [1], "ferritin": ["8 ng/mL"], "sex": ["female"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = interpret_frame(frame)
    assert result.ignored_columns == {}


def test_columns_named_by_the_caller_leave_the_others_unreported() -> None:
    frame = pd.DataFrame({"HGB": ["10 g/dL"], "feritin": ["8 ng/mL"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = interpret_frame(frame, columns={"HGB": "hemoglobin"})
    assert result.ignored_columns == {}


def test_batch_prints_the_unread_columns_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from labinterp._cli import _batch

    monkeypatch.setattr(_batch, "STEP", 2)  # three calls of interpret_frame, one warning
    source = tmp_path / "typo.csv"
    source.write_text("patient,feritin,hemoglobn,sex\n" + "p1,8 ng/mL,10 g/dL,female\n" * 5)
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert err.count("did you mean 'ferritin'?") == 1
    assert "warning: columns not read" in err


# --- #21: units= and a unit column ---------------------------------------------------------------


def test_units_fill_the_blank_cells_of_a_unit_column() -> None:
    frame = pd.DataFrame({"Hb": [10.0, 100.0, 10.0], "Hb_unit": ["g/dL", "g/L", None]})
    with pytest.warns(TableWarning, match="a row's own unit is used"):
        result = interpret_frame(frame, units={"Hb": "g/dL"})
    assert result.invalid_count == 0, result.frame["invalid"].tolist()
    assert result.panel(2)["hemoglobin"] == {"value": 10.0, "unit": "g/dL"}
    assert result.panel(1)["hemoglobin"] == {"value": 100.0, "unit": "g/L"}  # the row's own
    assert result.frame["anemia"].tolist() == [result.explain(i).status("anemia") for i in range(3)]


def test_units_that_agree_with_the_unit_column_give_no_warning() -> None:
    frame = pd.DataFrame({"Hb": [10.0, 10.0], "Hb_unit": ["g/dl", None]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = interpret_frame(frame, units={"Hb": "g/dL"})
    assert result.invalid_count == 0


def test_batch_units_fill_blank_unit_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "u.csv"
    source.write_text("Hb,Hb_unit\n10 g/dL,g/L\n100,g/L\n10,\n")
    out = tmp_path / "o.csv"
    assert main(["batch", str(source), "-o", str(out), "--units", "Hb=g/dL"]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["invalid"].tolist()[1:] == ["", ""]
    err = capsys.readouterr().err
    assert err.count("a row's own unit is used") == 1


# --- #22: the summary and the input's columns as written -----------------------------------------


def test_batch_keeps_the_csv_cells_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "ferritin,ferritin_unit,sex,age,pregnant,trimester\n"
        "8,ng/mL,female,30,true,2\n20,ng/mL,female,40,,\n"
    )
    out = tmp_path / "o.csv"
    assert main(["batch", str(source), "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[1].startswith("8,ng/mL,female,30,true,2,")
    assert lines[2].startswith("20,ng/mL,female,40,,,")


def test_batch_summary_numbers_lines_and_orders_statuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("ferritin,sex\n8 ng/mL,female\n8 furlongs,female\n")
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert "line 3: ferritin: unknown unit 'furlongs'" in err  # the header is line 1
    assert "2 rows, 1 invalid" in err
    head = next(line for line in err.splitlines() if line.startswith("pattern"))
    assert head.split()[1:] == ["consistent", "not", "consistent", "indeterminate"]
    one = tmp_path / "one.csv"
    one.write_text("ferritin,sex\n8 ng/mL,female\n")
    assert main(["batch", str(one), "-o", str(tmp_path / "o1.csv")]) == 0
    assert "1 row, 0 invalid" in capsys.readouterr().err


# --- #23: --long without a preset or a subject ---------------------------------------------------


def test_batch_long_without_preset_or_subject_says_what_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "le.csv"
    source.write_text("analyte,value,unit\nferritin,8,ng/mL\n")
    assert main(["batch", str(source), "--long", "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert "--long needs --preset (mimic_iv, omop) or --subject COLUMN" in err
    assert "Traceback" not in err


# --- #6: a long table's unreadable times and a bad window ---------------------------------------


def _labevents(**changes: list[Any]) -> pd.DataFrame:
    rows: dict[str, list[Any]] = {
        "subject_id": [1, 1, 1, 2],
        "itemid": [51222, 51250, 50924, 51222],  # hemoglobin, MCV, ferritin, hemoglobin
        "valuenum": [10.2, 72.0, 8.0, 13.5],
        "value": ["10.2", "72", "8", "13.5"],
        "valueuom": ["g/dL", "fL", "ng/mL", "g/dL"],
        "charttime": ["2150-01-01 08:00:00"] * 4,
    }
    rows.update(changes)
    return pd.DataFrame(rows)


def test_an_unreadable_time_leaves_that_result_out_and_says_so() -> None:
    long = _labevents(
        charttime=["2150-01-01 08:00:00", "not a date", "2150-01-01 09:00:00", "2150-01-01"]
    )
    with pytest.warns(TableWarning, match=r"1 result in column 'charttime' .*'not a date'"):
        wide = panels_from_long(long, preset="mimic_iv", window="24h")
    assert wide["subject_id"].tolist() == [1, 2]  # the other subject is not stopped
    assert wide.loc[0, "hemoglobin"] == 10.2
    assert wide.loc[0, "ferritin"] == 8.0
    assert "mcv" not in wide.columns  # its one result's time is unreadable
    assert wide.loc[1, "hemoglobin"] == 13.5


def test_an_empty_time_cell_is_not_reported_as_unreadable() -> None:
    long = _labevents(charttime=["2150-01-01 08:00:00", None, "2150-01-01 08:00:00", None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wide = panels_from_long(long, preset="mimic_iv")
    # As before: the results without a time form a panel of their own per subject.
    assert wide["subject_id"].tolist() == [1, 1, 2]
    assert wide["charttime"].isna().tolist() == [True, False, True]


@pytest.mark.parametrize("window", ["1 fortnight", "soon", 24, "0h", "-2h"])
def test_a_bad_window_is_a_typed_error_naming_it(window: Any) -> None:
    with pytest.raises(LabinterpError, match=r"^window: .*'24h', '7D'") as raised:
        panels_from_long(_labevents(), preset="mimic_iv", window=window)
    assert isinstance(raised.value, ValueError)
    assert raised.value.field == "window"
    assert repr(window) in str(raised.value)


def test_batch_long_with_a_bad_time_and_a_bad_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "le.csv"
    times = ["2150-01-01 08:00:00", "not a date", "2150-01-01 08:00:00", "2150-01-01 08:00:00"]
    _labevents(charttime=times).to_csv(source, index=False)
    out = tmp_path / "o.csv"
    args = ["batch", str(source), "--long", "--preset", "mimic_iv", "-o", str(out)]
    assert main([*args, "--window", "24h"]) == 0
    err = capsys.readouterr().err
    assert err.count("cannot be read (the first: 'not a date')") == 1
    assert len(pd.read_csv(out)) == 2
    assert main([*args, "--window", "1 fortnight"]) == 2
    err = capsys.readouterr().err
    assert "window: cannot read '1 fortnight'" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# --- #11: MIMIC's de-identification placeholder and table wording -------------------------------


def test_the_placeholder_is_no_value_for_that_result_only() -> None:
    long = _labevents(valuenum=[10.2, 72.0, None, 13.5], value=["10.2", "72", "___", "13.5"])
    with pytest.warns(TableWarning, match=r"1 result in column 'value' holds .*'___'"):
        wide = panels_from_long(long, preset="mimic_iv")
    assert "ferritin" not in wide.columns
    result = interpret_frame(wide)
    assert result.invalid_count == 0
    assert result.frame.loc[0, "mcv_flag"] == "low"  # the rest of the panel is kept


def test_table_reasons_speak_of_columns_not_of_a_unit_key() -> None:
    frame = pd.DataFrame(
        {"Hb": ["10 g/dL", "lots"], "Hb_unit": ["g/L", "g/dL"], "ferritin": ["abc", None]}
    )
    result = interpret_frame(frame, units={"ferritin": "ng/mL"})
    reasons = result.frame["invalid"].tolist()
    assert all("under 'unit'" not in reason for reason in reasons), reasons
    assert "column 'Hb_unit'" in reasons[0]
    assert "column 'Hb_unit'" in reasons[1]
    with pytest.raises(LabinterpError) as raised:
        result.explain(0)
    assert str(raised.value) == reasons[0]


# --- #26: a FHIR file that is not there ---------------------------------------------------------


@pytest.mark.parametrize("as_path", [False, True])
def test_a_missing_fhir_file_is_not_found_rather_than_bad_json(
    tmp_path: Path, as_path: bool
) -> None:
    from labinterp.fhir import FhirError, panels_from_bundle

    missing = tmp_path / "nonexistent.json"
    with pytest.raises(FhirError, match=r"^input: file not found: ") as raised:
        panels_from_bundle(missing if as_path else str(missing))
    assert "JSON" not in str(raised.value).split("not found")[0]
    assert isinstance(raised.value, LabinterpError)


def test_a_fhir_file_named_as_text_is_read(tmp_path: Path) -> None:
    from labinterp.fhir import panels_from_bundle

    source = tmp_path / "bundle.json"
    source.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    assert len(panels_from_bundle(str(source)).panels) == 0
    assert len(panels_from_bundle(source.read_text()).panels) == 0  # JSON text as before
