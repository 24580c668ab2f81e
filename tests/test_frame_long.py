"""panels_from_long: long tables (one row a result) grouped into panels that interpret_frame
reads; the MIMIC-IV and OMOP presets; transferrin saturation from iron and TIBC."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip(
    "pandas", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
pytest.importorskip(
    "polars", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from labinterp import (
    ANALYTES,
    Interpretation,
    LabinterpError,
    Measurement,
    PanelError,
    TableWarning,
    interpret,
)
from labinterp._units import is_close
from labinterp.frame import MIMIC_IV_ITEMS, interpret_frame, panels_from_long


def _mimic() -> Any:
    return pd.DataFrame(
        {
            "subject_id": [1, 1, 1, 1, 2, 2, 2],
            "itemid": [51222, 51250, 99999, 51222, 51222, 50889, 51250],
            "valuenum": [9.8, 72.0, 1.0, 10.2, 14.0, None, 90.0],
            "value": ["9.8", "72", "1", "10.2", "14.0", "<0.3", "90"],
            "valueuom": ["g/dL", "fL", "x", "g/dL", "g/dL", "mg/dL", "fL"],
            "charttime": pd.to_datetime(
                [
                    "2150-01-01 08:00",
                    "2150-01-01 08:00",
                    "2150-01-01 08:00",
                    "2150-01-01 20:00",
                    "2150-02-01 00:00",
                    "2150-02-01 00:00",
                    "2150-03-09 00:00",
                ]
            ),
        }
    )


def _mimic_wide(long: Any = None, window: str | None = "24h") -> Any:
    """``panels_from_long`` of the MIMIC sample, whose itemid 99999 is reported as left out."""
    with pytest.warns(TableWarning, match=r"left out; .*99999 \(1 result\)"):
        return panels_from_long(
            _mimic() if long is None else long, preset="mimic_iv", window=window
        )


def test_mimic_preset_groups_per_subject_and_window() -> None:
    wide = _mimic_wide()
    assert list(wide["subject_id"]) == [1, 2, 2]  # subject 2's MCV is five weeks later
    first = wide.iloc[0]
    assert first["hemoglobin"] == 10.2  # the latest hemoglobin of the window wins
    assert first["mcv"] == 72.0
    assert wide.iloc[1]["crp"] == "<0.3"  # censored: the text, since valuenum is empty
    assert wide.iloc[1]["crp_unit"] == "mg/dL"
    assert "99999" not in map(str, wide.columns)  # an unmapped itemid is left out


def test_mimic_panels_interpret_like_interpret() -> None:
    wide = _mimic_wide()
    result = interpret_frame(wide, context={"sex": "female"})
    assert result.invalid_count == 0
    expected = interpret({"hemoglobin": "10.2 g/dL", "mcv": "72 fL", "sex": "female"}).statuses()
    assert {p: result.frame[p].iloc[0] for p in expected} == expected
    assert result.frame["inflammation"].iloc[1] == "not_consistent"  # <0.3 mg/dL CRP


def test_without_a_window_each_time_is_a_panel_and_without_time_one_per_subject() -> None:
    per_time = _mimic_wide(window=None)
    assert len(per_time) == 4
    per_subject = _mimic_wide(_mimic().drop(columns="charttime"), window=None)
    assert len(per_subject) == 2


def test_codes_may_be_ids_aliases_or_loinc_and_tsat_is_derived() -> None:
    long = pd.DataFrame(
        {
            "pid": [1, 1, 1, 2, 2, 2, 2],
            "code": ["2498-4", "2500-7", "Ferritin", "iron", "tibc", "tsat", "not a test"],
            "value": [40.0, 400.0, 10.0, 40.0, 400.0, 35.0, 3.0],
            "unit": ["ug/dL", "ug/dL", "ng/mL", "ug/dL", "ug/dL", "%", "x"],
        }
    )
    with pytest.warns(TableWarning, match=r"not a test \(1 result\)"):
        wide = panels_from_long(long, subject="pid", analyte="code")
    assert ANALYTES["iron"].loinc[0].code == "2498-4"
    first, second = wide.iloc[0], wide.iloc[1]
    # Not computed into the table: the interpretation computes it, with its arithmetic.
    assert pd.isna(first["transferrin_saturation"])
    assert second["transferrin_saturation"] == 35.0
    result = interpret_frame(wide)
    assert result.invalid_count == 0
    assert result.frame["iron_deficiency"].iloc[0] == "consistent"  # ferritin 10, TSAT 10 %
    computed = _observed(result.explain(0), "iron_deficiency", "transferrin_saturation")
    assert computed.derived_from is not None
    assert is_close(computed.canonical_value, 10.0)
    # A reported saturation wins over iron / TIBC (10 %).
    reported = _observed(result.explain(1), "iron_deficiency", "transferrin_saturation")
    assert reported.derived_from is None
    assert reported.value == 35.0


def _observed(result: Interpretation, pattern: str, analyte: str) -> Measurement:
    """The value a pattern's criteria compared for ``analyte`` (a computed one included)."""
    stack = [result.pattern(pattern).criteria]
    while stack:
        node = stack.pop()
        if node.analyte == analyte and node.observed is not None:
            return node.observed
        stack.extend(node.children)
    raise AssertionError(f"{pattern} compares no {analyte}")


