"""Every input is answered in bounded time and memory (issue 6, hangs).

These are the only timed tests. Each limit is generous (seconds for what now takes
milliseconds) and each input took minutes or hours before the fix: 40 000 spaces then "x"
took 38 s in the old result-text regular expression, and it grew with the square of the length.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

import labinterp
from labinterp import LabinterpError, Measurement, Panel, convert, normalize_unit
from labinterp._report_text import MAX_RESULT_TEXT, _scan
from labinterp._units import _SPELLINGS, MAX_UNIT_TEXT

MEGABYTE = 1_000_000
LIMIT_SECONDS = 2.0
BLANKS = " " * MEGABYTE + "x"


def _refused_quickly(call: Callable[[], object]) -> LabinterpError:
    start = time.perf_counter()
    with pytest.raises(LabinterpError) as info:
        call()
    assert time.perf_counter() - start < LIMIT_SECONDS
    # The message repeats a shortened input, never the megabyte.
    assert len(str(info.value)) < 1000
    return info.value


HUGE_INPUTS: dict[str, Callable[[], object]] = {
    "report text of blanks": lambda: Panel.from_mapping({"ferritin": BLANKS}),
    "report text with a comparator": lambda: Measurement.parse("ferritin", "<" + BLANKS),
    "report text with a comma": lambda: Panel.from_mapping({"ferritin": BLANKS + "1,5"}),
    "a value field": lambda: Panel.from_mapping({"ferritin": {"value": BLANKS, "unit": "ug/L"}}),
    "a unit field": lambda: Panel.from_mapping({"ferritin": {"value": 1, "unit": BLANKS}}),
    "a unit in report text": lambda: Panel.from_mapping({"ferritin": "12 " + "l" * MEGABYTE}),
    "a lab interval unit": lambda: Panel.from_mapping(
        {"ferritin": {"value": 1, "unit": "ug/L", "reference_interval": {"low": 1, "unit": BLANKS}}}
    ),
    "a panel key": lambda: Panel.from_mapping({"a" * MEGABYTE: "12 ug/L"}),
    "a JSON document": lambda: Panel.from_json('{"ferritin": "' + " " * MEGABYTE + 'x"}'),
    "convert's unit": lambda: convert(1, BLANKS, "ug/L"),
    "convert's unit, with an analyte": lambda: convert(
        1, "/" + "l" * MEGABYTE, "ug/L", analyte="fe"
    ),
    "convert's analyte": lambda: convert(1, "ug/L", "ug/L", analyte=BLANKS),
    "normalize_unit": lambda: normalize_unit("/" + "l" * MEGABYTE),
    "a pattern id": lambda: labinterp.interpret({"ferritin": "12 ug/L"}).status("a" * MEGABYTE),
}


@pytest.mark.parametrize("call", HUGE_INPUTS.values(), ids=list(HUGE_INPUTS))
def test_a_megabyte_of_input_is_refused_quickly(call: Callable[[], object]) -> None:
    _refused_quickly(call)


def test_the_length_limits_are_stated_in_the_error() -> None:
    text_error = _refused_quickly(lambda: Panel.from_mapping({"ferritin": BLANKS}))
    assert f"at most {MAX_RESULT_TEXT}" in str(text_error)
    unit_error = _refused_quickly(lambda: normalize_unit("u" * (MAX_UNIT_TEXT + 1)))
    assert f"at most {MAX_UNIT_TEXT}" in str(unit_error)


def test_text_within_the_limits_is_still_read() -> None:
    padded = " " * (MAX_RESULT_TEXT - len("12 ng/mL") - 10) + "12 ng/mL"
    m = Measurement.parse("ferritin", padded)
    assert (m.value, m.unit) == (12.0, "ng/mL")
    assert normalize_unit(" " * (MAX_UNIT_TEXT - 5) + "ng/mL") == "ng/mL"


def test_the_scanner_is_linear_even_without_the_length_limit() -> None:
    # The limit hides the old quadratic regular expression from the public API; scanning a
    # megabyte directly shows that the scanner itself would not hang.
    start = time.perf_counter()
    assert _scan(BLANKS) is None
    assert _scan("<" + " " * MEGABYTE + "5 " + " " * MEGABYTE + "ug/L") is not None
    assert time.perf_counter() - start < LIMIT_SECONDS


def test_refused_unit_spellings_are_not_kept() -> None:
    # 300 refused spellings of 1 MB once stayed in the unit cache: 300 MB kept for nothing.
    ferritin = labinterp.ANALYTES["ferritin"]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(100):
            long_spelling = chr(ord("a") + n % 26) * 100_000 + str(n)  # 10 MB in all
            with pytest.raises(labinterp.UnknownUnitError):
                normalize_unit(long_spelling)
            with pytest.raises(labinterp.UnknownUnitError):
                ferritin.resolve_unit(long_spelling)
            with pytest.raises(labinterp.UnknownUnitError):
                normalize_unit(f"junk{n}")
            del long_spelling
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 1_000_000
    assert not any(key.startswith("junk") for key in _SPELLINGS)
