"""Alerts (a pattern kind): back pain with a red-flag symptom, whatever the labs say, shown
first; and the pack's pregnancy ages, so that an 88-year-old is not asked about pregnancy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _engine_helpers import adult

import labinterp
from labinterp import Pack, PackError
from labinterp._cli import main

RED_FLAGS = [
    "loss_of_bladder_control",
    "loss_of_bowel_control",
    "saddle_numbness",
    "limb_numbness",
    "one_sided_weakness",
    "progressive_weakness",
    "fever",
    "unexplained_weight_loss",
    "night_pain",
    "recent_trauma",
]
# A small test pack: the content of the bundled alert is the pack authors' business.
ALERT_PACK: dict[str, Any] = {
    "name": "alert_test",
    "version": "1",
    "patterns": {
        "back_pain_red_flags": {
            "label": "back pain with a red-flag symptom",
            "kind": "alert",
            "sources": ["seed_backache_anemia"],
            "description": "Back pain with a red-flag symptom (test wording).",
            "criteria": {
                "all": [
                    {"context": {"symptoms": ["back_pain"]}},
                    {"context": {"symptoms": RED_FLAGS}},
                ]
            },
        },
        "low_hb": {
            "label": "hemoglobin below its interval (test)",
            "kind": "alert",
            "sources": ["seed_backache_anemia"],
            "criteria": {
                "reference": {"analyte": "hemoglobin", "position": "below"},
            },
        },
    },
}


@pytest.fixture(scope="module")
def pack() -> Pack:
    return labinterp.extend_pack(labinterp.default_pack(), ALERT_PACK)


@pytest.mark.parametrize("flag", RED_FLAGS)
def test_back_pain_with_any_red_flag_alerts_whatever_the_labs(pack: Pack, flag: str) -> None:
    for labs in ({}, {"hb": "14 g/dL", "ferritin": "80 ug/L"}):
        result = labinterp.interpret(adult(symptoms=["back_pain", flag], **labs), pack=pack)
        found = result.pattern("back_pain_red_flags")
        assert found.status == "consistent"
        assert found.label == "alert: back pain with a red-flag symptom"
        assert [a.id for a in result.alerts] == ["back_pain_red_flags"]


@pytest.mark.parametrize(
    "symptoms",
    [["back_pain"], ["fever"], ["back_pain", "fatigue", "tingling_or_numbness"], []],
)
def test_no_alert_without_both(pack: Pack, symptoms: list[str]) -> None:
    result = labinterp.interpret(adult(symptoms=symptoms), pack=pack)
    found = result.pattern("back_pain_red_flags")
    assert found.status == "not_consistent"
    assert found.label == "no alert: back pain with a red-flag symptom"
    assert "back_pain_red_flags" not in [a.id for a in result.alerts]


def test_an_undecided_alert_says_so_and_is_not_among_the_alerts(pack: Pack) -> None:
    result = labinterp.interpret(adult(), pack=pack)
    found = result.pattern("low_hb")
    assert found.status == "indeterminate"
    assert found.label == (
        "alert on hemoglobin below its interval (test) cannot be decided without hemoglobin"
    )
    assert result.alerts == ()


def test_an_alert_in_a_grey_zone_gives_the_reason(pack: Pack) -> None:
    zoned = labinterp.extend_pack(
        pack,
        {
            "name": "zoned_alert",
            "version": "1",
            "patterns": {
                "back_pain_red_flags": {
                    **ALERT_PACK["patterns"]["back_pain_red_flags"],
                    "grey_zones": [
                        {
                            "if": {"context": {"conditions": ["malignancy"]}},
                            "reason": "test zone: a known cancer",
                            "source": "seed_backache_anemia",
                            "confidence": "uncertain",
                        }
                    ],
                }
            },
        },
    )
    result = labinterp.interpret(
        adult(symptoms=["back_pain", "fever"], conditions=["malignancy"]), pack=zoned
    )
    found = result.pattern("back_pain_red_flags")
    assert found.label == (
        "alert on back pain with a red-flag symptom cannot be decided "
        "from these results: test zone: a known cancer"
    )
    assert result.alerts == ()


def test_the_text_report_puts_alerts_first(pack: Pack) -> None:
    result = labinterp.interpret(
        adult(sex="female", pregnant=False, hb="10 g/dL", symptoms=["back_pain", "night_pain"]),
        pack=pack,
    )
    text = labinterp.render_text(result)
    lines = text.splitlines()
    assert lines[2] == "ALERT"
    assert lines[3] == "  [!] alert: back pain with a red-flag symptom"
    assert lines[4] == "      Back pain with a red-flag symptom (test wording)."
    # Both alerts hold (hemoglobin 10 g/dL is below the female interval), in pack order.
    assert lines[5] == "  [!] alert: hemoglobin below its interval (test)"
    # The block ends with what an alert means, before the context and the summary.
    block = " ".join(" ".join(lines[6 : lines.index("Context used")]).split())
    assert "prompt medical assessment is worth considering" in block
    assert "not a diagnosis" in block
    assert lines.index("Context used") < lines.index("Summary")
    brief = labinterp.render_text(result, verbose=False)
    assert brief.splitlines()[2] == "ALERT"


def test_no_alert_block_when_none_holds(pack: Pack) -> None:
    text = labinterp.render_text(labinterp.interpret(adult(symptoms=["back_pain"]), pack=pack))
    assert "ALERT" not in text
    assert "[-] no alert: back pain with a red-flag symptom" in text


def test_alerts_through_the_cli(
    pack: Pack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from labinterp import dump_pack

    pack_file = tmp_path / "alert.yaml"
    pack_file.write_text(dump_pack(pack), encoding="utf-8")
    panel = tmp_path / "panel.json"
    panel.write_text(json.dumps({"age": 50, "symptoms": ["back_pain", "fever"]}), encoding="utf-8")
    assert main(["interpret", str(panel), "--pack", str(pack_file)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2:4] == ["ALERT", "  [!] alert: back pain with a red-flag symptom"]
    assert main(["interpret", str(panel), "--pack", str(pack_file), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    alert = next(p for p in data["patterns"] if p["id"] == "back_pain_red_flags")
    assert (alert["kind"], alert["status"]) == ("alert", "consistent")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(PackError, match=r"patterns\.p\.kind"):
        labinterp.extend_pack(
            labinterp.default_pack(),
            {
                "name": "k",
                "version": "1",
                "patterns": {
                    "p": {"label": "x y", "kind": "warning", "criteria": {"missing": "crp"}}
                },
            },
        )


# --- pregnancy ages -------------------------------------------------------------------------------


def test_an_88_year_old_woman_is_not_undecided_for_want_of_pregnancy() -> None:
    result = labinterp.interpret({"age": 88, "sex": "female", "hb": "11.5 g/dL"})
    found = result.pattern("anemia")
    assert found.status == "consistent"
    assert found.label == "consistent with anemia"
    assert found.missing_context == ()
    assert result.assumptions == (
        "pregnancy was not given; at age 88 years it is taken as not pregnant (this pack "
        "assumes pregnancy possible from 10 to 55 years)",
    )
    flag = result.flag("hemoglobin")
    assert flag is not None
    assert (flag.flag, flag.code) == ("low", "L")


@pytest.mark.parametrize(
    ("age", "expected", "assumed"),
    [
        (55, "indeterminate", False),  # both ends are possible ages
        (55.5, "consistent", True),
        (40, "indeterminate", False),
        (15, "indeterminate", False),
    ],
)
def test_pregnancy_is_asked_about_inside_the_ages(age: float, expected: str, assumed: bool) -> None:
    result = labinterp.interpret({"age": age, "sex": "female", "hb": "11.5 g/dL"})
    found = result.pattern("anemia")
    assert found.status == expected
    if expected == "indeterminate":
        assert "pregnant" in found.missing_context
    assert any("taken as not pregnant" in a for a in result.assumptions) is assumed


def test_given_pregnancy_is_never_overridden_and_men_need_no_assumption() -> None:
    pregnant = labinterp.interpret(
        {"age": 50, "sex": "female", "pregnant": True, "trimester": 2, "hb": "10.7 g/dL"}
    )
    assert pregnant.status("anemia") == "not_consistent"  # the pregnancy cut-off, 105 g/L
    assert not any("taken as not pregnant" in a for a in pregnant.assumptions)
    # Outside the pack's pregnancy ages a given pregnancy is refused, not overridden (review4 #3).
    with pytest.raises(labinterp.PanelError, match="outside the pregnancy ages"):
        labinterp.interpret(
            {"age": 58, "sex": "female", "pregnant": True, "trimester": 2, "hb": "10.7 g/dL"}
        )
    man = labinterp.interpret({"age": 88, "sex": "male", "hb": "12.5 g/dL"})
    assert man.status("anemia") == "consistent"
    assert man.assumptions == ()


def test_unknown_sex_outside_the_ages_is_taken_as_not_pregnant() -> None:
    # The cut-offs still differ by sex, so sex alone is named as missing.
    found = labinterp.interpret({"age": 70, "hb": "12.5 g/dL"}).pattern("anemia")
    assert found.status == "indeterminate"
    assert found.missing_context == ("sex",)


def test_a_pack_states_its_own_pregnancy_ages() -> None:
    wider = labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "wider",
            "version": "1",
            "population": {
                "age_min": 15,
                "description": "adults",
                "pregnancy_ages": {"min": 12, "max": 90},
            },
        },
    )
    result = labinterp.interpret({"age": 88, "sex": "female", "hb": "11.5 g/dL"}, pack=wider)
    assert result.status("anemia") == "indeterminate"
    assert result.assumptions == ()
    young = labinterp.interpret({"age": 11, "sex": "female", "hb": "11.5 g/dL"}, pack=wider)
    assert any("from 12 to 90 years" in a for a in young.assumptions)


def test_the_context_trace_says_the_pregnancy_was_assumed() -> None:
    pack = labinterp.extend_pack(
        labinterp.default_pack(),
        {
            "name": "preg",
            "version": "1",
            "patterns": {
                "p": {
                    "label": "test",
                    "kind": "note",
                    "sources": ["seed_backache_anemia"],
                    "criteria": {"context": {"pregnant": False}},
                }
            },
        },
    )
    found = labinterp.interpret({"age": 70, "sex": "female"}, pack=pack).pattern("p")
    assert found.status == "consistent"
    assert found.criteria.reason == "not pregnant (assumed from age)"


def test_pregnancy_ages_must_be_ordered() -> None:
    with pytest.raises(PackError, match=r"pregnancy_ages.*must be below"):
        labinterp.extend_pack(
            labinterp.default_pack(),
            {
                "name": "bad",
                "version": "1",
                "population": {"description": "x", "pregnancy_ages": {"min": 50, "max": 20}},
            },
        )