def test_omop_preset_with_a_concept_map() -> None:
    long = pd.DataFrame(
        {
            "person_id": [7, 7],
            "measurement_source_value": ["x", "y"],
            "measurement_concept_id": [3000963, 3020416],
            "value_as_number": [11.0, 80.0],
            "unit_source_value": ["g/dL", "fL"],
            "measurement_datetime": pd.to_datetime(["2020-01-01", "2020-01-01"]),
        }
    )
    wide = panels_from_long(
        long,
        preset="omop",
        analyte="measurement_concept_id",
        analyte_map={3000963: "hemoglobin", 3020416: "mcv"},
    )
    assert wide.iloc[0]["hemoglobin"] == 11.0
    assert wide.iloc[0]["mcv"] == 80.0


def test_polars_in_polars_out() -> None:
    wide = _mimic_wide(pl.from_pandas(_mimic()))
    assert isinstance(wide, pl.DataFrame)
    assert wide.height == 3


def test_the_mimic_map_holds_only_verified_itemids_of_catalog_analytes() -> None:
    # Each itemid against MIMIC's d_labitems row: tests/test_mimic_items.py.
    for itemid, item in MIMIC_IV_ITEMS.items():
        assert item.analyte in ANALYTES, itemid
        assert item.source.startswith("MIT-LCP/mimic-code"), itemid


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"preset": "mimic_v"}, "unknown preset"),
        ({"subject": "nobody"}, "subject column 'nobody'"),
        ({"subject": "subject_id", "analyte": "itemid", "value": "valuenum", "unit": "u"}, "unit"),
    ],
)
def test_bad_arguments_are_typed_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(LabinterpError, match=match):
        panels_from_long(_mimic(), **kwargs)


def test_not_a_table_is_refused() -> None:
    with pytest.raises(PanelError):
        panels_from_long({"subject": [1]}, subject="subject")


