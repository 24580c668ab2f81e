"""``not_covered`` on thresholds: where a source gives no cut-off, the threshold is undecided
with the source's reason, and an unknown context that may be such a one is named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _engine_helpers import adult, pack

import labinterp
from labinterp import Outcome, PackError

WHO = "who_2020_ferritin"
T3_FERRITIN_20 = adult(sex="female", pregnant=True, trimester=3, ferritin="20 ug/L")


def _iron(panel: dict[str, Any]) -> labinterp.PatternFinding:
    return labinterp.interpret(panel, pack=pack(WHO)).pattern("iron_deficiency")


def test_third_trimester_ferritin_20_is_indeterminate_with_the_reason() -> None:
    # Issue 7: the WHO pack used to say "not consistent" here, for a group WHO does not cover.
    found = _iron(T3_FERRITIN_20)
    assert found.status == "indeterminate"
    reason = (
        "not covered for pregnant, trimester 2/3: WHO 2020 gives a ferritin cut-off in "
        "pregnancy for the first trimester only (15 ug/L) and none for the second and third "
        "trimesters (WHO guideline on use of ferritin concentrations to assess iron status in "
        "individuals and populations (2020))"
    )
    assert found.label == (
        "iron deficiency cannot be decided from these results "
        f"(ferritin (cut-off chosen by context): {reason})"
    )
    assert found.criteria.reason == reason
    assert [gap.source_id for gap in found.criteria.not_covered] == ["who_2020_ferritin"]
    # No result would decide it, so none is suggested, and nothing is "missing".
    assert (found.missing_analytes, found.missing_context, found.decisive_tests) == ((), (), ())
    # Measured CRP does not change that.
    assert _iron({**T3_FERRITIN_20, "crp": "2 mg/L"}).status == "indeterminate"


@pytest.mark.parametrize(
    ("context", "expected", "missing"),
    [
        ({"sex": "female", "pregnant": True, "trimester": 2}, "indeterminate", ()),
        ({"sex": "female", "pregnant": True, "trimester": 1}, "consistent", ()),
        ({"sex": "female", "pregnant": True}, "indeterminate", ("trimester",)),
        ({"sex": "female"}, "indeterminate", ("pregnant", "trimester")),
        ({}, "indeterminate", ("pregnant", "trimester")),
        ({"sex": "female", "pregnant": False}, "consistent", ()),
        ({"sex": "male"}, "consistent", ()),
    ],
)
def test_the_context_that_would_decide_is_named(
    context: dict[str, Any], expected: str, missing: tuple[str, ...]
) -> None:
    found = _iron(adult(ferritin="10 ug/L", crp="2 mg/L", **context))
    assert found.status == expected
    assert found.missing_context == missing
    if missing:
        assert found.criteria.reason is not None
        assert found.criteria.reason.endswith(
            "trimesters (WHO guideline on use of ferritin "
            "concentrations to assess iron status in "
            "individuals and populations (2020)), which may "
            "apply"
        )


def test_the_threshold_outcome_of_a_covered_patient_is_unchanged() -> None:
    found = _iron(adult(sex="female", pregnant=False, ferritin="20 ug/L", crp="2 mg/L"))
    assert found.status == "not_consistent"
    assert found.criteria.outcome is Outcome.FAILED
    assert found.criteria.not_covered == ()
    assert found.criteria.margin is not None  # an ordinary decided leaf keeps its margin


def test_not_covered_is_in_the_json_and_the_text_report() -> None:
    result = labinterp.interpret(T3_FERRITIN_20, pack=pack(WHO))
    data = json.loads(result.to_json())
    iron = next(p for p in data["patterns"] if p["id"] == "iron_deficiency")
    gap = data["not_covered"][iron["criteria"]["not_covered"][0]]  # written once, by id
    assert gap["applies_to"] == "pregnant, trimester 2/3"
    assert gap["when"] == {"pregnant": True, "trimester": [2, 3]}
    assert gap["source"] in data["sources"]
    text = labinterp.render_text(result, width=400)
    assert "not covered for pregnant, trimester 2/3: WHO 2020 gives" in text
    lines = text.splitlines()
    # The summary's item for iron deficiency: why it is undecided, and no test to suggest,
    # since no result would decide it for this patient.
    start = lines.index("  [?] iron deficiency: cannot be decided")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  ["))
    block = lines[start:end]
    assert any("ferritin (cut-off chosen by context)" in line for line in block)
    assert not any("what to test next" in line for line in block)


def _with_gap(gap: dict[str, Any], covered: dict[str, Any] | None = None) -> labinterp.Pack:
    """The default pack with a ferritin threshold whose one cut-off applies in ``covered``
    (everyone when None) and is not covered for ``gap``."""
    cutoff = {"comparator": "<", "value": 30, "unit": "ug/L"}
    if covered is not None:
        cutoff["when"] = covered
    return labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "gap",
            "version": "1",
            "thresholds": {
                "ferritin_iron_deficiency": {
                    "analyte": "ferritin",
                    "source": "seed_backache_anemia",
                    "confidence": "verified",
                    "cutoffs": [cutoff],
                    "not_covered": [gap],
                }
            },
        },
    )


def test_a_gap_on_inflammation_waits_for_the_inflammation_pattern() -> None:
    gapped = _with_gap(
        {"when": {"inflammation": True}, "reason": "test: not with inflammation"},
        covered={"inflammation": False},
    )
    panel = adult(ferritin="12 ug/L", tsat="9 %")
    inflamed = labinterp.interpret({**panel, "crp": "40 mg/L"}, pack=gapped)
    assert inflamed.status("iron_deficiency") == "indeterminate"
    calm = labinterp.interpret({**panel, "crp": "1 mg/L"}, pack=gapped)
    assert calm.status("iron_deficiency") == "consistent"
    unknown = labinterp.interpret(panel, pack=gapped).pattern("iron_deficiency")
    assert unknown.status == "indeterminate"
    assert unknown.missing_analytes == ("crp",)  # CRP decides whether the gap applies


def test_a_gap_on_reported_context_is_two_valued() -> None:
    gapped = _with_gap(
        {"when": {"conditions": ["chronic_kidney_disease"]}, "reason": "test: not with CKD"},
        covered={"unless": {"conditions": ["chronic_kidney_disease"]}},
    )
    panel = adult(ferritin="12 ug/L", tsat="9 %")
    assert labinterp.interpret(panel, pack=gapped).status("iron_deficiency") == "consistent"
    ckd = labinterp.interpret({**panel, "conditions": ["chronic_kidney_disease"]}, pack=gapped)
    assert ckd.status("iron_deficiency") == "indeterminate"


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        ({"when": {}, "reason": "everyone"}, "give the context that is not covered"),
        (
            {"when": {"sex": "male"}, "reason": "test", "source": "who_2020_feritin"},
            r"thresholds\.ferritin_iron_deficiency\.not_covered\[0\]\.source: unknown source",
        ),
        ({"when": {"sex": "male"}}, "reason"),
    ],
)
def test_bad_gaps_are_refused(gap: dict[str, Any], words: str) -> None:
    with pytest.raises(PackError, match=words):
        _with_gap(gap)


def test_a_gap_on_inflammation_needs_an_inflammation_pattern() -> None:
    with pytest.raises(PackError, match=r"not_covered\[0\]\.when\.inflammation"):
        labinterp.extend_pack(
            _with_gap(
                {"when": {"inflammation": True}, "reason": "test"},
                covered={"inflammation": False},
            ),
            {"name": "g2", "version": "1", "inflammation_pattern": None},
        )
