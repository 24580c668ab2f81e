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

from labinterp import LabinterpError, interpret
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
