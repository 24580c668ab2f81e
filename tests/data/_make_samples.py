# mypy: disable-error-code="import-untyped"
"""Regenerate the vendored samples in tests/data/ from the shared external data folder.

Maintainer tool, never run by the tests::

    python tests/data/_make_samples.py /path/to/shared/data

Sources, licenses and selection rules are listed in tests/data/README.md.
"""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent

# NHANES analyte names (as in the paired CSV) -> labinterp analyte ids.
NHANES_ANALYTES = {
    "ferritin": "ferritin",
    "folate (serum)": "folate",
    "vitamin B12 (serum)": "vitamin_b12",
}
NHANES_ROWS_PER_ANALYTE = 150

# Prefixes allowed in front of g, mol, L (and [IU] for the UCUM validation cases).
PREFIX = "[munpfkdc]?"
# One term of a lab unit: prefixed g/mol/L/l/[IU]/[iU], hour, percent or 10*N, optional exponent.
LAB_TERM = re.compile(rf"(?:{PREFIX}(?:g|mol|L|l|\[IU\]|\[iU\])|h|%|10\*[+-]?\d+)(?:[+-]?\d+)?")


def spread_rows(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Return n rows evenly spaced by rank of conv_value, always including min and max."""
    if len(frame) <= n:
        return frame
    positions = np.floor(np.linspace(0, len(frame) - 1, n) + 0.5).astype(int)
    return frame.iloc[np.unique(positions)]


def nhanes_pairs(shared: Path) -> pd.DataFrame:
    pairs = pd.read_csv(shared / "nhanes" / "nhanes_paired_conventional_SI_values.csv")
    pairs = pairs[pairs["analyte"].isin(NHANES_ANALYTES)]
    pairs = pairs.dropna(subset=["conv_value", "conv_unit", "si_value", "si_unit"])
    pairs = pairs.assign(
        analyte=pairs["analyte"].map(NHANES_ANALYTES),
        source=pairs["source"] + " " + pairs["conv_var"] + "/" + pairs["si_var"],
    )
    samples = []
    for analyte in NHANES_ANALYTES.values():
        rows = pairs[pairs["analyte"] == analyte]
        rows = rows.sort_values(["conv_value", "si_value", "source", "SEQN"], kind="mergesort")
        rows = rows.drop_duplicates(["conv_value", "si_value"]).reset_index(drop=True)
        samples.append(spread_rows(rows, NHANES_ROWS_PER_ANALYTE))
    columns = ["analyte", "conv_value", "conv_unit", "si_value", "si_unit", "source"]
    return pd.concat(samples, ignore_index=True)[columns]


def check_no_mma_pairs(shared: Path) -> None:
    """Stop if an XPT file holds MMA in two units: a real pair that nhanes_pairs() would miss."""
    for path in sorted((shared / "nhanes").glob("*.XPT")):
        reader = pd.read_sas(path, format="xport", iterator=True)
        fields = [(f["name"].decode(), f["label"].decode()) for f in reader.fields]
        reader.close()
        # LBDMMALC is a comment code, not a value.
        mma = [
            name
            for name, label in fields
            if ("MMA" in name or "methylmalonic" in label.lower()) and not name.endswith("LC")
        ]
        print(f"{path.name}: MMA variables {mma or 'none'}")
        if len(mma) > 1:
            raise SystemExit(f"{path.name} has MMA in two units; extend nhanes_pairs()")


def ucum_functional(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    root = ET.parse(shared / "ucum" / "UcumFunctionalTests.xml").getroot()
    validation = pd.DataFrame(
        [
            {
                "case_id": case.get("id"),
                "unit": case.get("unit"),
                "valid": case.get("valid"),
                "reason": case.get("reason", ""),
            }
            for case in root.iterfind("validation/case")
        ]
    )
    keep = (validation["valid"] == "false") | validation["unit"].map(is_lab_unit)
    conversions = pd.DataFrame(
        [
            {
                "case_id": case.get("id"),
                "value": case.get("value"),
                "src_unit": case.get("srcUnit"),
                "dst_unit": case.get("dstUnit"),
                "outcome": case.get("outcome"),
            }
            for case in root.iterfind("conversion/case")
        ]
    )
    return validation[keep], conversions


def is_lab_unit(unit: str) -> bool:
    """True if every term of the unit (annotations and integer factors aside) is a lab term."""
    bare = re.sub(r"\{[^}]*\}", "", unit).replace("(", "").replace(")", "")
    terms = [term for term in re.split(r"[./]", bare) if term and not term.isdigit()]
    return bool(terms) and all(LAB_TERM.fullmatch(term) for term in terms)


def copy_common_units(shared: Path) -> None:
    # The UCUM license allows copies only unmodified, so the whole file is copied as is.
    src = shared / "ucum" / "common_ucum_units_v1.5.csv"
    shutil.copyfile(src, OUT / src.name)
    print(f"{src.name}: copied unmodified")


def write(frame: pd.DataFrame, name: str) -> None:
    frame.to_csv(OUT / name, index=False, lineterminator="\n", encoding="utf-8")
    print(f"{name}: {len(frame)} rows")


def main(shared: Path) -> None:
    check_no_mma_pairs(shared)
    write(nhanes_pairs(shared), "nhanes_pairs.csv")
    validation, conversions = ucum_functional(shared)
    write(validation, "ucum_functional_lab_units.csv")
    write(conversions, "ucum_functional_conversions.csv")
    copy_common_units(shared)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python _make_samples.py SHARED_DATA_DIR")
    main(Path(sys.argv[1]))
