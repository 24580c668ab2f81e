"""A pregnancy outside the pack's pregnancy ages is refused (review4 #3).

Before, ``pregnant=true`` at age 8 switched the hemoglobin cut-off to the second trimester's
105 g/L and turned a consistent anemia into not consistent, without a word.
"""

from __future__ import annotations

import pytest

import labinterp
from labinterp import PanelError, interpret

CHILD_IN_PREGNANCY = {"hb": "10.8 g/dL", "sex": "female", "pregnant": True, "trimester": 2}


@pytest.mark.parametrize("age", [2, 8, 9.9, 55.5, 90])
def test_pregnancy_outside_the_pack_ages_is_refused(age: float) -> None:
    with pytest.raises(PanelError) as caught:
        interpret({**CHILD_IN_PREGNANCY, "age": age})
    message = str(caught.value)
    assert caught.value.field == "pregnant"
    assert f"age {age:g} years" in message
    assert "'default'" in message
    assert "10 to 55 years" in message


def test_pregnancy_without_trimester_is_refused_too() -> None:
    with pytest.raises(PanelError, match="pregnant=true at age 90"):
        interpret({"hb": "10.8 g/dL", "sex": "female", "pregnant": True, "age": 90})


@pytest.mark.parametrize("age", [10, 30, 55])
def test_pregnancy_inside_the_pack_ages_is_read(age: float) -> None:
    found = interpret({**CHILD_IN_PREGNANCY, "age": age})
    assert found.panel.pregnant is True


@pytest.mark.parametrize("pregnant", [False, None])
def test_not_pregnant_at_any_age_is_read(pregnant: bool | None) -> None:
    panel = {"hb": "10.8 g/dL", "sex": "female", "age": 8, "pregnant": pregnant}
    assert interpret(panel).status("anemia") == "consistent"


def test_pregnancy_without_age_is_read() -> None:
    found = interpret(CHILD_IN_PREGNANCY)
    assert found.panel.age is None


def test_the_frame_marks_the_row_invalid_with_the_same_reason() -> None:
    pd = pytest.importorskip(
        "pandas", reason="interpret_frame needs the frame extra: pip install -e '.[frame]'"
    )
    rows = [{**CHILD_IN_PREGNANCY, "age": age} for age in (8, 30, 90)]
    result = labinterp.interpret_frame(pd.DataFrame(rows))
    invalid = list(result.frame["invalid"])
    for row, reason in zip(rows, invalid, strict=True):
        if row["age"] == 30:
            assert reason is None
            continue
        with pytest.raises(PanelError) as caught:
            interpret(row)
        assert reason == str(caught.value)
    assert result.invalid_count == 2
