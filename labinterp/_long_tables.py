"""Long lab tables (one row a result) grouped into wide panels (one row a panel), vectorised.

Used by :func:`labinterp.frame.panels_from_long`; needs pandas (the ``frame`` extra). The
presets name the columns of MIMIC-IV's ``labevents`` and OMOP's ``MEASUREMENT`` tables. The
MIMIC-IV preset also maps lab ``itemid`` numbers to the catalog's analytes (blood count,
reticulocytes, iron studies, B12, folate, homocysteine, inflammation, hemolysis: each checked
against MIMIC's ``d_labitems``), reads MIMIC's spellings of some units, and carries the lab's
own ``flag`` of each result, unread, into ``<analyte>_lab_flag``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._errors import LabinterpError, PanelError, TableWarning, shorten

__all__ = [
    "LAB_FLAG_SUFFIX",
    "MIMIC_IV_ITEMS",
    "MIMIC_IV_LEFT_OUT",
    "MIMIC_IV_UNIT_SPELLINGS",
    "PRESETS",
    "MimicItem",
    "Preset",
    "long_to_wide",
]


@dataclass(frozen=True, slots=True)
class MimicItem:
    """A MIMIC-IV lab ``itemid`` and the catalog analyte it reports, with where that was read."""

    analyte: str
    what: str
    source: str


# Every itemid below was checked against this file (label, fluid, unit and LOINC code):
# tests/data/mimic_iv_d_labitems_to_loinc.csv holds a copy of its rows, and
# tests/test_mimic_items.py checks each entry against them.
_D_LABITEMS = (
    "MIT-LCP/mimic-code@8bcbd190ca75, mimic-iv/mapping/d_labitems_to_loinc.csv (MIMIC-IV v2.0)"
)


def _item(analyte: str, label: str) -> MimicItem:
    return MimicItem(analyte, label, _D_LABITEMS)


#: MIMIC-IV ``itemid`` -> analyte; ``what`` is the itemid's ``d_labitems`` label, verbatim.
#: The unit is read per row from ``valueuom``, never assumed. Left out on purpose: see
#: :data:`MIMIC_IV_LEFT_OUT`.
MIMIC_IV_ITEMS: Final[Mapping[int, MimicItem]] = {
    # Blood count (also the itemids of mimic-code's complete_blood_count.sql and bg.sql).
    51222: _item("hemoglobin", "Hemoglobin"),
    50811: _item("hemoglobin", "Hemoglobin"),  # the blood gas analyser's
    51221: _item("hematocrit", "Hematocrit"),
    50810: _item("hematocrit", "Hematocrit, Calculated"),  # the blood gas analyser's
    51250: _item("mcv", "MCV"),
    51279: _item("rbc", "Red Blood Cells"),
    51277: _item("rdw", "RDW"),  # RDW-CV in %; RDW-SD (52172, fL) is left out
    51283: _item("reticulocytes", "Reticulocyte Count, Automated"),  # in %
    51284: _item("reticulocytes", "Reticulocyte Count, Manual"),  # in %
    51282: _item("reticulocytes_absolute", "Reticulocyte Count, Absolute"),
    51288: _item("esr", "Sedimentation Rate"),
    # Iron studies, vitamins.
    50924: _item("ferritin", "Ferritin"),
    50952: _item("iron", "Iron"),
    50953: _item("tibc", "Iron Binding Capacity, Total"),
    50998: _item("transferrin", "Transferrin"),
    51010: _item("vitamin_b12", "Vitamin B12"),
    50925: _item("folate", "Folate"),
    50945: _item("homocysteine", "Homocysteine"),
    # Inflammation, kidney, hemolysis.
    50889: _item("crp", "C-Reactive Protein"),
    50912: _item("creatinine", "Creatinine"),
    50885: _item("bilirubin_total", "Bilirubin, Total"),
    50884: _item("bilirubin_indirect", "Bilirubin, Indirect"),
    50954: _item("ldh", "Lactate Dehydrogenase (LD)"),
    50935: _item("haptoglobin", "Haptoglobin"),
}

#: d_labitems rows that look like one of the analytes above but are not mapped, and why.
#: Their rows are left out of the panels like any unmapped itemid.
MIMIC_IV_LEFT_OUT: Final[Mapping[int, str]] = {
    52172: "RDW-SD, in fL: a different measure from RDW-CV (51277, in %), which is the RDW "
    "labinterp reads; the two cannot be converted into each other (as LOINC 21000-5 in FHIR)",
    51746: "Transferrin Saturation has no unit in d_labitems (a fraction or a percent cannot be "
    "told apart) and no labevents rows in MIMIC-IV v2.0; the preset computes transferrin "
    "saturation from Iron (50952) and Iron Binding Capacity, Total (50953) instead",
    51728: "Serum B12 without a unit, marked a duplicate of 51010 and without labevents rows",
    51729: "Serum B12 without a unit, marked a duplicate of 51010 and without labevents rows",
    51730: "Serum Folate without a unit and without labevents rows",
    52562: "Folate without a unit and without labevents rows",
    52159: "Platelet Aggregation (an earlier note here called it RDW-SD by mistake)",
}

#: How MIMIC-IV writes some units (``valueuom``), and the same unit as labinterp reads it:
#: ``m/uL`` is millions per microlitre (Red Blood Cells, Reticulocyte Count, Absolute);
#: ``/mm3`` is per cubic millimetre, which is per microlitre.
MIMIC_IV_UNIT_SPELLINGS: Final[Mapping[str, str]] = {"m/uL": "10*6/uL", "/mm3": "/uL"}


@dataclass(frozen=True, slots=True)
class Preset:
    """Column names of a known long format."""

    subject: str
    analyte: str
    value: str
    unit: str
    time: str
    value_text: str | None
    codes: Mapping[Any, str]
    # The lab's own reference interval of each result, in the result's unit (either may be
    # empty); read into <analyte>_low / <analyte>_high when the table has the columns.
    lab_low: str | None = None
    lab_high: str | None = None
    # The lab's own mark on each result (MIMIC-IV: "abnormal" or empty), carried as written
    # into <analyte>_lab_flag; labinterp flags every result itself and never reads it.
    lab_flag: str | None = None
    # The format's spellings of units labinterp writes otherwise (applied before reading).
    unit_spellings: Mapping[str, str] = field(default_factory=dict)


PRESETS: Final[Mapping[str, Preset]] = {
    "mimic_iv": Preset(
        "subject_id",
        "itemid",
        "valuenum",
        "valueuom",
        "charttime",
        "value",
        {k: v.analyte for k, v in MIMIC_IV_ITEMS.items()},
        "ref_range_lower",
        "ref_range_upper",
        "flag",
        MIMIC_IV_UNIT_SPELLINGS,
    ),
    # OMOP keeps the source's code in measurement_source_value (a LOINC code where the source
    # used LOINC); measurement_concept_id needs the vocabulary tables: map it with analyte_map.
    "omop": Preset(
        "person_id",
        "measurement_source_value",
        "value_as_number",
        "unit_source_value",
        "measurement_datetime",
        None,
        {},
        "range_low",
        "range_high",
    ),
}

_LOINC: Final = {code.code: a.id for a in ANALYTES.values() for code in a.loinc}
# The lab's own flag of a result: <analyte>_lab_flag (labinterp's own is <analyte>_flag).
LAB_FLAG_SUFFIX: Final = "_lab_flag"


def _analyte_of(code: Any, extra: Mapping[Any, str], preset: Mapping[Any, str]) -> str | None:
    """The analyte a long table's code names: the caller's map, the preset's, a LOINC code,
    or an analyte id or alias; None for a code that names none of the catalog's analytes."""
    for mapping in (extra, preset):
        if code in mapping:
            return resolve_analyte_id(mapping[code])
    text = str(code).strip()
    if text in _LOINC:
        return _LOINC[text]
    try:
        found = resolve_analyte_id(text)
    except LabinterpError:
        return None
    return None if ANALYTES[found].derived is not None else found


