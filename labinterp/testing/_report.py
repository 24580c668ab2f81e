"""What :func:`labinterp.testing.check_pack` reports: one :class:`PropertyResult` per property,
gathered in a :class:`PackReport` that prints, and fails a test, with the smallest panel found."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROPERTIES = (
    "valid",
    "reachable contexts",
    "edge exactness",
    "cut-off scale",
    "monotonicity",
    "unit invariance",
    "three-valued soundness",
    "determinism",
)


@dataclass(frozen=True)
class PropertyResult:
    """One property's verdict: ``failures`` name the threshold or pattern at fault;
    ``counterexample`` is the smallest panel found that breaks it (None when passed);
    ``skipped`` says it was not run (the pack is not valid), so its "passed" means nothing."""

    name: str
    checked: int = 0
    failures: tuple[str, ...] = ()
    counterexample: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()
    skipped: bool = False

    @property
    def passed(self) -> bool:
        return not self.failures

    def panel_json(self) -> str | None:
        """The counterexample as panel JSON (``labinterp interpret --pack PACK -`` reads it)."""
        if self.counterexample is None:
            return None
        return json.dumps(self.counterexample, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PackReport:
    """What :func:`check_pack` found, one :class:`PropertyResult` per property."""

    pack: str
    results: tuple[PropertyResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> PropertyResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no property {name!r}; the properties are {', '.join(PROPERTIES)}")

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(f"{r.name}: {f}" for r in self.results for f in r.failures)

    def __str__(self) -> str:
        lines = [f"check_pack({self.pack}): {'passed' if self.passed else 'FAILED'}"]
        for r in self.results:
            if r.skipped:
                lines.append(f"  skip {r.name}")
            else:
                lines.append(f"  {'ok  ' if r.passed else 'FAIL'} {r.name} ({r.checked} checked)")
            lines += [f"       {f}" for f in r.failures[:10]]
            if len(r.failures) > 10:
                lines.append(f"       ... and {len(r.failures) - 10} more")
            shown = r.panel_json()
            if shown is not None:
                lines.append(f"       panel (labinterp interpret --pack PACK -): {shown}")
            lines += [f"       note: {n}" for n in r.notes]
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise AssertionError with the whole report when any property failed."""
        if not self.passed:
            raise AssertionError(str(self))
