"""The UCUM "common units for electronic reporting" table (vendored unmodified in tests/data).

Every code in it that has the shape of a lab concentration, count, volume, fraction or rate
that labinterp covers must be accepted, and its dimension must match pint's reading of it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from labinterp._units import Dimension, known_units, normalize_unit, pint_quantity

DATA = Path(__file__).parent / "data" / "common_ucum_units_v1.5.csv"
# The families labinterp claims to cover (see labinterp._units._build_known).
_COVERED = re.compile(r"[munp]?g/(d|m|u)?L|[munpf]?mol/(d|m|u)?L|10\*(3|6|9|12)/u?L|fL|%|mm/h")

_PINT_DIMENSION = {
    Dimension.MASS_CONCENTRATION: "[mass] / [length] ** 3",
    Dimension.SUBSTANCE_CONCENTRATION: "[substance] / [length] ** 3",
    Dimension.NUMBER_CONCENTRATION: "1 / [length] ** 3",
    Dimension.ENTITIC_VOLUME: "[length] ** 3",
    Dimension.FRACTION: "dimensionless",
    Dimension.SEDIMENTATION_RATE: "[length] / [time]",
}


def _covered_codes() -> list[str]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        codes = [row["ucum_code"] for row in csv.DictReader(handle)]
    return sorted({c for c in codes if _COVERED.fullmatch(c)})


COVERED = _covered_codes()


def test_the_table_has_the_lab_units_we_expect() -> None:
    # Guards the selection itself: a regex that silently matched nothing would test nothing.
    assert {"ug/L", "ng/mL", "pg/mL", "g/dL", "umol/L", "mmol/L", "fL", "%", "mm/h"} <= set(COVERED)
    assert len(COVERED) >= 25


@pytest.mark.parametrize("code", COVERED)
def test_common_lab_unit_is_accepted_with_pints_dimension(code: str) -> None:
    normalised = normalize_unit(code)
    assert normalised == code
    dimension = known_units()[normalised]
    assert str(pint_quantity(normalised).dimensionality) == _PINT_DIMENSION[dimension]
