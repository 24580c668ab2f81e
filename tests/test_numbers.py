"""Display numbers: the precision a result was reported with, and no float noise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labinterp._numbers import (
    MAX_FIGURES,
    format_number,
    round_figures,
    significant_figures,
    tidy,
)


@pytest.mark.parametrize(
    ("value", "figures"),
    [(10.2, 3), (120.0, 2), (0.05, 1), (7.0, 1), (1.25, 3), (0.0, 1), (1e-7, 1), (2.5e-8, 2)],
)
def test_significant_figures_of_reported_numbers(value: float, figures: int) -> None:
    assert significant_figures(value) == figures


@pytest.mark.parametrize(
    ("noisy", "shown"),
    [
        (102.00000000000001, "102"),
        (450.00000000000006, "450"),
        (179.99999999996646, "180"),
        (0.1 + 0.2, "0.3"),
        (-1.8, "-1.8"),
        (1e-7, "0.0000001"),
        (12.0, "12"),
    ],
)
def test_format_number_drops_binary_noise(noisy: float, shown: str) -> None:
    assert format_number(noisy) == shown


def test_format_number_rounds_to_the_figures_asked() -> None:
    assert format_number(102.04, 3) == "102"
    assert format_number(12345678.0, 3) == "12300000"
    assert format_number(0.012345, 2) == "0.012"


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False))
def test_round_figures_stays_within_half_a_unit_of_the_last_figure(x: float) -> None:
    for figures in range(1, MAX_FIGURES + 1):
        rounded = round_figures(x, figures)
        unit = 10 ** (math.floor(math.log10(x)) - figures + 1)
        assert abs(rounded - x) <= unit / 2 * (1 + 1e-9)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_tidy_is_close_and_idempotent(x: float) -> None:
    assert math.isclose(tidy(x), x, rel_tol=1e-11, abs_tol=1e-300)
    assert tidy(tidy(x)) == tidy(x)


@given(st.decimals(min_value=-1e6, max_value=1e6, places=3, allow_nan=False, allow_infinity=False))
def test_format_number_reads_back_as_the_same_number(d: object) -> None:
    x = float(str(d))
    assert math.isclose(float(format_number(x)), x, rel_tol=1e-11, abs_tol=1e-12)
