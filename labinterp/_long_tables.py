"""Long lab tables (one row a result) grouped into wide panels (one row a panel), vectorised.

Used by :func:`labinterp.frame.panels_from_long`; needs pandas (the ``frame`` extra). The
presets name the columns of MIMIC-IV's ``labevents`` and OMOP's ``MEASUREMENT`` tables; the
MIMIC-IV preset also maps lab ``itemid`` numbers to the catalog's analytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from labinterp._analytes import ANALYTES, resolve_analyte_id
from labinterp._columnar import canonical_values, plausible_mask
from labinterp._errors import LabinterpError, PanelError, shorten

__all__ = ["MIMIC_IV_ITEMS", "PRESETS", "MimicItem", "Preset", "long_to_wide"]


@dataclass(frozen=True, slots=True)
class MimicItem:
    """A MIMIC-IV lab ``itemid`` and the catalog analyte it reports, with where that was read."""

    analyte: str
    what: str
    source: str


_CBC = "MIT-LCP/mimic-code, mimic-iv/concepts/measurement/complete_blood_count.sql"
_BG = "MIT-LCP/mimic-code, mimic-iv/concepts/measurement/bg.sql"
_ENZ = "MIT-LCP/mimic-code, mimic-iv/concepts/measurement/enzyme.sql"
_CHEM = "MIT-LCP/mimic-code, mimic-iv/concepts/measurement/chemistry.sql"
_INFL = "MIT-LCP/mimic-code, mimic-iv/concepts/measurement/inflammation.sql"

#: MIMIC-IV ``itemid`` -> analyte, only where the MIT-LCP concept queries name the itemid for
#: that measurement (the unit is read per row from ``valueuom``, never assumed). Iron studies,
#: ferritin, B12 and folate are not here: their itemids were not verified (issue 9 names 50924
#: for ferritin and 51010 for B12; pass them in ``analyte_map`` once checked against your
#: copy of ``d_labitems``).
MIMIC_IV_ITEMS: Final[Mapping[int, MimicItem]] = {
    51222: MimicItem("hemoglobin", "hemoglobin", _CBC),
    50811: MimicItem("hemoglobin", "hemoglobin, blood gas", _BG),
    51221: MimicItem("hematocrit", "hematocrit", _CBC),
    50810: MimicItem("hematocrit", "hematocrit, blood gas", _BG),
    51250: MimicItem("mcv", "MCV", _CBC),
    51279: MimicItem("rbc", "red blood cells", _CBC),
    51277: MimicItem("rdw", "RDW (the RDW-SD, 52159, is in fL and not mapped)", _CBC),
    50889: MimicItem("crp", "C-reactive protein", _INFL),
    50912: MimicItem("creatinine", "creatinine", _CHEM),
    50885: MimicItem("bilirubin_total", "total bilirubin", _ENZ),
    50884: MimicItem("bilirubin_indirect", "indirect bilirubin", _ENZ),
    50954: MimicItem("ldh", "lactate dehydrogenase", _ENZ),
}


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
TSAT_SOURCE_COLUMN: Final = "transferrin_saturation_derived"


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
    long = pd.DataFrame({"subject": frame[subject].to_numpy()[keep], "analyte": row_ids[keep]})
    values = frame[value]
    if value_text is not None:
        # Censored results ("<0.3") have no number; their text is read instead.
        values = values.astype(object).where(
            values.notna(), frame[_require(frame, "value_text", value_text)]
        )
    long["value"] = values.to_numpy()[keep]
    long["unit"] = frame[unit_col].to_numpy()[keep] if has_unit else None
    lab_columns = _lab_limit_columns(frame, chosen, keep, long)
    keys = ["subject"]
    if time is not None:
        stamps = pd.to_datetime(frame[_require(frame, "time", time)]).to_numpy()[keep]
        long["time"] = stamps
        if window is not None:
            step = pd.Timedelta(window)
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
    for name, suffix in lab_columns:
        limits = long.pivot(index=keys, columns="analyte", values=name)
        limits.columns = [f"{c}{suffix}" for c in limits.columns]
        parts.append(limits.apply(pd.to_numeric, errors="coerce").astype(float))
    wide = pd.concat(parts, axis=1)
    wide.columns.name = None
    wide = wide.reset_index()
    wide = wide.rename(columns={"subject": subject, "time": time} if time else {"subject": subject})
    return _derive_tsat(wide)


def _lab_limit_columns(
    frame: pd.DataFrame, chosen: Preset | None, keep: Any, long: pd.DataFrame
) -> list[tuple[str, str]]:
    """Copy a preset's lab limit columns (when the table has them) into ``long``; the names
    given to them there and the wide suffix each becomes."""
    found: list[tuple[str, str]] = []
    if chosen is None:
        return found
    for source, name, suffix in (
        (chosen.lab_low, "_lab_low", "_low"),
        (chosen.lab_high, "_lab_high", "_high"),
    ):
        if source is not None and source in frame.columns:
            long[name] = frame[source].to_numpy()[keep]
            found.append((name, suffix))
    return found


def _canonical(wide: pd.DataFrame, analyte: str) -> np.ndarray[Any, Any]:
    """An analyte's numeric results in its canonical unit (NaN where not a plain number in a
    known unit, or not plausible)."""
    entry = ANALYTES[analyte]
    numbers = pd.to_numeric(wide[analyte], errors="coerce").to_numpy(dtype=float)
    out = np.full(len(wide), np.nan)
    units = wide[f"{analyte}_unit"]
    for written in units.dropna().unique():
        rows = (units == written).to_numpy()
        try:
            resolved = entry.resolve_unit(str(written))
        except LabinterpError:
            continue
        converted = canonical_values(numbers[rows], resolved)
        out[rows] = np.where(plausible_mask(entry, converted), converted, np.nan)
    return out


def _derive_tsat(wide: pd.DataFrame) -> pd.DataFrame:
    """Transferrin saturation from iron and TIBC of the same panel where none was reported:
    iron / TIBC x 100 %, both in umol/L. ``transferrin_saturation_derived`` marks those rows."""
    if not {"iron", "tibc", "iron_unit", "tibc_unit"} <= set(wide.columns):
        return wide
    iron = _canonical(wide, "iron")
    tibc = _canonical(wide, "tibc")
    if "transferrin_saturation" not in wide.columns:
        wide["transferrin_saturation"] = None
        wide["transferrin_saturation_unit"] = None
    reported = wide["transferrin_saturation"].notna().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        tsat = iron / tibc * 100.0
    derived = ~reported & np.isfinite(tsat) & (tibc > 0)
    derived &= plausible_mask(ANALYTES["transferrin_saturation"], np.where(derived, tsat, np.nan))
    column = wide["transferrin_saturation"].astype(object)
    column[derived] = tsat[derived]
    wide["transferrin_saturation"] = column
    unit = wide["transferrin_saturation_unit"].astype(object)
    unit[derived] = "%"
    wide["transferrin_saturation_unit"] = unit
    wide[TSAT_SOURCE_COLUMN] = derived
    return wide
