"""A pack written for people with a condition (heart failure) says so when a panel does not
report it, and is silent when it does."""

from __future__ import annotations

import pytest

from labinterp import PackError, interpret, load_pack
from labinterp._pack_models import Population

PANEL = {"ferritin": "99 ng/mL", "tsat": "25 %", "age": 60, "sex": "male"}


def test_the_heart_failure_pack_lists_its_caveat_when_heart_failure_is_not_reported() -> None:
    result = interpret(PANEL, pack="heart_failure_esc_2021")
    caveats = [a for a in result.assumptions if "written for people with heart failure" in a]
    assert len(caveats) == 1
    # Interpreted all the same: the caller chose the pack.
    assert result.status("iron_deficiency") == "consistent"


def test_no_caveat_when_the_panel_reports_the_condition() -> None:
    result = interpret({**PANEL, "conditions": ["heart_failure"]}, pack="heart_failure_esc_2021")
    assert not any("written for people with" in a for a in result.assumptions)


def test_the_default_pack_is_written_for_no_condition() -> None:
    assert load_pack("default").population.written_for is None
    assert not any("written for people with" in a for a in interpret(PANEL).assumptions)


def test_an_unknown_condition_is_refused_with_its_key_path() -> None:
    with pytest.raises(PackError, match="written_for"):
        Population.model_validate({"description": "adults", "written_for": ["heart_trouble"]})
