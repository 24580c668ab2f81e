"""The worked-case table of the engine tests: a row names a panel, a pack, a pattern and the
status it must have. The rows live in tests/test_engine_cases_*.py, one file a clinical topic;
tests/test_engine_cases.py checks the table as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from _engine_helpers import PACK_NAMES, finding

from labinterp import convert


@dataclass(frozen=True)
class Case:
    id: str
    panel: dict[str, Any]
    pattern: str
    status: str
    pack: str = "default"
    # Exact missing analytes (ids) for an indeterminate finding, when given.
    missing_analytes: tuple[str, ...] | None = None
    # Context keys that must be among those named as missing, when given.
    missing_context: tuple[str, ...] = ()
    # Text the label must contain, when given.
    label_has: tuple[str, ...] = field(default=())


def mm(value: float, from_unit: str, to_unit: str, analyte: str) -> dict[str, Any]:
    """``value`` re-expressed in ``to_unit`` (computed, full precision) as a panel entry."""
    return {"value": convert(value, from_unit, to_unit, analyte=analyte), "unit": to_unit}


def in_every_pack(shared: list[Case]) -> list[Case]:
    """Rows of patterns every bundled pack has, once per pack (ids get ``@pack`` but for the
    default pack's)."""
    rows = []
    for name in PACK_NAMES:
        for case in shared:
            suffix = "" if name == "default" else f"@{name}"
            rows.append(
                Case(
                    case.id + suffix,
                    case.panel,
                    case.pattern,
                    case.status,
                    name,
                    case.missing_analytes,
                    case.missing_context,
                    case.label_has,
                )
            )
    return rows


def check_case(case: Case) -> None:
    """The row's pattern has its status; an indeterminate one names what is missing, a
    decided one names nothing."""
    found = finding(case.panel, case.pattern, case.pack)
    assert found.status == case.status, (found.label, found.criteria)
    if case.status == "indeterminate":
        if case.missing_analytes is not None:
            assert found.missing_analytes == case.missing_analytes, found.label
        for key in case.missing_context:
            assert key in found.missing_context, found.label
        assert "cannot be decided" in found.label
    else:
        # A decided finding names nothing as missing.
        assert found.missing_analytes == ()
        assert found.missing_context == ()
        assert found.decisive_tests == ()
    for text in case.label_has:
        assert text in found.label
