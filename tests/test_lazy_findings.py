"""Findings are built one at a time, on demand: a view builds the traces it shows and no more.

``render(result, brief=True)`` and the default view (no reasoning) explain the consistent and
undecided patterns, and only name the ones not supported; ``Interpretation.pattern(id)``
builds that one finding. Whatever the order of building, the findings, the flags, the JSON
document and every rendering are those of an interpretation built all at once.
"""

from __future__ import annotations

import json
import pickle
import threading
from typing import Any

import pytest
from _engine_helpers import PACK_NAMES, REPO_ROOT, pack

import labinterp
from labinterp import Interpretation, PatternFinding, UnknownPatternError, _engine
from labinterp._findings import pattern_headings
from labinterp.render import render

#: The README's panel: iron deficiency consistent, most of the pack's patterns not supported.
README_PANEL: dict[str, Any] = {
    "ferritin": "12 ng/mL",
    "tsat": "9 %",
    "b12": {"value": 180, "unit": "pg/mL"},
    "hemoglobin": "<7 g/dL",
    "sex": "female",
    "age": 34,
    "pregnant": False,
}
EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.json"))


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The id of every finding the engine builds while the test runs, in order."""
    ids: list[str] = []
    original = _engine._finding

    def recording(cp: Any, trace: Any, supporting: Any, given: Any) -> PatternFinding:
        ids.append(cp.id)
        return original(cp, trace, supporting, given)

    monkeypatch.setattr(_engine, "_finding", recording)
    return ids


def _only_named(result: Interpretation) -> set[str]:
    """Patterns a summary names without explaining: not supported, not a class of a
    classification, not an alert and not referred to by any other pattern's criteria."""
    full = labinterp.interpret(result.panel)
    referred = {
        leaf.rule.removeprefix("pattern ")
        for f in full.patterns
        for leaf in (f.criteria, *(z.result for z in f.grey_zones))
        for leaf in leaf.leaves()
        if leaf.kind == "pattern"
    }
    return {
        f.id
        for f in full.patterns
        if f.status == "not_consistent"
        and f.kind == "pattern"
        and f.classification is None
        and f.id not in referred
    }


@pytest.mark.parametrize("mode", [{"brief": True}, {}], ids=["brief", "default"])
def test_a_summary_builds_no_trace_for_a_pattern_it_only_names(
    built: list[str], mode: dict[str, bool]
) -> None:
    result = labinterp.interpret(README_PANEL)
    only_named = _only_named(result)
    built.clear()
    assert len(only_named) >= 5  # the README panel leaves many patterns not supported
    text = render(result, **mode)  # type: ignore[arg-type]
    assert built, "the consistent patterns are explained"
    assert not only_named & set(built)
    assert len(set(built)) < len(result.statuses())
    words = " ".join(text.split())  # the text wraps lines
    for pattern_id in only_named:  # still named, as "not supported by these results"
        assert result.pattern(pattern_id).name in words


def test_the_full_reasoning_builds_every_finding_once(built: list[str]) -> None:
    result = labinterp.interpret(README_PANEL)
    render(result, reasoning=True)
    assert sorted(built) == sorted(result.statuses())


def test_pattern_builds_that_finding_alone_and_patterns_reuses_it(built: list[str]) -> None:
    result = labinterp.interpret(README_PANEL)
    first = result.pattern("iron_deficiency")
    assert built == ["iron_deficiency"]
    assert result.pattern("iron_deficiency") is first  # built once
    everything = result.patterns
    assert everything[list(result.statuses()).index("iron_deficiency")] is first
    assert sorted(built) == sorted(result.statuses())  # each finding built exactly once


def test_an_unknown_pattern_on_a_fresh_interpretation_builds_nothing(built: list[str]) -> None:
    result = labinterp.interpret(README_PANEL)
    with pytest.raises(UnknownPatternError, match="did you mean 'iron_deficiency'"):
        result.pattern("iron_deficency")
    with pytest.raises(UnknownPatternError, match="pattern id is text"):
        result.pattern(7)  # type: ignore[arg-type]
    assert built == []


def _panels() -> list[tuple[str, dict[str, Any]]]:
    named = [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in EXAMPLES]
    return [("readme", README_PANEL), *named]


@pytest.mark.parametrize("pack_name", PACK_NAMES)
@pytest.mark.parametrize(("name", "panel"), _panels(), ids=[n for n, _ in _panels()])
def test_findings_built_one_at_a_time_equal_those_built_at_once(
    name: str, panel: dict[str, Any], pack_name: str
) -> None:
    at_once = labinterp.interpret(panel, pack=pack(pack_name))
    expected = at_once.patterns
    one_by_one = labinterp.interpret(panel, pack=pack(pack_name))
    brief = render(one_by_one, brief=True)
    ids = list(one_by_one.statuses())
    singles = {i: one_by_one.pattern(i) for i in reversed(ids)}
    assert one_by_one.flags == at_once.flags
    assert one_by_one.classifications == at_once.classifications
    assert one_by_one.alerts == at_once.alerts
    assert tuple(singles[i] for i in ids) == expected
    assert one_by_one.to_json() == at_once.to_json()
    assert one_by_one == at_once
    assert brief == render(at_once, brief=True)
    assert pattern_headings(one_by_one) == pattern_headings(at_once)


def test_a_partly_built_interpretation_pickles_and_reads_back_equal() -> None:
    result = labinterp.interpret(README_PANEL)
    result.pattern("iron_deficiency")
    assert pickle.loads(pickle.dumps(result)) == result
    copy = Interpretation.from_json(result.to_json())
    assert copy == result
    assert pattern_headings(copy) == pattern_headings(result)
    assert render(copy, brief=True) == render(result, brief=True)


def test_threads_building_the_same_findings_all_get_the_same_objects() -> None:
    result = labinterp.interpret(README_PANEL)
    ids = list(result.statuses())
    start = threading.Barrier(8)
    seen: list[tuple[PatternFinding, ...]] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        order = ids[offset:] + ids[:offset]  # each thread starts on a different pattern
        start.wait()
        found = {i: result.pattern(i) for i in order}
        with lock:
            seen.append(tuple(found[i] for i in ids))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 8
    for findings in seen:
        assert all(a is b for a, b in zip(findings, seen[0], strict=True))
    assert seen[0] == labinterp.interpret(README_PANEL).patterns
