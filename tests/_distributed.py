"""Shared by the Dask and Spark tests: the engine's import (or a skip with the reason, a
failure when ``LABINTERP_REQUIRE_DISTRIBUTED=1`` as ``.ci/run`` sets) and one wide table
that mixes units, report text, censored results, missing context and bad rows."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("pandas", reason="whole tables need the frame extra: pip install -e '.[frame]'")
import numpy as np
import pandas as pd

REQUIRE_ENV = "LABINTERP_REQUIRE_DISTRIBUTED"
UNITS = {"mcv": "fL"}


def require(module: str, extra: str) -> ModuleType:
    """The module; skips with the reason when it is missing, fails under REQUIRE_ENV=1."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        reason = f"{module} is not installed ({exc}); pip install -e '.[{extra}]'"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but the distributed test cannot run: {reason}")
        pytest.skip(f"distributed test skipped: {reason}")


# Rows that must come back invalid, each with its own reason, among ordinary rows.
BAD_ROWS: dict[str, dict[str, Any]] = {
    "unknown unit": {"ferritin": 20.0, "ferritin_unit": "furlongs"},
    "implausible": {"ferritin": 5e9, "ferritin_unit": "ng/mL"},
    "unreadable text": {"hb": "ten g/dL"},
    "pregnant man": {"sex": "male", "pregnant": True, "hb": "13 g/dL"},
}


def mixed_table(rows: int, seed: int = 3) -> pd.DataFrame:
    """A wide table with an ``id`` column; the bad rows come first, then random ones."""
    rng = np.random.default_rng(seed)
    hb_gdl = rng.normal(12.0, 2.2, rows).clip(4, 19).round(1)
    hb_unit = rng.choice(["g/dL", "g/L", "mmol/L"], rows)
    hb_value = np.where(
        hb_unit == "g/L", hb_gdl * 10, np.where(hb_unit == "mmol/L", hb_gdl * 0.6206, hb_gdl)
    )
    hb = [f"{v:.4g} {u}" for v, u in zip(hb_value, hb_unit, strict=True)]
    ferritin = rng.lognormal(3.5, 1.3, rows).round(0)
    crp = rng.lognormal(1.2, 1.3, rows).round(1)
    table = pd.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64),
            "hb": pd.Series(hb, dtype=object),
            "mcv": rng.normal(86, 10, rows).round(0),
            "ferritin": ferritin,
            "ferritin_unit": rng.choice(["ng/mL", "ug/L", "pmol/L"], rows).astype(object),
            "crp": pd.Series(
                np.where(crp < 5, "<5 mg/L", [f"{c} mg/L" for c in crp]), dtype=object
            ),
            "sex": rng.choice(np.array(["female", "male", None], dtype=object), rows),
            "age": rng.integers(1, 95, rows).astype(float),
            "pregnant": pd.Series([pd.NA] * rows, dtype="boolean"),
        }
    )
    for column, share in (("hb", 0.1), ("mcv", 0.2), ("ferritin", 0.3), ("crp", 0.3)):
        table.loc[rng.random(rows) < share, column] = None
    table.loc[rng.random(rows) < 0.2, "age"] = np.nan
    for row, cells in enumerate(BAD_ROWS.values()):
        for column, value in cells.items():
            table.loc[row, column] = value
    return table


def assert_same_results(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Row by row, column by column: statuses, flags and invalid reasons as text."""
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for name in expected.columns:
        left = [None if pd.isna(v) else str(v) for v in got[name].tolist()]
        right = [None if pd.isna(v) else str(v) for v in expected[name].tolist()]
        assert left == right, name
