"""Messages for panel input read from text: JSON words, not Python's (review4 #17 ...)."""

from __future__ import annotations

import pytest

from labinterp import Panel
from labinterp._errors import InvalidValueError


@pytest.mark.parametrize("raw", [float("nan"), float("inf")])
def test_nan_asks_for_null_not_a_unit(raw: float) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"ferritin": raw})
    message = str(caught.value)
    assert "give null" in message
    assert "ug/L" not in message
    assert caught.value.suggestion == "null"


def test_a_boolean_result_is_echoed_in_json_words() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Panel.from_mapping({"ferritin": True})
    assert "cannot read true as a measurement" in str(caught.value)
