"""Grey zones: where a cited source says the criteria cannot decide a pattern, the pattern is
indeterminate with the reason, and the trace carries every zone's result."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from _engine_helpers import adult
from hypothesis import given
from hypothesis import strategies as st

import labinterp
from labinterp import Outcome, Pack, PackError, dump_pack, load_pack
from labinterp._rules import grey_zone_outcome

KIDNEY_REASON = "test zone: with kidney disease and low TSAT, ferritin is read differently"
INFLAMMATION_REASON = "test zone: inflammation without a CRP-independent marker"

# Invented zones for the tests; not clinical claims.
CHANGES: dict[str, Any] = {
    "name": "grey_zone_test",
    "version": "1",
    "patterns": {
        "low_ferritin": {
            "label": "low ferritin (test)",
            "criteria": {"threshold": "ferritin_iron_deficiency"},
            "decisive_tests": ["ferritin"],
            "grey_zones": [
                {
                    "if": {
                        "all": [
                            {"context": {"conditions": ["chronic_kidney_disease"]}},
                            {"threshold": "tsat_iron_deficiency"},
                        ]
                    },
                    "reason": KIDNEY_REASON,
                    "decisive_tests": ["soluble transferrin receptor"],
                    "source": "kdigo_2012_anemia_ckd",
                    "confidence": "uncertain",
                }
            ],
        },
        "two_zones": {
            "label": "two zones (test)",
            "criteria": {"threshold": "ferritin_iron_deficiency"},
            "grey_zones": [
                {
                    "if": {"all": [{"pattern": "inflammation"}, {"missing": "esr"}]},
                    "reason": INFLAMMATION_REASON,
                    "source": "who_2020_ferritin",
                    "confidence": "established",
                },
                {
                    "if": {"context": {"symptoms": ["fever"]}},
                    "reason": "test zone: fever reported",
                    "decisive_tests": ["CRP"],
                    "source": "who_2020_ferritin",
                    "confidence": "established",
                },
            ],
        },
        "follows_low_ferritin": {
            "label": "follows low ferritin (test)",
            "criteria": {"pattern": "low_ferritin"},
        },
    },
}

# Panels that put the criteria (ferritin < 30 ug/L) and the kidney zone each in one state.
CRITERIA: dict[str, dict[str, Any]] = {
    "held": {"ferritin": "12 ug/L"},
    "failed": {"ferritin": "50 ug/L"},
    "undecided": {},
}
ZONE: dict[str, dict[str, Any]] = {
    "held": {"conditions": ["chronic_kidney_disease"], "tsat": "9 %"},
    "failed": {"tsat": "9 %"},  # kidney disease not reported
    "undecided": {"conditions": ["chronic_kidney_disease"]},  # TSAT not measured
}
STATUS = {"held": "consistent", "failed": "not_consistent", "undecided": "indeterminate"}


@cache
def _zoned() -> Pack:
    return labinterp.extend_pack(labinterp.default_pack(), CHANGES)


@pytest.fixture(scope="module")
def pack() -> Pack:
    return _zoned()


def _find(pack: Pack, pattern_id: str, **values: Any) -> labinterp.PatternFinding:
    return labinterp.interpret(adult(**values), pack=pack).pattern(pattern_id)


@pytest.mark.parametrize("criteria", sorted(CRITERIA))
@pytest.mark.parametrize("zone", sorted(ZONE))
def test_the_status_table(pack: Pack, criteria: str, zone: str) -> None:
    found = _find(pack, "low_ferritin", **CRITERIA[criteria], **ZONE[zone])
    expected = STATUS[criteria] if zone == "failed" else "indeterminate"
    assert found.status == expected
    # The trace keeps the criteria's own outcome and the zone's, side by side.
    assert found.criteria.outcome.value == criteria
    assert [z.outcome.value for z in found.grey_zones] == [zone]
    assert (
        labinterp.interpret(adult(**CRITERIA[criteria], **ZONE[zone]), pack=pack).statuses()[
            "low_ferritin"
        ]
        == expected
    )


def test_a_zone_that_holds_gives_its_reason_and_its_tests(pack: Pack) -> None:
    found = _find(pack, "low_ferritin", **CRITERIA["held"], **ZONE["held"])
    assert (
        found.label == f"low ferritin (test) cannot be decided from these results: {KIDNEY_REASON}"
    )
    # sTfR is a catalog analyte, so the pack's "soluble transferrin receptor" reads by its name.
    assert found.decisive_tests == ("soluble transferrin receptor (sTfR)",)
    # Nothing missing would change it: the zone holds on the results given.
    assert (found.missing_analytes, found.missing_context) == ((), ())
    zone = found.grey_zones[0]
    assert zone.outcome is Outcome.HELD
    assert zone.reason == KIDNEY_REASON
    assert zone.source_id == "kdigo_2012_anemia_ckd"
    assert zone.source.startswith("KDIGO Clinical Practice Guideline for Anemia")
    assert zone.confidence == "uncertain"


def test_a_zone_that_may_hold_names_what_would_decide_it(pack: Pack) -> None:
    found = _find(pack, "low_ferritin", **CRITERIA["held"], **ZONE["undecided"])
    assert found.label == (
        "low ferritin (test) cannot be decided without transferrin saturation "
        f"(it may fall in a grey zone: {KIDNEY_REASON})"
    )
    assert found.missing_analytes == ("transferrin_saturation",)
    # The pack also suggests ferritin, which the panel has: it is not suggested again.
    assert found.decisive_tests == (
        "transferrin saturation",
        "soluble transferrin receptor (sTfR)",
    )


def test_undecided_criteria_and_an_open_zone_name_both(pack: Pack) -> None:
    found = _find(pack, "low_ferritin", **ZONE["undecided"])
    assert found.missing_analytes == ("ferritin", "transferrin_saturation")
    assert found.label.startswith(
        "low ferritin (test) cannot be decided without ferritin and transferrin saturation"
    )


def test_a_zone_that_fails_leaves_the_criteria_to_decide(pack: Pack) -> None:
    found = _find(pack, "low_ferritin", **CRITERIA["held"], **ZONE["failed"])
    assert found.label == "consistent with low ferritin (test)"
    assert found.grey_zones[0].result.children[0].reason == (
        "conditions: chronic_kidney_disease not reported"
    )


def test_reasons_of_every_zone_that_holds_are_given(pack: Pack) -> None:
    found = _find(pack, "two_zones", ferritin="50 ug/L", crp="40 mg/L", symptoms=["fever"])
    assert found.status == "indeterminate"
    assert found.label == (
        "two zones (test) cannot be decided from these results: "
        f"{INFLAMMATION_REASON}; test zone: fever reported"
    )
    # A result the zone lacks (a 'missing' leaf that held) is among the decisive tests.
    # The zone also suggests a CRP, which the panel has (40 mg/L): not suggested again.
    assert found.decisive_tests == ("erythrocyte sedimentation rate",)


def test_a_pattern_that_refers_to_a_zoned_one_follows_its_status(pack: Pack) -> None:
    values = {**CRITERIA["held"], **ZONE["held"]}
    found = _find(pack, "follows_low_ferritin", **values)
    assert found.status == "indeterminate"
    assert found.criteria.reason == f"in a grey zone: {KIDNEY_REASON}"
    assert found.label == (
        "follows low ferritin (test) cannot be decided from these results "
        f"(in a grey zone: {KIDNEY_REASON})"
    )
    open_zone = _find(pack, "follows_low_ferritin", **CRITERIA["held"], **ZONE["undecided"])
    assert open_zone.missing_analytes == ("transferrin_saturation",)


def test_the_text_report_shows_each_zone(pack: Pack) -> None:
    result = labinterp.interpret(adult(**CRITERIA["held"], **ZONE["held"]), pack=pack)
    text = labinterp.render_text(result, width=400)
    assert (
        f"[?] low ferritin (test): cannot be decided\n      why: from these results: "
        f"{KIDNEY_REASON}\n"
    ) in text
    assert f"[+] grey zone: {KIDNEY_REASON}: holds\n" in text
    assert "source: KDIGO Clinical Practice" in text
    assert "[+] context: conditions: chronic kidney disease: holds" in text
    assert "here: conditions reported: chronic kidney disease" in text


def test_grey_zones_are_in_the_json(pack: Pack) -> None:
    data = labinterp.interpret(adult(**CRITERIA["held"], **ZONE["held"]), pack=pack).model_dump(
        mode="json"
    )
    found = next(p for p in data["patterns"] if p["id"] == "low_ferritin")
    assert found["grey_zones"][0]["reason"] == KIDNEY_REASON
    assert found["grey_zones"][0]["result"]["outcome"] == "held"


def test_packs_with_grey_zones_round_trip(pack: Pack, tmp_path: Path) -> None:
    path = tmp_path / "dumped.yaml"
    path.write_text(dump_pack(pack), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "if:" in text  # the key as a pack author writes it
    assert load_pack(path) == pack


# --- pack checks --------------------------------------------------------------------------------


def _zone_pack(zone: dict[str, Any]) -> Pack:
    return labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "z",
            "version": "1",
            "patterns": {
                "p": {
                    "label": "test",
                    "criteria": {"threshold": "ferritin_iron_deficiency"},
                    "grey_zones": [
                        {"reason": "test reason", "confidence": "verified", **zone},
                    ],
                }
            },
        },
    )


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        (
            {"if": {"threshold": "tsat_iron_deficency"}, "source": "who_2020_ferritin"},
            r"patterns\.p\.grey_zones\[0\]\.if\.threshold: unknown threshold "
            r"'tsat_iron_deficency'; did you mean 'tsat_iron_deficiency'",
        ),
        (
            {"if": {"missing": "crp"}, "source": "who_2020_feritin"},
            r"patterns\.p\.grey_zones\[0\]\.source: unknown source 'who_2020_feritin'",
        ),
        (
            {"if": {"pattern": "p"}, "source": "who_2020_ferritin"},
            r"patterns\.p: patterns refer to each other in a cycle: p -> p",
        ),
        ({"if": {"missing": "crp"}}, r"source"),  # every zone cites a source
    ],
)
def test_bad_grey_zones_are_refused(zone: dict[str, Any], words: str) -> None:
    with pytest.raises(PackError, match=words):
        _zone_pack(zone)


# --- the law: the decided status is what the trace explains -----------------------------------

_CONDITIONS = st.lists(
    st.sampled_from(["chronic_kidney_disease", "heart_failure", "malignancy"]), max_size=2
)
_VALUES = {
    "ferritin": st.sampled_from(["12 ug/L", "30 ug/L", "50 ug/L", "<40 ug/L", ">20 ug/L"]),
    "tsat": st.sampled_from(["9 %", "15 %", "30 %", "<20 %"]),
    "crp": st.sampled_from(["2 mg/L", "40 mg/L", "<10 mg/L"]),
    "esr": st.sampled_from(["10 mm/h"]),
}


@st.composite
def _panels(draw: st.DrawFn) -> dict[str, Any]:
    panel: dict[str, Any] = {"age": 40}
    for key, values in _VALUES.items():
        if draw(st.booleans()):
            panel[key] = draw(values)
    panel["conditions"] = draw(_CONDITIONS)
    panel["symptoms"] = draw(st.lists(st.sampled_from(["fever", "back_pain"]), max_size=2))
    return panel


@given(_panels())
def test_decided_status_is_what_the_trace_explains(panel: dict[str, Any]) -> None:
    result = labinterp.interpret(panel, pack=_zoned())
    decided = result.statuses()
    for found in result.patterns:
        explained = grey_zone_outcome(found.criteria.outcome, (z.outcome for z in found.grey_zones))
        assert STATUS[explained.value] == decided[found.id] == found.status
        if found.status == "indeterminate":
            assert "cannot be decided" in found.label
        else:
            assert (found.missing_analytes, found.missing_context) == ((), ())


def test_grey_zone_outcome_is_strict() -> None:
    held, failed, undecided = Outcome.HELD, Outcome.FAILED, Outcome.UNDECIDED
    assert grey_zone_outcome(held, []) is held
    assert grey_zone_outcome(failed, [failed, failed]) is failed
    assert grey_zone_outcome(held, [failed, undecided]) is undecided
    assert grey_zone_outcome(failed, [undecided, held]) is undecided
    assert grey_zone_outcome(undecided, [failed]) is undecided
