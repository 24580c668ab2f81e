"""The law of interpret_frame: each row's statuses and flags are exactly what interpret gives
for that row's panel, and a row is invalid exactly when interpret refuses its panel.

Random wide tables mix every accepted unit of each analyte, numbers and report text,
censored results, values exactly at a cut-off and a hair either side of it, laboratories'
own reference intervals (one limit or both, at and beside the result, in the wrong order or
implausible), missing and contradictory context, children's ages at and beside every age
band's edge, missing age, pregnancy at every age, and small chunk sizes, on every bundled
pack and on variants of the default whose rule for an unknown age differs (none, a band that
straddles age bands, one that fits a band exactly), whose population is narrowed to adults,
or which ignores the laboratories' intervals.

The budget follows the Hypothesis profile (tests/conftest.py): modest in CI,
``HYPOTHESIS_PROFILE=thorough`` for a long hunt.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest

pytest.importorskip(
    "pandas", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
pytest.importorskip(
    "polars", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)
import pandas as pd
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labinterp import (
    ANALYTES,
    Interpretation,
    LabinterpError,
    Pack,
    TableWarning,
    bundled_pack_names,
    default_pack,
    extend_pack,
    interpret,
    load_pack,
)
from labinterp._engine import compiled_rules
from labinterp._rule_base import INF
from labinterp.frame import FrameResult, interpret_frame

MEASURED = tuple(a.id for a in ANALYTES.values() if a.derived is None)
# Nudges around an edge: exactly at it, inside and outside the tolerance, and clearly past.
NUDGES = (1.0, 1.0 + 1e-12, 1.0 - 1e-12, 1.0 + 1e-9, 1.0 - 1e-9, 1.0 + 2e-9, 1.0 - 1e-6, 1.01)


def _default_with_population(name: str, population: Mapping[str, Any]) -> Pack:
    return extend_pack(default_pack(), {"name": name, "version": "1", "population": population})


_FROM_SIX_MONTHS = {"age_min": 0.5, "description": "from 6 months"}
#: Variants of the default pack, each with another answer to "how old is a patient whose age
#: is not given": a child of 2 to 12 (straddling the hemoglobin age bands, inside the
#: children's not_covered contexts), a child of 5 to 12 (exactly one band), unknown (no
#: rule), and a population narrowed to adults (the default's child entries never apply).
VARIANT_PACKS: Mapping[str, Mapping[str, Any]] = {
    "assumes_2_to_12": {
        **_FROM_SIX_MONTHS,
        "when_age_unknown": {"assume_age_min": 2, "assume_age_max": 12, "description": "a child"},
    },
    "assumes_5_to_12": {
        **_FROM_SIX_MONTHS,
        "when_age_unknown": {"assume_age_min": 5, "assume_age_max": 12, "description": "a child"},
    },
    "age_unknown_stays_unknown": _FROM_SIX_MONTHS,
    "adults_only": {
        "age_min": 15,
        "description": "adults",
        "when_age_unknown": {"assume_age_min": 15, "description": "an adult"},
    },
}
#: The default pack told to ignore the laboratories' own intervals (the pack's flag results
#: that carry one).
PACK_RANGES_ONLY = "pack_ranges_only"
PACK_NAMES = (*bundled_pack_names(), *VARIANT_PACKS, PACK_RANGES_ONLY)


@cache
def _pack(name: str) -> Pack:
    if name == PACK_RANGES_ONLY:
        return extend_pack(
            default_pack(),
            {"name": name, "version": "1", "use_lab_reference_intervals": False},
        )
    if name in VARIANT_PACKS:
        return _default_with_population(name, VARIANT_PACKS[name])
    return load_pack(name)


@cache
def _edges(name: str) -> Mapping[str, tuple[float, ...]]:
    """Every canonical edge the pack compares each analyte with (cut-offs, flag bands)."""
    rules = compiled_rules(_pack(name))
    edges: dict[str, set[float]] = {a: set() for a in MEASURED}
    for rule in rules.thresholds.values():
        for cut in rule.cutoffs:
            edges.setdefault(rule.analyte, set()).update({cut.band.low, cut.band.high})
    for analyte, ranges in rules.ranges.items():
        for r in ranges:
            for _, _, band in r.bands:
                edges.setdefault(analyte, set()).update({band.low, band.high})
    return {
        a: tuple(sorted(e for e in v if abs(e) != INF and e > 0))
        for a, v in edges.items()
        if a in MEASURED
    }


@st.composite
def _value(draw: st.DrawFn, pack: str, analyte: str, unit: str) -> float | None:
    entry = ANALYTES[analyte]
    factor = entry.resolve_unit(unit).to_canonical
    edges = _edges(pack).get(analyte, ())
    kind = draw(st.sampled_from(("edge", "edge", "random", "missing", "odd")))
    if kind == "missing":
        return None
    if kind == "edge" and edges:
        return draw(st.sampled_from(edges)) * draw(st.sampled_from(NUDGES)) / factor
    if kind == "odd":
        return draw(st.sampled_from((0.0, -1.0, 1e12, entry.plausible.high / factor)))
    high = min(entry.plausible.high, 1e4) / factor
    return draw(st.floats(min_value=0, max_value=high, allow_nan=False))


def _text(value: float) -> str:
    return f"{value:.15g}"


@st.composite
def _column(draw: st.DrawFn, pack: str, analyte: str, rows: int) -> dict[str, list[Any]]:
    """One analyte column in one of the ways a table gives results, with its unit column."""
    units = ANALYTES[analyte].common_units
    style = draw(st.sampled_from(("numbers", "numbers_unit_column", "text", "value_text")))
    cells: list[Any] = []
    unit_cells: list[Any] = []
    fixed = draw(st.sampled_from(units))
    for _ in range(rows):
        unit = fixed if style == "numbers" else draw(st.sampled_from(units))
        value = draw(_value(pack, analyte, unit))
        censor = draw(st.sampled_from(("", "", "", "<", ">", "<=", ">=")))
        if style == "numbers":
            cells.append(value)
        elif style == "numbers_unit_column":
            cells.append(value)
            unit_cells.append(draw(st.sampled_from((unit, unit, None, "furlongs"))))
        elif style == "text":
            cells.append(None if value is None else f"{censor}{_text(value)} {unit}")
        else:
            cells.append(None if value is None else f"{censor}{_text(value)}")
            unit_cells.append(unit)
    out: dict[str, list[Any]] = {analyte: cells}
    if draw(st.integers(min_value=0, max_value=2)) == 0:  # sometimes the lab's own interval
        row_units = unit_cells if unit_cells else [fixed] * rows
        pairs = zip(row_units, cells, strict=True)
        limits = [draw(_lab_limits(pack, analyte, u, v)) for u, v in pairs]
        out[f"{analyte}_low"] = [low for low, _ in limits]
        out[f"{analyte}_high"] = [high for _, high in limits]
    if style == "numbers":
        out["__unit__"] = [fixed]
    elif unit_cells:
        out[f"{analyte}_unit"] = unit_cells
    return out


@st.composite
def _lab_bound(draw: st.DrawFn, pack: str, analyte: str, unit: Any, cell: Any) -> float | None:
    """A lab limit in the result's unit: none, the result itself nudged (so that it lies at,
    or a hair either side of, the limit), a pack edge, a random or an impossible number."""
    kind = draw(st.sampled_from(("none", "none", "near", "near", "edge", "random", "odd")))
    if kind == "none":
        return None
    if kind == "near" and isinstance(cell, float):
        return cell * draw(st.sampled_from(NUDGES))
    try:
        factor = ANALYTES[analyte].resolve_unit(unit).to_canonical
    except LabinterpError:  # no unit, or "furlongs": any number does
        factor = 1.0
    edges = _edges(pack).get(analyte, ())
    if kind == "edge" and edges:
        return draw(st.sampled_from(edges)) * draw(st.sampled_from(NUDGES)) / factor
    if kind == "odd":
        return draw(st.sampled_from((-1.0, 1e12, 0.0)))
    high = min(ANALYTES[analyte].plausible.high, 1e4) / factor
    return draw(st.floats(min_value=0, max_value=high, allow_nan=False))


@st.composite
def _lab_limits(
    draw: st.DrawFn, pack: str, analyte: str, unit: Any, cell: Any
) -> tuple[float | None, float | None]:
    low = draw(_lab_bound(pack, analyte, unit, cell))
    high = draw(_lab_bound(pack, analyte, unit, cell))
    if low is not None and high is not None and low > high and draw(st.booleans()):
        low, high = high, low  # mostly ordered; sometimes low above high (refused)
    return low, high


DERIVED_INPUTS = tuple(a.derived.inputs for a in ANALYTES.values() if a.derived is not None)
_MEDICATIONS: tuple[str | None, ...] = ("", "", "metformin", "proton_pump_inhibitor;nitrous_oxide")
_SYMPTOMS: tuple[str | None, ...] = (
    "",
    "back_pain",
    "tingling_or_numbness;fever",
    "saddle_numbness;back_pain",
)
_DIETS: tuple[str | None, ...] = (None, None, "vegan", "omnivore")
_CONDITIONS: tuple[str | None, ...] = (
    "",
    "chronic_kidney_disease",
    "heart_failure",
    "chronic_kidney_disease;malignancy",
)


# Missing age (three times, so that a third of the rows lean on the pack's rule for it);
# under 6 months (outside the population); the children's age bands at, and a hair below,
# each edge (0.5, 2, 5, 12, 15); the pregnancy ages' ends (10 to 55); adults and the old.
AGES: tuple[float | None, ...] = (
    *(None,) * 9,
    0.4,
    0.5,
    1.0,
    1.99,
    2.0,
    4.99,
    5.0,
    9.99,
    10.0,
    11.99,
    12.0,
    14.99,
    15.0,
    17.0,
    18.0,
    30.0,
    49.0,
    50.0,
    55.0,
    55.01,
    65.0,
    70.0,
    88.0,
)


@st.composite
def _table(draw: st.DrawFn, pack: str) -> tuple[dict[str, list[Any]], dict[str, str]]:
    rows = draw(st.integers(min_value=1, max_value=12))
    analytes = draw(st.lists(st.sampled_from(MEASURED), min_size=1, max_size=8, unique=True))
    for inputs in draw(st.lists(st.sampled_from(DERIVED_INPUTS), max_size=2)):
        analytes += [a for a in inputs if a not in analytes]  # so that indices get computed
    data: dict[str, list[Any]] = {}
    units: dict[str, str] = {}
    for analyte in analytes:
        column = draw(_column(pack, analyte, rows))
        fixed = column.pop("__unit__", None)
        if fixed is not None:
            units[analyte] = fixed[0]
        data.update(column)
    data["sex"] = draw(
        st.lists(st.sampled_from(("female", "male", None)), min_size=rows, max_size=rows)
    )
    data["age"] = draw(st.lists(st.sampled_from(AGES), min_size=rows, max_size=rows))
    pregnant = draw(
        st.lists(st.sampled_from((None, None, True, False)), min_size=rows, max_size=rows)
    )
    data["trimester"] = [
        draw(st.sampled_from((None, 1, 2, 3))) if p else draw(st.sampled_from((None, None, 2)))
        for p in pregnant
    ]
    # A CSV file has no booleans: a column of text (true/FALSE, yes/no, 1/0, blanks) is read
    # as the same booleans, in the arrays and in each row's panel alike.
    if draw(st.booleans()):
        data["pregnant"] = [
            None if p is None else draw(st.sampled_from(_PREGNANT_TEXT[p])) for p in pregnant
        ]
    else:
        data["pregnant"] = pregnant
    for name, choices in (
        ("conditions", _CONDITIONS),
        ("medications", _MEDICATIONS),
        ("symptoms", _SYMPTOMS),
        ("diet", _DIETS),
    ):
        data[name] = draw(st.lists(st.sampled_from(choices), min_size=rows, max_size=rows))
    return data, units


_PREGNANT_TEXT: dict[bool, tuple[str, ...]] = {
    True: ("true", "TRUE", "True", "yes", "Y", "1", " yes "),
    False: ("false", "FALSE", "no", "No", "N", "0"),
}


def _frame(data: Mapping[str, list[Any]]) -> Any:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    for name in list(frame.columns):
        values = [v for v in frame[name] if v is not None]
        if values and all(isinstance(v, float) for v in values):
            frame[name] = frame[name].astype(float)  # a numeric column, as a CSV reader gives
    frame["trimester"] = frame["trimester"].astype("Int64")
    return frame


def _interpret(panel: dict[str, Any], pack: Pack) -> tuple[Interpretation | None, str | None]:
    """interpret's answer for a panel, or its refusal's message."""
    try:
        return interpret(panel, pack=pack), None
    except LabinterpError as exc:
        return None, str(exc)


def check_rows(result: FrameResult, pack: Pack) -> None:
    """Every row against interpret: invalid exactly when refused, else statuses and flags."""
    out = result.frame if isinstance(result.frame, pd.DataFrame) else result.frame.to_pandas()
    invalid = 0
    for row in range(len(result)):
        panel = result.panel(row)
        expected, refusal = _interpret(panel, pack)
        if expected is None:
            invalid += 1
            # The same refusal, worded for a table (a unit column, not a 'unit' key), as
            # explain(row) raises it.
            with pytest.raises(LabinterpError) as raised:
                result.explain(row)
            assert out["invalid"].iloc[row] == str(raised.value), (row, panel)
            if "under 'unit'" not in (refusal or ""):  # otherwise only the unit's place differs
                assert str(raised.value) == refusal, (row, panel)
            assert all(pd.isna(out[p].iloc[row]) for p in result.pattern_ids)
            continue
        assert pd.isna(out["invalid"].iloc[row]), panel  # polars nulls come back as NaN
        got = {p: out[p].iloc[row] for p in result.pattern_ids}
        assert got == expected.statuses(), (row, panel)
        flags = {f.analyte: f.flag for f in expected.flags}
        for analyte, column in result.flag_columns.items():
            cell = out[column].iloc[row]
            assert (None if pd.isna(cell) else cell) == flags.get(analyte), (row, analyte, panel)
    assert result.invalid_count == invalid


@pytest.mark.parametrize("pack_name", PACK_NAMES)
@settings(
    max_examples=max(25, settings().max_examples // 4),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_interpret_frame_equals_interpret_row_by_row(pack_name: str, data: st.DataObject) -> None:
    table, units = data.draw(_table(pack_name))
    chunk = data.draw(st.integers(min_value=1, max_value=16))
    frame = _frame(table)
    if data.draw(st.booleans()):  # the same law through polars
        frame = pl.from_pandas(frame)
    pack = _pack(pack_name)
    with warnings.catch_warnings():
        # A pack written for a condition (heart failure) says so once per call: not the law.
        warnings.simplefilter("ignore", TableWarning)
        result = interpret_frame(frame, pack=pack, units=units, chunk_size=chunk)
    check_rows(result, pack)


def test_values_exactly_at_every_cut_off_in_every_unit() -> None:
    """Deterministic sweep: each edge of the default pack, in each accepted unit, nudged."""
    rows: list[dict[str, Any]] = []
    for analyte, edges in _edges("default").items():
        for unit in ANALYTES[analyte].common_units:
            factor = ANALYTES[analyte].resolve_unit(unit).to_canonical
            for edge in edges:
                for nudge in (1.0, 1.0 + 1e-9, 1.0 - 1e-9, 1.0 + 2e-9):
                    for sex in ("female", None):
                        rows.append({analyte: f"{_text(edge * nudge / factor)} {unit}", "sex": sex})
    frame = pd.DataFrame(rows)
    result = interpret_frame(frame, chunk_size=4096)
    assert len(result) > 1000
    check_rows(result, _pack("default"))
