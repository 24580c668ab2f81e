"""The rest of the criteria vocabulary, through a pack a user might write: ``not`` and
age bands (no bundled pattern uses them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _engine_helpers import STATUS_OF_OUTCOME

import labinterp

PACK = """
schema_version: 1
name: vocabulary
version: "1"
extends: default
title: not and age bands
# Its own population, without a rule for a missing age: age stays unknown.
population: {age_min: 0.5, description: from 6 months}
thresholds:
  esr_high_by_age:
    analyte: esr
    source: seed_backache_anemia
    confidence: uncertain
    note: Invented bands for the test; not a clinical claim.
    cutoffs:
      - when: {age_max: 50}
        comparator: ">"
        value: 20
        unit: mm/h
      - when: {age_min: 50}
        comparator: ">"
        value: 30
        unit: mm/h
patterns:
  esr_raised:
    label: raised ESR (test bands)
    criteria: {threshold: esr_high_by_age}
  no_inflammation:
    label: no sign of inflammation
    criteria: {not: {pattern: inflammation}}
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> labinterp.Pack:
    path: Path = tmp_path_factory.mktemp("packs") / "vocabulary.yaml"
    path.write_text(PACK, encoding="utf-8")
    return labinterp.load_pack(path)


@pytest.mark.parametrize(
    ("crp", "expected"),
    [("2 mg/L", "consistent"), ("40 mg/L", "not_consistent"), (None, "indeterminate")],
)
def test_not_swaps_held_and_failed_and_keeps_undecided(
    pack: labinterp.Pack, crp: str | None, expected: str
) -> None:
    panel = {"age": 40} if crp is None else {"age": 40, "crp": crp}
    found = labinterp.interpret(panel, pack=pack).pattern("no_inflammation")
    assert found.status == expected
    assert found.criteria.kind == "not"
    assert found.criteria.rule == "not(pattern inflammation)"
    swapped = {
        "consistent": "not_consistent",
        "not_consistent": "consistent",
        "indeterminate": "indeterminate",
    }
    assert STATUS_OF_OUTCOME[found.criteria.children[0].outcome] == swapped[expected]
    if crp is None:
        assert found.missing_analytes == ("crp",)


@pytest.mark.parametrize(
    ("age", "esr", "expected"),
    [
        (30, "25 mm/h", "consistent"),
        (60, "25 mm/h", "not_consistent"),
        (50, "25 mm/h", "not_consistent"),  # age_min is inclusive: 50 uses the older band
        (49.9, "25 mm/h", "consistent"),
        (None, "25 mm/h", "indeterminate"),  # the bands disagree, so age decides
        (None, "35 mm/h", "consistent"),  # both bands agree: age is not needed
        (None, "15 mm/h", "not_consistent"),
    ],
)
def test_age_bands(pack: labinterp.Pack, age: float | None, esr: str, expected: str) -> None:
    panel: dict[str, object] = {"esr": esr}
    if age is not None:
        panel["age"] = age
    found = labinterp.interpret(panel, pack=pack).pattern("esr_raised")
    assert found.status == expected
    if expected == "indeterminate":
        assert found.missing_context == ("age",)
        assert "without the age" in found.label
