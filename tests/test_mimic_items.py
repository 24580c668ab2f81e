"""The MIMIC-IV itemid map of ``panels_from_long(preset="mimic_iv")`` against MIMIC's own
``d_labitems`` rows (tests/data/mimic_iv_d_labitems_to_loinc.csv, copied from MIT-LCP's
mimic-code; see tests/data/README.md): label, fluid, unit and LOINC code of every itemid."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytest.importorskip(
    "pandas", reason="whole tables need the frame extras: pip install -e '.[polars]'"
)

from labinterp import ANALYTES, LabinterpError
from labinterp._long_tables import (
    MIMIC_IV_ITEMS,
    MIMIC_IV_LEFT_OUT,
    MIMIC_IV_UNIT_SPELLINGS,
    PRESETS,
)

DATA = Path(__file__).parent / "data"
COPIED = DATA / "mimic_iv_d_labitems_to_loinc.csv"
MIMIC_CODE_COMMIT = "8bcbd190ca75670cd5281f9ead3611ae1cefb73e"


def _d_labitems() -> dict[int, dict[str, str]]:
    with COPIED.open(encoding="utf-8", newline="") as handle:
        return {int(row["itemid (omop_source_code)"]): row for row in csv.DictReader(handle)}


D_LABITEMS = _d_labitems()
# LOINC code -> the catalog analyte that lists it.
CATALOG_LOINC = {code.code: a.id for a in ANALYTES.values() for code in a.loinc}


def _labinterp_spellings(valueuom: str) -> list[str]:
    """d_labitems lists every unit an itemid was reported in, separated by '|'."""
    return [MIMIC_IV_UNIT_SPELLINGS.get(u, u) for u in valueuom.split("|")]


@pytest.mark.parametrize("itemid", sorted(MIMIC_IV_ITEMS))
def test_each_shipped_itemid_is_the_d_labitems_row_it_claims(itemid: int) -> None:
    item = MIMIC_IV_ITEMS[itemid]
    row = D_LABITEMS[itemid]
    assert row["label"] == item.what
    assert row["fluid"] == "Blood"
    assert int(row["labevents_row_count"]) > 0  # an itemid MIMIC-IV actually reports
    assert "mimic-iv/mapping/d_labitems_to_loinc.csv" in item.source
    assert MIMIC_CODE_COMMIT[:12] in item.source
    units = _labinterp_spellings(row["valueuom"])
    assert units != [""], "an itemid without a unit cannot be read"
    for unit in units:
        ANALYTES[item.analyte].resolve_unit(unit)  # raises for a unit labinterp refuses


@pytest.mark.parametrize("itemid", sorted(MIMIC_IV_ITEMS))
def test_the_loinc_code_of_each_itemid_agrees_unless_mimic_marks_a_conflict(itemid: int) -> None:
    row = D_LABITEMS[itemid]
    loinc = row["omop_concept_code"]
    by_loinc = CATALOG_LOINC.get(loinc)
    analyte = MIMIC_IV_ITEMS[itemid].analyte
    if by_loinc is None or by_loinc == analyte:
        return
    # The reticulocyte percentages carry the LOINC code of the absolute count; the mapping
    # itself flags the conflict, and the unit (%) shows which measure it is.
    assert row["sssom_comment"].startswith("Conflict"), (itemid, loinc, by_loinc)
    with pytest.raises(LabinterpError):
        ANALYTES[by_loinc].resolve_unit(row["valueuom"])


def test_the_issues_examples_are_shipped() -> None:
    assert MIMIC_IV_ITEMS[51222].analyte == "hemoglobin"
    assert MIMIC_IV_ITEMS[50811].analyte == "hemoglobin"
    assert MIMIC_IV_ITEMS[50924].analyte == "ferritin"
    assert MIMIC_IV_ITEMS[51010].analyte == "vitamin_b12"
    assert (MIMIC_IV_ITEMS[50952].analyte, MIMIC_IV_ITEMS[50953].analyte) == ("iron", "tibc")
    assert PRESETS["mimic_iv"].codes == {k: v.analyte for k, v in MIMIC_IV_ITEMS.items()}


@pytest.mark.parametrize("itemid", sorted(MIMIC_IV_LEFT_OUT))
def test_each_look_alike_is_in_d_labitems_and_not_mapped(itemid: int) -> None:
    assert itemid in D_LABITEMS
    assert itemid not in MIMIC_IV_ITEMS
    assert D_LABITEMS[itemid]["label"].split()[0].lower() in MIMIC_IV_LEFT_OUT[itemid].lower()


def test_rdw_sd_is_left_out_because_labinterp_refuses_its_unit_for_rdw() -> None:
    row = D_LABITEMS[52172]
    assert (row["label"], row["valueuom"], row["omop_concept_code"]) == ("RDW-SD", "fL", "21000-5")
    with pytest.raises(LabinterpError, match="RDW-SD"):
        ANALYTES["rdw"].resolve_unit(row["valueuom"])


def test_transferrin_saturation_item_is_left_out_for_want_of_a_unit() -> None:
    row = D_LABITEMS[51746]
    assert row["label"] == "Transferrin Saturation"
    assert row["valueuom"] == ""
    assert 51746 not in MIMIC_IV_ITEMS


def test_the_copied_rows_name_their_source_and_license() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert COPIED.name in readme
    assert MIMIC_CODE_COMMIT[:12] in readme
    license_text = (DATA / "LICENSE.mimic-code.txt").read_text(encoding="utf-8")
    assert "MIT Laboratory for Computational Physiology" in license_text
    # Every itemid the preset ships is among the copied rows (the tests above read them).
    assert set(MIMIC_IV_ITEMS) <= set(D_LABITEMS)
