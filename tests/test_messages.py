"""The message catalog: English by default, translatable by subclassing, numbers per locale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from labinterp._messages import ENGLISH, Messages


class _French(Messages):
    translations: ClassVar[Mapping[str, str]] = {
        "consistent with {name}": "compatible avec {name}",
        "{name}: not supported by these results": "{name} : non soutenu par ces résultats",
    }
    decimal_separator: ClassVar[str] = ","


def test_english_is_the_message_id_itself() -> None:
    assert ENGLISH.gettext("holds") == "holds"
    assert ENGLISH.consistent_with("iron deficiency") == "consistent with iron deficiency"
    assert ENGLISH.not_supported("iron deficiency") == (
        "iron deficiency: not supported by these results"
    )
    assert ENGLISH.cannot_be_decided("anemia", "without the trimester") == (
        "anemia cannot be decided without the trimester"
    )


def test_a_subclass_translates_without_a_global_install() -> None:
    french = _French()
    assert french.consistent_with("carence") == "compatible avec carence"
    assert french.not_supported("carence") == "carence : non soutenu par ces résultats"
    # An id without a translation falls back to English, and English is unchanged.
    assert french.cannot_be_decided("x", "y") == "x cannot be decided y"
    assert ENGLISH.consistent_with("carence") == "consistent with carence"


def test_numbers_follow_the_catalogs_decimal_separator() -> None:
    assert ENGLISH.number(10.2) == "10.2"
    assert _French().number(10.2) == "10,2"
    assert _French().number(450.00000000000006) == "450"
    assert _French().number(0.123456, 2) == "0,12"


def test_lists_read_as_sentences() -> None:
    assert ENGLISH.join_and(["a"]) == "a"
    assert ENGLISH.join_and(["a", "b", "c"]) == "a, b and c"
    assert ENGLISH.join_or(["a", "b"]) == "a or b"
