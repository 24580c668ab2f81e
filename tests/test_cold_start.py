"""Cold start: the closed unit list converts without pint, and importing labinterp loads no pint.

The factors come from exact scales (``labinterp._units.SCALES``); pint stays the reference
they are checked against here, so the two can never drift apart.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from labinterp._units import (
    REL_TOL,
    SCALES,
    Dimension,
    conversion_factor,
    known_units,
    pint_factor,
)

_BASES = {
    Dimension.MASS_CONCENTRATION: "g/L",
    Dimension.SUBSTANCE_CONCENTRATION: "mol/L",
    Dimension.NUMBER_CONCENTRATION: "/L",
    Dimension.ENTITIC_VOLUME: "fL",
    Dimension.FRACTION: "1",
    Dimension.SEDIMENTATION_RATE: "mm/h",
    Dimension.CATALYTIC_CONCENTRATION: "U/L",
    Dimension.AREA_NORMALISED_FLOW: "mL/min/{1.73_m2}",
}


def test_every_accepted_unit_has_an_exact_scale() -> None:
    assert set(SCALES) == set(known_units())


@pytest.mark.parametrize("code", sorted(known_units()))
def test_each_scale_agrees_with_pint(code: str) -> None:
    base = _BASES[known_units()[code]]
    assert math.isclose(float(SCALES[code]), pint_factor(code, base), rel_tol=REL_TOL)


@pytest.mark.parametrize("molar_mass", [55.845, 1355.37, 16000.0])
def test_mass_to_substance_factors_agree_with_pint(molar_mass: float) -> None:
    pairs = [("ug/dL", "umol/L"), ("pmol/L", "pg/mL"), ("g/dL", "mmol/L"), ("nmol/L", "ng/mL")]
    for src, dst in pairs:
        got = conversion_factor(src, dst, molar_mass)
        assert math.isclose(got, pint_factor(src, dst, molar_mass), rel_tol=REL_TOL), (src, dst)


_PROBE = """
import json, sys
import labinterp
panel = labinterp.Panel.from_mapping(
    {"ferritin": "12 ng/mL", "tsat": "9 %", "hb": "10.2 g/dL", "b12": "180 pg/mL",
     "iron": "35 ug/dL", "sex": "female", "age": 40}
)
after_import = sorted(m for m in ("pint", "numpy") if m in sys.modules)
labinterp.render_text(labinterp.interpret(panel))
labinterp.convert(180, "pg/mL", "pmol/L", analyte="b12")
print(json.dumps([after_import, sorted(m for m in ("pint", "numpy") if m in sys.modules)]))
"""


def test_importing_and_interpreting_never_load_pint() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    after_import, after_use = json.loads(out)
    assert after_import == []
    assert after_use == []
