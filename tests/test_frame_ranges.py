"""interpret_frame decides ranged and computed results exactly as interpret does."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip(
    "pandas", reason="interpret_frame needs the frame extra: pip install 'labinterp[frame]'"
)

import pandas as pd

from labinterp import TableWarning, interpret
from labinterp.frame import interpret_frame

ROWS: list[dict[str, Any]] = [
    {"hb": "10.2 g/dL", "retic": "0.9 %"},  # index below 2 at any hematocrit
    {"hb": "10.2 g/dL", "retic": "2.5 %"},  # the range straddles 2: undecided
    {"hb": "10.2 g/dL", "retic": "<1 %"},  # censored and no hematocrit
    {"hb": "10.2 g/dL", "retic": "0.9 %", "hct": "31 %"},  # exact
    {"ferritin": "12 ng/mL", "iron": "35 ug/dL", "tibc": "430 ug/dL"},  # computed saturation
    {"ferritin": "12 ng/mL", "iron": "<10 ug/dL", "tibc": "430 ug/dL"},  # censored iron
    {"ferritin": "12 ng/mL", "iron": "35 ug/dL", "tibc": ">450 ug/dL"},  # censored TIBC
    {"ferritin": "12 ng/mL", "iron": "35 ug/dL"},  # no TIBC: no range (it could be near 0)
    {"ferritin": "12 ng/mL", "iron": "400 umol/L", "tibc": "1 umol/L"},  # impossible saturation
    {"ferritin": "12 ng/mL", "tsat": "35 %", "iron": "35 ug/dL", "tibc": "430 ug/dL"},
]


def test_every_row_gets_the_statuses_interpret_gives() -> None:
    context = {"sex": "female", "age": 34, "pregnant": False}
    columns = sorted({key for row in ROWS for key in row})
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in ROWS])
    result = interpret_frame(frame, context=context)
    assert result.invalid_count == 0
    for i, row in enumerate(ROWS):
        expected = interpret({**row, **context}).statuses()
        assert {p: result.frame.loc[i, p] for p in expected} == expected, row


def test_a_pack_written_for_a_condition_says_so_once_for_the_table() -> None:
    frame = pd.DataFrame({"ferritin": ["99 ng/mL"], "tsat": ["25 %"], "age": [60], "sex": ["male"]})
    with pytest.warns(TableWarning, match="written for people with heart failure"):
        result = interpret_frame(frame, pack="heart_failure_esc_2021")
    assert result.frame.loc[0, "iron_deficiency"] == "consistent"
