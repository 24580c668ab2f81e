"""Worked cases: a table of panels with the status each bundled pattern must give.

Every row names the panel, the pack, the pattern and the expected status (and, where the
status is indeterminate, what must be named as missing). Edges are tested in at least two
units; unit-converted edges are computed with ``labinterp.convert``, never hard-coded.
Patterns shared by all three bundled packs are checked under each of them.

The rows live in one file a clinical topic (tests/test_engine_cases_*.py, with the table's
helpers in tests/_case_table.py); this file checks the table as a whole and gathers it as
:data:`CASES` (the wording lint renders every row).
"""

from __future__ import annotations

import pytest
from _case_table import Case, in_every_pack
from _engine_helpers import PACK_NAMES, pack
from test_engine_cases_b12_folate import B12, FOLATE, MIXED_DEFICIENCY
from test_engine_cases_context import ALERTS_AND_NOTES, ESA_CONTEXT
from test_engine_cases_inflammation import ANEMIA_OF_INFLAMMATION, INFLAMMATION
from test_engine_cases_iron import DEFAULT_IRON, FUNCTIONAL_IRON_DEFICIENCY, IRON_OVERLOAD
from test_engine_cases_iron_packs import HF_IRON, WHO_IRON
from test_engine_cases_red_cells import (
    ANEMIA,
    ANEMIA_SEVERITY,
    HEMOLYSIS,
    RED_CELL_SIZE,
    RETICULOCYTE_PRODUCTION,
    SEVERE_ANEMIA,
    THALASSEMIA_TRAIT,
)

#: Rows of the patterns every bundled pack has.
SHARED: list[Case] = [
    *INFLAMMATION,
    *ANEMIA,
    *SEVERE_ANEMIA,
    *RED_CELL_SIZE,
    *ANEMIA_OF_INFLAMMATION,
    *B12,
    *FOLATE,
    *ANEMIA_SEVERITY,
    *IRON_OVERLOAD,
    *FUNCTIONAL_IRON_DEFICIENCY,
    *MIXED_DEFICIENCY,
    *HEMOLYSIS,
    *THALASSEMIA_TRAIT,
    *RETICULOCYTE_PRODUCTION,
    *ALERTS_AND_NOTES,
    *ESA_CONTEXT,
]

CASES: list[Case] = [*in_every_pack(SHARED), *DEFAULT_IRON, *WHO_IRON, *HF_IRON]


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", PACK_NAMES)
def test_table_covers_every_bundled_pattern(name: str) -> None:
    """Each pattern of each bundled pack has a consistent, a not-consistent and an
    indeterminate row."""
    for pid in pack(name).patterns:
        seen = {c.status for c in CASES if c.pack == name and c.pattern == pid}
        assert seen == {"consistent", "not_consistent", "indeterminate"}, (name, pid, seen)