def _require(frame: pd.DataFrame, role: str, name: str | None) -> str:
    if name is None or name not in frame.columns:
        raise PanelError(
            f"panels_from_long: {role} column {shorten(name)} is not in the table",
            field=role,
            value=name,
            expected=f"one of {shorten([str(c) for c in frame.columns])}",
        )
    return name


def long_to_wide(
    frame: pd.DataFrame,
    *,
    subject: str | None,
    analyte: str | None,
    value: str | None,
    unit: str | None,
    time: str | None,
    window: Any,
    preset: str | None,
    analyte_map: Mapping[Any, str] | None,
    value_text: str | None,
) -> pd.DataFrame:
    chosen = None
    if preset is not None:
        chosen = PRESETS.get(preset)
        if chosen is None:
            raise PanelError(
                f"panels_from_long: unknown preset {shorten(preset)}",
                field="preset",
                value=preset,
                expected=", ".join(PRESETS),
            )
        subject = subject or chosen.subject
        analyte = analyte or chosen.analyte
        value = value or chosen.value
        unit = unit or chosen.unit
        time = time or (chosen.time if chosen.time in frame.columns else None)
        value_text = value_text or (
            chosen.value_text if chosen.value_text in frame.columns else None
        )
    step = None if window is None else _window(window)  # refused before any work
    subject = _require(frame, "subject", subject)
    analyte = _require(frame, "analyte", analyte or "analyte")
    value = _require(frame, "value", value or "value")
    unit_col = unit or "unit"
    has_unit = unit_col in frame.columns
    if unit is not None and not has_unit:
        _require(frame, "unit", unit)

    codes, uniques = pd.factorize(frame[analyte], use_na_sentinel=True)
    ids = np.array(
        [_analyte_of(u, analyte_map or {}, chosen.codes if chosen else {}) for u in uniques]
        + [None],
        dtype=object,
    )
    row_ids = ids[codes]
    keep = row_ids != None  # noqa: E711 - element-wise on an object array
    _warn_left_out(codes, uniques, keep, analyte, chosen)
    long = pd.DataFrame({"subject": frame[subject].to_numpy()[keep], "analyte": row_ids[keep]})
    values = frame[value]
    if value_text is not None:
        # Censored results ("<0.3") have no number; their text is read instead.
        values = values.astype(object).where(
            values.notna(), frame[_require(frame, "value_text", value_text)]
        )
    long["value"] = values.to_numpy()[keep]
    long["unit"] = (
        _respelled(frame[unit_col].to_numpy()[keep], chosen.unit_spellings if chosen else {})
        if has_unit
        else None
    )
    lab_columns = _lab_columns(frame, chosen, keep, long)
    source_rows = np.flatnonzero(keep)  # each result's row in the caller's table
    long = _without_placeholders(long, source_rows, value_text or value)
    keys = ["subject"]
    if time is not None:
        column = frame[_require(frame, "time", time)]
        long["time"] = _times(column).to_numpy()[source_rows][long.index.to_numpy()]
        long = _with_readable_times(long, column.to_numpy()[source_rows], time)
        stamps = long["time"].to_numpy()
        if step is not None:
            first = long.groupby("subject")["time"].transform("min")
            since_first: Any = long["time"] - first  # a timedelta Series (stubs lack its //)
            long["time"] = first + (since_first // step) * step
        keys.append("time")
        long["_order"] = stamps
        # The latest result of an analyte within a panel wins.
        long = long.sort_values("_order", kind="stable").drop(columns="_order")
    long = long.drop_duplicates(subset=[*keys, "analyte"], keep="last")
    wide_values = long.pivot(index=keys, columns="analyte", values="value")
    wide_units = long.pivot(index=keys, columns="analyte", values="unit")
    wide_units.columns = [f"{c}_unit" for c in wide_units.columns]
    parts = [wide_values, wide_units]
    for name, suffix, numeric in lab_columns:
        cells = long.pivot(index=keys, columns="analyte", values=name)
        cells.columns = [f"{c}{suffix}" for c in cells.columns]
        parts.append(
            cells.apply(pd.to_numeric, errors="coerce").astype(float) if numeric else cells
        )
    wide = pd.concat(parts, axis=1)
    wide.columns.name = None
    wide = wide.reset_index()
    return wide.rename(columns={"subject": subject, "time": time} if time else {"subject": subject})


# MIMIC-IV's de-identification placeholder: a value hidden by the de-identification, such
# as "___", with no number. It says "no value" for that one result.
_PLACEHOLDER: Final = re.compile(r"\s*_{2,}\s*")


def _warn_left_out(codes: Any, uniques: Any, keep: Any, column: str, preset: Preset | None) -> None:
    """Say how many results were left out because their code names no analyte labinterp
    reads (a long table holds every test a laboratory ran), and which codes they carry."""
    left = ~keep
    if not left.any():
        return
    blank = int((codes[left] < 0).sum())
    counts = np.bincount(codes[left & (codes >= 0)], minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")
    shown = []
    for i in order[:5]:
        if counts[i] == 0:
            break
        code = uniques[i]
        if isinstance(code, float | np.floating) and float(code).is_integer():
            code = int(code)  # an itemid column with a gap is read as floats
        why = MIMIC_IV_LEFT_OUT.get(code) if preset is PRESETS.get("mimic_iv") else None
        shown.append(f"{code} ({_results(int(counts[i]))}{'; ' + why if why else ''})")
    named = int((counts > 0).sum())
    parts = []
    if shown:
        more = f" and {named - len(shown)} more codes" if named > len(shown) else ""
        parts.append(f"codes that name no analyte labinterp reads: {', '.join(shown)}{more}")
    if blank:
        parts.append(f"{_results(blank)} with no code")
    warnings.warn(
        f"panels_from_long: {_results(int(left.sum()))} of column {shorten(column)} left out; "
        + "; ".join(parts)
        + " (map a code with analyte_map= if it is one of the catalog's analytes)",
        TableWarning,
        stacklevel=4,
    )


def _without_placeholders(long: pd.DataFrame, source_rows: Any, value: str) -> pd.DataFrame:
    """The results whose value is a de-identification placeholder ("___") left out, with a
    warning that counts them; the other results of the same panel are kept."""
    cells = long["value"].to_numpy()
    hidden = np.array(
        [isinstance(c, str) and _PLACEHOLDER.fullmatch(c) is not None for c in cells], dtype=bool
    )
    if not hidden.any():
        return long
    first = int(source_rows[np.flatnonzero(hidden)[0]])
    count = int(hidden.sum())
    warnings.warn(
        f"panels_from_long: {_results(count)} in column {shorten(value)} "
        f"{'holds' if count == 1 else 'hold'} a de-identification placeholder such as '___' "
        f"and no number (the first in row {first}, counted from 0): read as not given, the "
        "rest of each panel kept",
        TableWarning,
        stacklevel=4,
    )
    return long[~hidden]


def _results(count: int) -> str:
    return "1 result" if count == 1 else f"{count} results"


def _window(window: Any) -> pd.Timedelta:
    """``window`` as a positive Timedelta; a bare number (pandas would read nanoseconds) or
    text pandas cannot read is refused, naming the value and valid examples."""
    expected = "a duration such as '24h', '7D', '90min' or a pandas Timedelta"
    step: object = None
    if isinstance(window, str | pd.Timedelta) or hasattr(window, "total_seconds"):
        try:
            step = pd.Timedelta(window)  # NaT (not a Timedelta) for "nat"
        except (ValueError, TypeError, OverflowError):
            step = None
    if not isinstance(step, pd.Timedelta) or step <= pd.Timedelta(0):
        raise PanelError(
            f"window: cannot read {shorten(window)} as a positive duration; give {expected}",
            field="window",
            value=window,
            expected=expected,
        )
    return step


def _times(cells: pd.Series) -> pd.Series:
    """The time column as timestamps; a cell that is no time becomes NaT (reported later)."""
    try:
        return pd.to_datetime(cells)
    except (ValueError, TypeError, OverflowError):
        pass
    # Some cell is not a time (or the cells mix formats): each cell on its own.
    try:
        return pd.to_datetime(cells, format="mixed", errors="coerce")
    except (ValueError, TypeError, OverflowError):
        return pd.to_datetime(cells.astype(str), format="mixed", errors="coerce")


def _with_readable_times(long: pd.DataFrame, written: Any, name: str) -> pd.DataFrame:
    """The results whose time cell is given but is no time left out, with a warning that
    counts them and names the first; the other results are kept. (An empty time cell stays
    as it was: those results form a panel of their own, without a time.)"""
    cells = written[long.index.to_numpy()]
    given = ~pd.isna(cells) & np.array([not (isinstance(c, str) and not c.strip()) for c in cells])
    unreadable: npt.NDArray[np.bool_] = long["time"].isna().to_numpy() & given
    if not unreadable.any():
        return long
    count = int(unreadable.sum())
    warnings.warn(
        f"panels_from_long: {_results(count)} in column {shorten(name)} "
        f"{'has' if count == 1 else 'have'} a time that cannot be read (the first: "
        f"{shorten(cells[np.flatnonzero(unreadable)[0]])}) and "
        f"{'is' if count == 1 else 'are'} left out; the other results are grouped as usual",
        TableWarning,
        stacklevel=4,
    )
    return long[~unreadable]


def _each_distinct(cells: np.ndarray[Any, Any], change: Callable[[Any], Any]) -> Any:
    """``change`` applied once to each distinct cell (missing cells become None)."""
    try:
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    except TypeError:  # an unhashable cell (a list ...): each row on its own
        out = np.empty(len(cells), dtype=object)
        for row, cell in enumerate(cells):
            missing = cell is None or cell is pd.NA or (isinstance(cell, float) and cell != cell)
            out[row] = None if missing else change(cell)
        return out
    return np.array([*(change(u) for u in uniques), None], dtype=object)[codes]


def _respelled(units: np.ndarray[Any, Any], spellings: Mapping[str, str]) -> Any:
    """The unit cells with a format's own spellings (MIMIC's ``m/uL``) replaced by labinterp's."""
    if not spellings:
        return units
    return _each_distinct(units, lambda u: spellings.get(u, u) if isinstance(u, str) else u)


def _lab_flag_texts(cells: np.ndarray[Any, Any]) -> Any:
    """The lab's own flags as text: an empty cell (None, NaN, blank) is no flag; any other
    cell is kept as written (stripped), known word or not, for the reader to see."""
    return _each_distinct(cells, lambda cell: str(cell).strip() or None)


def _lab_columns(
    frame: pd.DataFrame, chosen: Preset | None, keep: Any, long: pd.DataFrame
) -> list[tuple[str, str, bool]]:
    """Copy a preset's lab columns (limits, flag; when the table has them) into ``long``: the
    names given to them there, the wide suffix each becomes, and whether it holds numbers."""
    found: list[tuple[str, str, bool]] = []
    if chosen is None:
        return found
    for source, name, suffix in (
        (chosen.lab_low, "_lab_low", "_low"),
        (chosen.lab_high, "_lab_high", "_high"),
    ):
        if source is not None and source in frame.columns:
            long[name] = frame[source].to_numpy()[keep]
            found.append((name, suffix, True))
    if chosen.lab_flag is not None and chosen.lab_flag in frame.columns:
        long["_lab_flag"] = _lab_flag_texts(frame[chosen.lab_flag].to_numpy()[keep])
        found.append(("_lab_flag", LAB_FLAG_SUFFIX, False))
    return found
