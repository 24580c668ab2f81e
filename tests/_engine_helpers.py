"""Shared helpers for the engine tests (cases, trace, laws, packs, CLI).

Bundled packs are loaded once here and passed to ``interpret`` as :class:`Pack` objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import labinterp
from labinterp import CriterionResult, Interpretation, Outcome, Pack, PatternFinding

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PANEL = REPO_ROOT / "examples" / "iron_deficiency_panel.json"
SCHEMA_FILE = REPO_ROOT / "reference_ranges" / "pack.schema.json"
#: The example pack with a classification (anemia_type) over the default pack.
CLASSIFICATION_PACK = REPO_ROOT / "examples" / "anemia_type_pack.yaml"

SEED_TITLE = "Is there a correlation between backache and anemia?"
PACK_NAMES: tuple[str, ...] = ("default", "heart_failure_esc_2021", "who_2020_ferritin")

STATUS_OF_OUTCOME: Mapping[Outcome, str] = {
    Outcome.HELD: "consistent",
    Outcome.FAILED: "not_consistent",
    Outcome.UNDECIDED: "indeterminate",
}

ADULT: dict[str, Any] = {"age": 40}


@cache
def pack(name: str = "default") -> Pack:
    """A bundled pack (or ``"anemia_type"``, the example pack with a classification), loaded
    once per test session."""
    return labinterp.load_pack(CLASSIFICATION_PACK if name == "anemia_type" else name)


def adult(**values: Any) -> dict[str, Any]:
    """A panel mapping for a 40-year-old (inside every bundled pack's population)."""
    return {**ADULT, **values}


def run(panel: Mapping[str, Any], pack_name: str = "default") -> Interpretation:
    return labinterp.interpret(panel, pack=pack(pack_name))


def finding(
    panel: Mapping[str, Any], pattern_id: str, pack_name: str = "default"
) -> PatternFinding:
    return run(panel, pack_name).pattern(pattern_id)


def status(panel: Mapping[str, Any], pattern_id: str, pack_name: str = "default") -> str:
    return finding(panel, pattern_id, pack_name).status


def walk(result: CriterionResult) -> Iterator[CriterionResult]:
    """Every node of a criteria trace, root first."""
    yield result
    for child in result.children:
        yield from walk(child)


def threshold_leaves(result: CriterionResult) -> list[CriterionResult]:
    return [node for node in walk(result) if node.kind in ("threshold", "reference")]


def example_panel() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE_PANEL.read_text(encoding="utf-8"))
    return data


# A spread of panels for whole-interpretation checks (wording, determinism, JSON, traces):
# complete and sparse panels, censored values, lab reference intervals, every context shape.
SAMPLE_PANELS: dict[str, dict[str, Any]] = {
    "example": example_panel(),
    "empty": {},
    "no_age": {"ferritin": "12 ng/mL", "tsat": "9 %"},
    "child": {"age": 0.25, "hb": "9 g/dL", "ferritin": "8 ug/L", "tsat": "5 %"},
    "iron_deficiency": adult(ferritin="12 ng/mL", tsat="9 %", hb="10.2 g/dL", mcv="74 fL"),
    "inflammation": adult(
        sex="female",
        ferritin="150 ug/L",
        crp="40 mg/L",
        mcv="90 fL",
        iron="40 ug/dL",
        tibc="200 ug/dL",
        hb="10.8 g/dL",
    ),
    "lab_interval": adult(
        sex="female",
        iron={
            "value": 55,
            "unit": "ug/dL",
            "reference_interval": {"low": 60, "high": 170, "unit": "ug/dL"},
        },
        mcv="90 fL",
        tibc="200 ug/dL",
        ferritin="150 ug/L",
    ),
    "censored": adult(ferritin="<5 ng/mL", tsat="<10 %", crp="<1 mg/L", b12="<100 pg/mL"),
    "censored_grey": adult(ferritin="<50 ug/L", tsat="10 %", b12="200 ng/L"),
    "b12_grey_mma": adult(b12="250 pg/mL", mma="400 nmol/L", hcy="20 umol/L", mcv="112 fL"),
    "folate": adult(folate="2 ng/mL", hcy="18 umol/L", mcv="105 fL"),
    "male_severe": adult(sex="male", hb="7.5 g/dL"),
    "critical": adult(sex="female", pregnant=False, hb="6 g/dL"),
    "no_sex": adult(hb="12.5 g/dL"),
    "pregnant_unknown": adult(sex="female", hb="11.5 g/dL"),
    "pregnant_t2": adult(sex="female", pregnant=True, trimester=2, hb="10.7 g/dL"),
    "pregnant_no_trimester": adult(sex="female", pregnant=True, hb="10.7 g/dL"),
    "hf_functional": adult(ferritin="150 ug/L", tsat="12 %", crp="2 mg/L"),
    "who_no_crp": adult(ferritin="50 ug/L", tsat="25 %"),
    "who_inflamed": adult(ferritin="50 ug/L", tsat="25 %", crp="40 mg/L"),
    "mmol_units": adult(
        sex="male", hb="7.4 mmol/L", iron="8 umol/L", tibc="40 umol/L", b12="120 pmol/L"
    ),
}
