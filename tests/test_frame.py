"""interpret_frame on whole tables: invalid rows, row order, pandas/polars/Arrow, chunks, the
empty table, explain, the lazy import and the missing extra."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

pytest.importorskip(
    "pandas", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
pytest.importorskip(
    "polars", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
pytest.importorskip(
    "pyarrow", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
import pandas as pd
import polars as pl
import pyarrow as pa

import labinterp
from labinterp import LabinterpError, PanelError, interpret
from labinterp.frame import FrameResult, MissingExtraError, interpret_frame


def _rows() -> Any:
    return pd.DataFrame(
        {
            "patient": ["a", "b", "c", "d", "e", "f"],
            "ferritin": [8.0, 250.0, 5_000_000.0, 20.0, None, 30.0],
            "ferritin_unit": ["ng/mL", "ug/L", "ng/mL", "furlongs", None, "pmol/L"],
            "Hb": ["10.1 g/dL", "<7 g/dL", "13 g/dL", "12", "banana", "11.5 g/dL"],
            "sex": ["female", "male", "female", None, "female", "male"],
            "age": [34, 61, None, 45, 20, 70],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


def test_bad_rows_are_kept_with_their_reason_and_counted() -> None:
    result = interpret_frame(_rows())
    out = result.frame
    assert list(out.index) == [10, 11, 12, 13, 14, 15]  # the input's index, in its order
    reasons = out["invalid"].tolist()
    assert reasons[0] is None
    assert reasons[1] is None
    assert reasons[5] is None
    assert "outside what a living patient can have" in reasons[2]  # plausibility guard
    assert "unknown unit 'furlongs'" in reasons[3]
    assert "cannot read" in reasons[4] or "banana" in reasons[4]
    assert result.invalid_count == 3
    assert out["anemia"].isna().tolist() == [False, False, True, True, True, False]
    assert out["ferritin_flag"].isna().tolist() == [False, False, True, True, True, False]


def test_each_reason_is_what_interpret_says() -> None:
    result = interpret_frame(_rows())
    for row in (2, 3, 4):
        with pytest.raises(LabinterpError) as caught:
            interpret(result.panel(row))
        assert result.frame["invalid"].iloc[row] == str(caught.value)
        with pytest.raises(LabinterpError):
            result.explain(row)


def test_statuses_are_categorical_and_flags_use_the_flag_names() -> None:
    out = interpret_frame(_rows()).frame
    assert list(out["anemia"].cat.categories) == [
        "not_consistent",
        "indeterminate",
        "consistent",
    ]
    assert out["anemia"].iloc[0] == "consistent"
    assert out["hemoglobin_flag"].iloc[1] == "low, possibly critically low"  # <7 g/dL straddles 6.5
    assert out["ferritin_flag"].iloc[0] == "low"


def test_explain_gives_the_interpretation_of_the_row() -> None:
    result = interpret_frame(_rows(), explain=True)
    assert result.interpretations is not None
    expected = interpret({"ferritin": "8 ng/mL", "Hb": "10.1 g/dL", "sex": "female", "age": 34})
    assert result.explain(0) == expected
    assert result.interpretations[0] == expected
    assert result.interpretations[2] is None  # an invalid row has none
    assert result.explain(-1) == result.interpretations[5]
    with pytest.raises(PanelError, match="row position"):
        result.explain(6)


def test_rows_keep_their_order_when_shuffled() -> None:
    frame = _rows()
    forward = interpret_frame(frame).frame
    shuffled = frame.sample(frac=1.0, random_state=3)
    backward = interpret_frame(shuffled).frame
    pd.testing.assert_frame_equal(backward.loc[forward.index], forward)
    assert list(backward.index) == list(shuffled.index)


@pytest.mark.parametrize("chunk", [1, 2, 5, 7, 1000])
def test_chunk_boundaries_do_not_change_results(chunk: int) -> None:
    frame = pd.concat([_rows()] * 7, ignore_index=True)
    whole = interpret_frame(frame, chunk_size=100_000)
    pieces = interpret_frame(frame, chunk_size=chunk)
    pd.testing.assert_frame_equal(pieces.frame, whole.frame)
    assert pieces.invalid_count == whole.invalid_count == 21


def test_polars_in_polars_out() -> None:
    frame = _rows()
    want = interpret_frame(frame).frame.reset_index(drop=True)
    got = interpret_frame(pl.from_pandas(frame))
    assert isinstance(got.frame, pl.DataFrame)
    assert got.frame.schema["anemia"] == pl.Enum(["not_consistent", "indeterminate", "consistent"])
    assert got.frame["anemia"].to_list() == [
        None if pd.isna(v) else v for v in want["anemia"].tolist()
    ]
    assert got.frame["invalid"].to_list() == want["invalid"].tolist()
    assert got.invalid_count == 3


def test_polars_lists_of_conditions() -> None:
    frame = pl.DataFrame(
        {
            "hemoglobin": [11.0, 11.0],
            "conditions": [["chronic_kidney_disease"], []],
            "sex": ["female", "female"],
        }
    )
    result = interpret_frame(frame, units={"hemoglobin": "g/dL"})
    for row in range(2):
        assert result.frame.row(row, named=True)["esa_guideline_context"] == (
            result.explain(row).status("esa_guideline_context")
        )
    assert result.panel(0)["conditions"] == ["chronic_kidney_disease"]


def test_arrow_in_arrow_out() -> None:
    table = pa.Table.from_pandas(_rows(), preserve_index=False)
    got = interpret_frame(table)
    assert isinstance(got.frame, pa.Table)
    assert got.frame.num_rows == 6
    assert got.invalid_count == 3


def test_empty_frame() -> None:
    empty = _rows().iloc[0:0]
    result = interpret_frame(empty)
    assert len(result.frame) == 0
    assert result.invalid_count == 0
    assert "anemia" in result.frame.columns
    assert "ferritin_flag" in result.frame.columns


def test_context_for_every_row_and_columns_by_name() -> None:
    frame = pd.DataFrame({"HGB": [12.5, 12.5]})
    female = interpret_frame(
        frame, columns={"HGB": "hemoglobin"}, units={"HGB": "g/dL"}, context={"sex": "female"}
    )
    male = interpret_frame(
        frame, columns={"HGB": "hemoglobin"}, units={"hemoglobin": "g/dL"}, context={"sex": "male"}
    )
    assert female.frame["anemia"].tolist() == ["not_consistent"] * 2
    assert male.frame["anemia"].tolist() == ["consistent"] * 2
    assert female.panel(0) == {"hemoglobin": {"value": 12.5, "unit": "g/dL"}, "sex": "female"}


def test_contexts_no_patient_can_have_are_invalid_rows() -> None:
    frame = pd.DataFrame(
        {
            "hemoglobin": ["12 g/dL"] * 4,
            "sex": ["male", "female", "female", "female"],
            "pregnant": [True, False, True, None],
            "trimester": [None, 2, 2, None],
            "conditions": [None, None, "heart_failure", "not_a_condition"],
        }
    )
    result = interpret_frame(frame)
    reasons = result.frame["invalid"].tolist()
    assert "pregnant is true but sex is 'male'" in reasons[0]
    assert "trimester" in reasons[1]
    assert reasons[2] is None
    assert "not_a_condition" in reasons[3]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"columns": {"nope": "ferritin"}}, "no column 'nope'"),
        ({"columns": {"patient": "ferritinn"}}, "ferritin"),
        ({"units": {"folate": "ng/mL"}}, "names no analyte column"),
        ({"context": {"colour": "red"}}, "not a context field"),
        ({"context": {"sex": "female"}}, "both as a column"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_bad_arguments_are_typed_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(LabinterpError, match=match):
        interpret_frame(_rows(), **kwargs)


def test_not_a_table_is_a_typed_error() -> None:
    with pytest.raises(PanelError, match="expected a pandas or polars DataFrame"):
        interpret_frame([{"ferritin": "8 ng/mL"}])


def test_repeated_column_names_are_refused_and_other_names_read_as_text() -> None:
    twice = pd.DataFrame([[8.0, 9.0]], columns=["ferritin", "ferritin"])
    with pytest.raises(PanelError, match="must be unique"):
        interpret_frame(twice, units={"ferritin": "ug/L"})
    numbered = pd.DataFrame({0: ["x"], "ferritin": ["8 ng/mL"]})
    with pytest.warns(labinterp.TableWarning, match="columns not read .*'0'"):
        result = interpret_frame(numbered)
    assert result.frame["ferritin_flag"].tolist() == ["low"]
    assert result.ignored_columns == {"0": None}


def test_empty_polars_frame() -> None:
    empty = pl.DataFrame({"ferritin": pl.Series([], dtype=pl.Float64)})
    result = interpret_frame(empty, units={"ferritin": "ug/L"})
    assert isinstance(result.frame, pl.DataFrame)
    assert result.frame.height == 0
    assert result.invalid_count == 0


def test_a_derived_index_column_is_refused() -> None:
    with pytest.raises(PanelError, match="computed by labinterp"):
        interpret_frame(pd.DataFrame({"mentzer_index": [12.0]}))


def test_status_counts() -> None:
    counts = interpret_frame(_rows()).status_counts()
    assert sum(counts["anemia"].values()) == 3  # invalid rows are not counted


def test_labinterp_exports_interpret_frame_lazily() -> None:
    assert labinterp.interpret_frame is interpret_frame
    assert labinterp.FrameResult is FrameResult
    with pytest.raises(AttributeError, match="no attribute 'interpret_framez'"):
        _ = labinterp.interpret_framez


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_import_labinterp_does_not_import_pandas_or_numpy() -> None:
    done = _python(
        "import sys, labinterp\n"
        "heavy = ('pandas', 'numpy', 'polars', 'pyarrow')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "labinterp.interpret({'ferritin': '8 ng/mL'})\n"
        "print(sorted(m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules))\n"
    )
    assert done.returncode == 0, done.stderr
    # After an interpretation pint may have loaded numpy (it does when numpy is installed);
    # labinterp itself loads none of them.
    assert done.stdout.split("\n")[:2] == ["[]", "[]"]


def test_frame_without_pandas_names_the_extra() -> None:
    done = _python(
        "import sys\n"
        "sys.modules['pandas'] = None\n"
        "import labinterp\n"
        "try:\n"
        "    labinterp.interpret_frame\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, isinstance(exc, labinterp.LabinterpError), exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MissingExtraError True")
    assert "pip install 'labinterp[frame]'" in done.stdout
    assert issubclass(MissingExtraError, ImportError)


# --- children's cut-offs, an unknown age and contexts no interval covers ------------------------


def _same_as_interpret(
    result: FrameResult, patterns: tuple[str, ...], flags: tuple[str, ...]
) -> None:
    out = result.frame
    for row in range(len(result)):
        found = result.explain(row)
        for pid in patterns:
            assert out[pid].iloc[row] == found.status(pid), (row, pid)
        for analyte in flags:
            flag = found.flag(analyte)
            assert flag is not None
            assert out[f"{analyte}_flag"].iloc[row] == flag.flag, (row, analyte)


def test_a_row_without_age_is_read_with_the_packs_assumed_ages() -> None:
    # Hb 12.5 g/dL in a male: anemia for an adult (< 13), not for a child of 8 (< 11.5). The
    # default pack takes a patient without an age to be 15 or older, so the adult cut-off holds.
    frame = pd.DataFrame(
        {"hemoglobin": ["12.5 g/dL"] * 3, "sex": ["male"] * 3, "age": [None, 8.0, 30.0]}
    )
    result = interpret_frame(frame)
    assert result.frame["anemia"].tolist() == ["consistent", "not_consistent", "consistent"]
    _same_as_interpret(result, ("anemia",), ("hemoglobin",))


def _pack_without_age_rule() -> labinterp.Pack:
    return labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "no_age_rule",
            "version": "1",
            "population": {"age_min": 0.5, "description": "from 6 months"},
        },
    )


def test_reference_intervals_not_covering_children_undecide_flags_and_criteria() -> None:
    # The default's MCV and reticulocyte intervals are for adults; under 15 they are
    # not_covered. A child's flag is "no reference interval"; without an age (and no rule for
    # it) the flag is undetermined and "reticulocytes above their interval" is undecided, so
    # hemolysis cannot be ruled out as it is for an adult with low reticulocytes.
    ages = [None, 8.0, 30.0]
    frame = pd.DataFrame(
        {
            "hemoglobin": ["8 g/dL"] * 3,
            "reticulocytes": ["0.5 %"] * 3,
            "mcv": ["70 fL"] * 3,
            "sex": ["male"] * 3,
            "age": ages,
        }
    )
    result = interpret_frame(frame, pack=_pack_without_age_rule())
    out = result.frame
    assert out["mcv_flag"].tolist() == ["undetermined", "no reference interval", "low"]
    assert out["hemolysis"].tolist() == ["indeterminate", "indeterminate", "not_consistent"]
    _same_as_interpret(result, ("anemia", "hemolysis", "microcytic"), ("mcv", "reticulocytes"))
    adult_default = interpret_frame(frame)  # the default assumes an adult when age is missing
    assert adult_default.frame["mcv_flag"].tolist() == ["low", "no reference interval", "low"]
    _same_as_interpret(adult_default, ("hemolysis",), ("mcv", "reticulocytes"))


# --- the lab's own reference interval per result ------------------------------------------------


def _with_lab_intervals() -> Any:
    """RDW 14 % against lab upper limits on both sides of it, one lower limit only, none, and
    two intervals the scalar engine refuses (low above high; a limit no RDW can have)."""
    return pd.DataFrame(
        {
            "hemoglobin": [10.0] * 6,
            "hemoglobin_unit": ["g/dL"] * 6,
            "mcv": [90.0] * 6,
            "mcv_unit": ["fL"] * 6,
            "ferritin": [10.0] * 6,
            "ferritin_unit": ["ng/mL"] * 6,
            "rdw": [14.0] * 6,
            "rdw_unit": ["%"] * 6,
            "rdw_low": [11.0, 11.0, 15.0, None, 13.0, 11.0],
            "rdw_high": [13.0, 16.0, None, None, 12.0, 5_000.0],
            "sex": ["female"] * 6,
            "age": [40] * 6,
        }
    )


def test_lab_intervals_give_the_flags_interpret_gives() -> None:
    frame = _with_lab_intervals()
    result = interpret_frame(frame)
    flags = list(result.frame["rdw_flag"])
    assert flags[:3] == ["high", "normal", "low"]
    for row in range(4):
        expected = {f.analyte: f.flag for f in interpret(result.panel(row)).flags}
        assert flags[row] == expected["rdw"]
    assert result.panel(0)["rdw"] == {
        "value": 14.0,
        "unit": "%",
        "reference_interval": {"low": 11.0, "high": 13.0, "unit": "%"},
    }


def test_a_lab_interval_decides_a_reference_criterion_as_interpret_does() -> None:
    """mixed_deficiency_possible needs the RDW above its interval: the lab's, when given."""
    frame = _with_lab_intervals()
    result = interpret_frame(frame)
    statuses = list(result.frame["mixed_deficiency_possible"])
    for row in range(4):
        assert statuses[row] == interpret(result.panel(row)).statuses()["mixed_deficiency_possible"]
    assert statuses[0] != statuses[1]  # the lab's upper limit, 13 or 16 %, decides