_CODES = {"hemoglobin": "718-7", "mcv": "787-2", "crp": "1988-5"}


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=3),  # subject
            st.sampled_from(sorted(_CODES)),  # analyte
            st.integers(min_value=0, max_value=96),  # hours after the start
            st.integers(min_value=1, max_value=300),  # value
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda r: (r[0], r[1], r[2]),  # one result per analyte and moment
    )
)
def test_each_panel_holds_the_latest_result_of_its_window(rows: list[tuple[Any, ...]]) -> None:
    start = pd.Timestamp("2150-01-01")
    long = pd.DataFrame(
        {
            "subject": [r[0] for r in rows],
            "code": [_CODES[r[1]] for r in rows],
            "value": [float(r[3]) for r in rows],
            "unit": ["g/L" if r[1] == "hemoglobin" else "fL" for r in rows],
            "time": [start + pd.Timedelta(hours=r[2]) for r in rows],
        }
    )
    wide = panels_from_long(long, subject="subject", analyte="code", time="time", window="24h")
    first = {s: min(r[2] for r in rows if r[0] == s) for s in {r[0] for r in rows}}
    expected: dict[tuple[int, pd.Timestamp, str], tuple[int, float]] = {}
    for subject, analyte, hour, value in rows:
        window = start + pd.Timedelta(hours=first[subject] + (hour - first[subject]) // 24 * 24)
        key = (subject, window, analyte)
        if key not in expected or expected[key][0] < hour:
            expected[key] = (hour, float(value))
    got = {
        (row["subject"], row["time"], analyte): row[analyte]
        for _, row in wide.iterrows()
        for analyte in _CODES
        if analyte in wide.columns and pd.notna(row[analyte])
    }
    assert got == {k: v for k, (_, v) in expected.items()}
    assert len(wide) == len({(k[0], k[1]) for k in expected})


def test_mimic_preset_carries_the_lab_limits_to_interpret_frame() -> None:
    long = _mimic()
    long["ref_range_lower"] = [12.0, 80.0, 1.0, 12.0, 13.5, None, 80.0]
    long["ref_range_upper"] = [16.0, 100.0, 2.0, 16.0, 17.5, 0.5, None]
    wide = _mimic_wide(long)
    first = wide.iloc[0]
    # The latest hemoglobin of the first window (10.2 at 20:00) and its own limits.
    assert (first["hemoglobin"], first["hemoglobin_low"], first["hemoglobin_high"]) == (
        10.2,
        12.0,
        16.0,
    )
    assert pd.isna(wide.iloc[2]["mcv_high"])
    result = interpret_frame(wide)
    assert list(result.frame["hemoglobin_flag"][:2]) == ["low", "normal"]
    assert result.frame["mcv_flag"].iloc[2] == "not low"  # a lower limit only
    for row in range(len(wide)):
        flags = {f.analyte: f.flag for f in interpret(result.panel(row)).flags}
        for analyte, column in result.flag_columns.items():
            cell = result.frame[column].iloc[row]
            assert (None if pd.isna(cell) else cell) == flags.get(analyte)


def test_omop_preset_carries_range_low_and_range_high() -> None:
    long = pd.DataFrame(
        {
            "person_id": [7, 7],
            "measurement_source_value": ["718-7", "787-2"],
            "value_as_number": [11.0, 95.0],
            "unit_source_value": ["g/dL", "fL"],
            "range_low": [11.5, 80.0],
            "range_high": [15.5, 94.0],
        }
    )
    wide = panels_from_long(long, preset="omop")
    assert (wide.iloc[0]["mcv_low"], wide.iloc[0]["mcv_high"]) == (80.0, 94.0)
    result = interpret_frame(wide)
    assert list(result.frame[["hemoglobin_flag", "mcv_flag"]].iloc[0]) == ["low", "high"]


def test_presets_without_limit_columns_give_no_limit_columns() -> None:
    wide = _mimic_wide()
    assert not [c for c in wide.columns if c.endswith(("_low", "_high"))]


# --- MIMIC-IV with the real itemids: iron studies, units as MIMIC writes them, the lab's flag ---


def _iron_panel(**extra: list[Any]) -> Any:
    """One MIMIC-IV draw: serum iron 40 ug/dL and TIBC 400 ug/dL (no transferrin saturation),
    ferritin 10 ng/mL, hemoglobin 9.8 g/dL and a red cell count in MIMIC's m/uL."""
    return pd.DataFrame(
        {
            "subject_id": [1] * 5,
            "itemid": [50952, 50953, 50924, 51222, 51279],
            "valuenum": [40.0, 400.0, 10.0, 9.8, 4.1],
            "value": ["40", "400", "10", "9.8", "4.1"],
            "valueuom": ["ug/dL", "ug/dL", "ng/mL", "g/dL", "m/uL"],
            "charttime": pd.to_datetime(["2150-01-01 08:00"] * 5),
            **extra,
        }
    )


def test_mimic_iron_and_tibc_give_a_derived_transferrin_saturation_end_to_end() -> None:
    wide = panels_from_long(_iron_panel(), preset="mimic_iv", window="24h")
    assert "transferrin_saturation" not in wide.columns  # computed when interpreted
    result = interpret_frame(wide, context={"sex": "female"})
    assert result.invalid_count == 0
    assert result.frame.loc[0, "iron_deficiency"] == "consistent"
    explained = result.explain(0)
    assert "transferrin_saturation" not in explained.panel.measurements  # not a result given
    tsat = _observed(explained, "iron_deficiency", "transferrin_saturation")
    assert is_close(tsat.canonical_value, 10.0)  # 7.16 umol/L / 71.6 umol/L x 100 %
    assert tsat.derived_from == "serum iron 7.163 umol/L / TIBC 71.63 umol/L x 100"
    assert explained.statuses() == {p: result.frame.loc[0, p] for p in result.pattern_ids}


def test_mimic_units_m_per_ul_and_per_mm3_are_read_as_10_6_and_1_per_microlitre() -> None:
    long = _iron_panel()
    long.loc[len(long)] = [1, 51282, 50000.0, "50000", "/mm3", long.loc[0, "charttime"]]
    wide = panels_from_long(long, preset="mimic_iv", window="24h")
    assert (wide.loc[0, "rbc_unit"], wide.loc[0, "reticulocytes_absolute_unit"]) == (
        "10*6/uL",
        "/uL",
    )
    result = interpret_frame(wide, context={"sex": "female"})
    assert result.invalid_count == 0  # "m/uL" as written would be an unknown unit
    measured = result.explain(0).panel.measurements
    assert is_close(measured["rbc"].canonical_value, 4.1)  # 10*12/L
    assert is_close(measured["reticulocytes_absolute"].canonical_value, 50.0)  # 10*9/L


def test_without_the_preset_mimics_own_unit_spelling_is_an_unknown_unit() -> None:
    long = _iron_panel().rename(columns={"itemid": "code"})
    long["code"] = ["iron", "tibc", "ferritin", "hemoglobin", "rbc"]
    wide = panels_from_long(
        long, subject="subject_id", analyte="code", value="valuenum", unit="valueuom"
    )
    assert wide.loc[0, "rbc_unit"] == "m/uL"
    result = interpret_frame(wide)
    assert "unknown unit 'm/uL'" in result.frame.loc[0, "invalid"]


def test_the_labs_own_flag_reaches_the_wide_table_as_written() -> None:
    flags = ["abnormal", float("nan"), "  ", None, " delta "]  # hgb 9.8, rbc 4.1: the last two
    wide = panels_from_long(_iron_panel(flag=flags), preset="mimic_iv", window="24h")
    row = wide.iloc[0]
    assert row["iron_lab_flag"] == "abnormal"
    for empty in ("tibc_lab_flag", "ferritin_lab_flag", "hemoglobin_lab_flag"):
        assert pd.isna(row[empty]), empty  # NaN, blank and None: no flag
    assert row["rbc_lab_flag"] == "delta"  # a word labinterp does not know: kept, stripped
    assert "transferrin_saturation_lab_flag" not in wide.columns  # computed: no lab flag


def test_the_labs_flag_never_changes_labinterps_flag_or_makes_a_row_invalid() -> None:
    flags = ["abnormal", "abnormal", "abnormal", "abnormal", "H"]
    plain = interpret_frame(panels_from_long(_iron_panel(), preset="mimic_iv"))
    flagged = interpret_frame(panels_from_long(_iron_panel(flag=flags), preset="mimic_iv"))
    assert flagged.invalid_count == 0
    assert flagged.frame.loc[0, "tibc_flag"] == "normal"  # the lab said abnormal
    pd.testing.assert_frame_equal(plain.frame, flagged.frame)


def test_a_flag_cell_that_is_not_text_is_kept_as_text() -> None:
    flags: list[Any] = [["H", "crit"], None, 1, float("nan"), np.array(["L"])]
    wide = panels_from_long(_iron_panel(flag=flags), preset="mimic_iv")
    assert wide.loc[0, "iron_lab_flag"] == "['H', 'crit']"
    assert wide.loc[0, "ferritin_lab_flag"] == "1"
    assert pd.isna(wide.loc[0, "hemoglobin_lab_flag"])
    assert wide.loc[0, "rbc_lab_flag"] == "['L']"
    assert interpret_frame(wide).invalid_count == 0


def test_the_flag_of_the_result_that_wins_is_the_one_kept() -> None:
    long = _mimic()
    long["flag"] = ["abnormal", None, None, None, None, None, "abnormal"]
    wide = _mimic_wide(long)
    # Subject 1's 08:00 hemoglobin (abnormal) is replaced by the 20:00 one (no flag).
    assert wide.iloc[0]["hemoglobin"] == 10.2
    assert pd.isna(wide.iloc[0]["hemoglobin_lab_flag"])
    assert wide.iloc[2]["mcv_lab_flag"] == "abnormal"


def test_the_labs_flag_in_polars() -> None:
    long = pl.from_pandas(_iron_panel(flag=["abnormal", None, None, None, ""]))
    wide = panels_from_long(long, preset="mimic_iv")
    assert wide["iron_lab_flag"].to_list() == ["abnormal"]
    assert wide["rbc_lab_flag"].to_list() == [None]


def test_only_the_mimic_preset_reads_a_flag_column() -> None:
    long = pd.DataFrame(
        {
            "person_id": [7],
            "measurement_source_value": ["718-7"],
            "value_as_number": [11.0],
            "unit_source_value": ["g/dL"],
            "flag": ["abnormal"],
        }
    )
    wide = panels_from_long(long, preset="omop")
    assert not [c for c in wide.columns if c.endswith("_lab_flag")]
    no_flag = panels_from_long(_iron_panel(), preset="mimic_iv")
    assert not [c for c in no_flag.columns if c.endswith("_lab_flag")]


def test_results_whose_code_names_no_analyte_are_counted_never_dropped_silently() -> None:
    long = _iron_panel()
    long.loc[len(long)] = [1, 52172, 45.0, "45", "fL", long.loc[0, "charttime"]]  # RDW-SD
    long.loc[len(long)] = [1, 50983, 140.0, "140", "mEq/L", long.loc[0, "charttime"]]  # sodium
    with pytest.warns(TableWarning) as caught:
        wide = panels_from_long(long, preset="mimic_iv")
    message = str(caught[0].message)
    assert message.startswith("panels_from_long: 2 results of column 'itemid' left out")
    assert "50983 (1 result)" in message
    assert "52172 (1 result; RDW-SD, in fL" in message  # the preset's reason for leaving it out
    assert len(wide) == 1  # the rest of the panel is kept
