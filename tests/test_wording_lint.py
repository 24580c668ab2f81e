"""Wording lint: no rendering diagnoses or prescribes, every one carries the disclaimer, and
an alert that holds comes first.

Worked cases: the example panels (every format, audience and mode) and the panels of
tests/test_engine_cases.py. The engine cases are many (over 500 distinct panels); each is
rendered in every format and audience for a deterministic fifth of them, and in brief text
for all, so the lint runs in seconds on a shared machine.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from _engine_helpers import pack
from test_engine_cases import CASES

import labinterp
from labinterp import Interpretation
from labinterp.render import render

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FORMATS = ("text", "markdown", "html")
AUDIENCES = ("learner", "clinician")
#: Diagnostic or prescriptive phrasing; a rendering may quote none of it (source titles aside).
FORBIDDEN = re.compile(
    r"\byou have\b|\bdiagnosis of\b|\bdiagnosed\b|\btake\s|\bdoses?\b|\btreat with\b|"
    r"\bprescrib",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    """The words of a rendering in any format: markup and escapes removed, spaces joined."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = unescape(text).replace("\\", "")
    return " ".join(text.split())


@cache
def _citations(pack_name: str) -> tuple[str, ...]:
    # Longest first, so that a title inside another title is removed with it.
    titles = {s.citation() for s in pack(pack_name).sources.values()}
    return tuple(sorted(titles, key=len, reverse=True))


def _lint(text: str, result: Interpretation, pack_name: str, where: str) -> None:
    plain = _plain(text)
    assert " ".join(result.disclaimer.split()) in plain, f"{where}: no disclaimer"
    for title in _citations(pack_name):
        plain = plain.replace(title, "")  # "... for the diagnosis of anaemia" is a title
    found = FORBIDDEN.search(plain)
    if found is not None:
        around = plain[max(found.start() - 80, 0) : found.end() + 40]
        raise AssertionError(f"{where}: {found.group()!r} in ...{around}")
    if result.alerts:
        first_heading = "ALERT" if not text.startswith("<") else 'role="alert"'
        assert text.index(first_heading) < text.index("Context used"), f"{where}: alert not first"


def _examples() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.stem, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(EXAMPLES.glob("*.json"))
    ]


@pytest.mark.parametrize(("name", "panel"), _examples(), ids=[n for n, _ in _examples()])
@pytest.mark.parametrize("pack_name", labinterp.bundled_pack_names())
def test_every_rendering_of_the_examples_reads_as_education(
    name: str, panel: dict[str, Any], pack_name: str
) -> None:
    result = labinterp.interpret(panel, pack=pack(pack_name))
    for fmt in FORMATS:
        for audience in AUDIENCES:
            for brief in (False, True):
                text = render(result, format=fmt, audience=audience, brief=brief)  # type: ignore[arg-type]
                _lint(text, result, pack_name, f"{name}@{pack_name} {fmt}/{audience}/{brief}")


def _case_runs() -> list[tuple[str, str, dict[str, Any]]]:
    seen: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for case in CASES:
        key = json.dumps([case.pack, case.panel], sort_keys=True, default=str)
        seen.setdefault(key, (case.id, case.pack, case.panel))
    return list(seen.values())


RUNS = _case_runs()


def test_the_engine_cases_are_many_distinct_panels() -> None:
    assert len(RUNS) > 400  # the lint below covers them, not a handful


@pytest.mark.parametrize("chunk", range(4))
def test_every_engine_case_reads_as_education(chunk: int) -> None:
    for index, (case_id, pack_name, panel) in enumerate(RUNS):
        if index % 4 != chunk:
            continue
        result = labinterp.interpret(panel, pack=pack(pack_name))
        where = f"{case_id}@{pack_name}"
        _lint(render(result, brief=True, audience="learner"), result, pack_name, where)
        if index % 5 == 0:
            for fmt in FORMATS:
                for audience in AUDIENCES:
                    text = render(result, format=fmt, audience=audience)  # type: ignore[arg-type]
                    _lint(text, result, pack_name, f"{where} {fmt}/{audience}")


def test_an_alert_that_holds_comes_before_everything_else() -> None:
    panel = {"age": 50, "sex": "male", "symptoms": ["back_pain", "fever"], "hb": "9 g/dL"}
    result = labinterp.interpret(panel)
    assert result.alerts
    for fmt in FORMATS:
        text = render(result, format=fmt)  # type: ignore[arg-type]
        _lint(text, result, "default", fmt)


def test_the_lint_catches_prescriptive_wording() -> None:
    # The lint itself: a rendering that prescribed would fail it.
    result = labinterp.interpret({"ferritin": "12 ng/mL"})
    bad = render(result) + "\nTake iron tablets at a dose of 65 mg.\n"
    with pytest.raises(AssertionError, match="Take"):
        _lint(bad, result, "default", "planted")
