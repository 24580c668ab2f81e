"""The bundled teaching panels show what examples/README.md says they show."""

from __future__ import annotations

from pathlib import Path

import pytest

import labinterp

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

EXPECTED = {
    "iron_deficiency_panel.json": {"iron_deficiency": "consistent", "microcytic": "consistent"},
    "inflammation_panel.json": {
        "anemia_of_inflammation": "consistent",
        "inflammation": "consistent",
        "iron_deficiency": "not_consistent",
    },
    "b12_grey_zone_panel.json": {"b12_deficiency": "indeterminate", "macrocytic": "consistent"},
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_example_panel_shows_its_pattern(name: str, expected: dict[str, str]) -> None:
    panel = labinterp.Panel.from_json((EXAMPLES / name).read_bytes())
    statuses = labinterp.interpret(panel).statuses()
    assert {pid: statuses[pid] for pid in expected} == expected


def test_every_example_is_listed() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(EXPECTED)


def test_the_inflammation_example_uses_the_labs_own_iron_interval() -> None:
    panel = labinterp.Panel.from_json((EXAMPLES / "inflammation_panel.json").read_bytes())
    flag = labinterp.interpret(panel).flag("iron")
    assert flag is not None
    assert flag.code == "L"
    assert flag.interval_source == "the laboratory's own reference interval"