def test_a_pack_that_ignores_lab_intervals_ignores_the_columns() -> None:
    pack = labinterp.extend_pack(
        labinterp.default_pack(),
        {"name": "pack_ranges", "version": "1", "use_lab_reference_intervals": False},
    )
    frame = _with_lab_intervals()
    result = interpret_frame(frame, pack=pack)
    flags = list(result.frame["rdw_flag"])
    assert len(set(flags[:4])) == 1  # the pack's interval for every row
    assert (
        flags[0] == {f.analyte: f.flag for f in interpret(result.panel(0), pack=pack).flags}["rdw"]
    )


@pytest.mark.parametrize("row", [4, 5])
def test_a_lab_interval_interpret_refuses_makes_the_row_invalid(row: int) -> None:
    frame = _with_lab_intervals()
    result = interpret_frame(frame)
    with pytest.raises(LabinterpError) as refused:
        interpret(result.panel(row))
    assert result.frame["invalid"].iloc[row] == str(refused.value)
    assert "reference_interval" in str(refused.value)
    assert pd.isna(result.frame["rdw_flag"].iloc[row])
    assert result.invalid_count == 2


def test_lab_limits_are_read_in_the_row_unit() -> None:
    """Hemoglobin 110 g/L against a lab's 12-16 g/dL is low; the limits follow the row's unit."""
    frame = pd.DataFrame(
        {
            "hemoglobin": [110.0, 11.0],
            "hemoglobin_unit": ["g/L", "g/dL"],
            "hemoglobin_low": [100.0, 12.0],
            "hemoglobin_high": [160.0, 16.0],
        }
    )
    result = interpret_frame(frame)
    assert list(result.frame["hemoglobin_flag"]) == ["normal", "low"]


def test_lab_limits_without_a_unit_make_the_row_invalid_with_interpret_reason() -> None:
    frame = pd.DataFrame({"ferritin": ["8 ng/mL"], "ferritin_low": [15.0]})
    result = interpret_frame(frame)
    with pytest.raises(LabinterpError) as refused:
        interpret(result.panel(0))
    assert result.frame["invalid"].iloc[0] == str(refused.value)


def test_lab_limits_written_as_text_are_read_by_the_scalar_reader() -> None:
    """A limit column of text is not read on arrays; each such row gets interpret's answer."""
    frame = pd.DataFrame(
        {"ferritin": [8.0, 8.0], "ferritin_unit": ["ng/mL"] * 2, "ferritin_low": ["15", "x"]}
    )
    result = interpret_frame(frame)
    expected = {f.analyte: f.flag for f in interpret(result.panel(0)).flags}
    assert result.frame["ferritin_flag"].iloc[0] == expected["ferritin"] == "low"
    with pytest.raises(LabinterpError) as refused:
        interpret(result.panel(1))
    assert result.frame["invalid"].iloc[1] == str(refused.value)
