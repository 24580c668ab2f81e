"""Classifications: ordered, mutually exclusive classes with an ``otherwise``, each class a
finding of its own (``<classification>.<class>``), first match wins, three-valued."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_helpers import CLASSIFICATION_PACK, pack

import labinterp
from labinterp import PackError, UnknownPatternError, dump_pack, extend_pack, interpret, load_pack
from labinterp._review import clinical_review_markdown

# A 40-year-old woman known not to be pregnant, CRP normal: the deficiencies are decided.
BASE: dict[str, Any] = {"age": 40, "sex": "female", "pregnant": False, "crp": "2 mg/L"}
IRON = {"hb": "10 g/dL", "ferritin": "12 ug/L", "tsat": "9 %"}
NO_DEFICIENCY = {
    "hb": "10 g/dL",
    "ferritin": "150 ug/L",
    "tsat": "30 %",
    "folate": "15 ng/mL",
    "b12": "500 pg/mL",
}


def classify(**values: Any) -> labinterp.Interpretation:
    return interpret({**BASE, **values}, pack=pack("anemia_type"))


def classification_data(**changes: Any) -> dict[str, Any]:
    """The example's anemia_type classification as data, top-level keys replaced."""
    text = CLASSIFICATION_PACK.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)["classifications"]["anemia_type"]
    data.update(changes)
    return data


def extended(classification: dict[str, Any] | None = None, **changes: Any) -> labinterp.Pack:
    return extend_pack(
        labinterp.default_pack(),
        {
            "name": "classified",
            "version": "1",
            "classifications": {"anemia_type": classification or classification_data()},
            **changes,
        },
    )


# --- choosing a class -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "chosen"),
    [
        ({"hb": "13.5 g/dL"}, "no_anemia"),
        (IRON, "iron_deficiency_anemia"),
        ({**NO_DEFICIENCY, "b12": "100 pg/mL"}, "b12_deficiency_anemia"),
        ({**NO_DEFICIENCY, "folate": "2 ng/mL"}, "folate_deficiency_anemia"),
        (NO_DEFICIENCY, "another_cause"),  # otherwise: every class's criteria fail
    ],
)
def test_the_first_class_whose_criteria_hold_is_chosen(values: dict[str, str], chosen: str) -> None:
    result = classify(**values)
    assert result.classification("anemia_type") == chosen
    found = result.classifications[0]
    assert found.chosen == chosen
    assert found.possible == (chosen,)
    statuses = {k: result.status(f"anemia_type.{k}") for k in found.classes}
    assert [k for k, s in statuses.items() if s == "consistent"] == [chosen]
    assert all(s == "not_consistent" for k, s in statuses.items() if k != chosen)


def test_first_match_wins_over_a_later_class_whose_criteria_also_hold() -> None:
    result = classify(**IRON, folate="2 ng/mL")
    assert result.status("folate_deficiency") == "consistent"
    assert result.classification("anemia_type") == "iron_deficiency_anemia"
    later = result.pattern("anemia_type.folate_deficiency_anemia")
    assert later.status == "not_consistent"
    # The trace shows why: an earlier class holds, although its own criteria hold too.
    earlier, own = later.criteria.children[0], later.criteria.children[-1]
    assert earlier.rule == "not(class no_anemia)"
    assert later.criteria.children[1].rule == "not(class iron_deficiency_anemia)"
    assert later.criteria.children[1].outcome is labinterp.Outcome.FAILED
    assert own.outcome is labinterp.Outcome.HELD


def test_undecided_classes_are_given_as_a_tuple_with_what_would_decide() -> None:
    result = classify(ferritin="12 ug/L", tsat="9 %")  # iron deficiency, but no hemoglobin
    assert result.classification("anemia_type") == ("no_anemia", "iron_deficiency_anemia")
    found = result.classifications[0]
    assert found.chosen is None
    assert found.missing_analytes == ("hemoglobin",)
    assert found.label == (
        "anemia type: cannot be decided between no anemia and iron deficiency anemia "
        "without hemoglobin"
    )
    assert result.status("anemia_type.no_anemia") == "indeterminate"
    assert result.status("anemia_type.folate_deficiency_anemia") == "not_consistent"


def test_every_class_is_possible_outside_the_population() -> None:
    result = interpret({"age": 0.25, **IRON}, pack=pack("anemia_type"))
    found = result.classifications[0]
    assert found.possible == found.classes
    assert "age 0.25 years is outside this pack's population" in found.label


def test_a_class_is_a_finding_other_patterns_may_refer_to() -> None:
    p = extended(
        patterns={
            "ida_teaching_note": {
                "label": "iron deficiency anemia teaching note",
                "kind": "note",
                "sources": ["who_2024_hemoglobin"],
                "criteria": {"pattern": "anemia_type.iron_deficiency_anemia"},
            }
        }
    )
    order = list(interpret({**BASE, **IRON}, pack=p).statuses())
    # Evaluated after the class it refers to.
    assert order.index("anemia_type.iron_deficiency_anemia") < order.index("ida_teaching_note")
    assert interpret({**BASE, **IRON}, pack=p).status("ida_teaching_note") == "consistent"
    assert interpret({**BASE, "hb": "13.5 g/dL"}, pack=p).status("ida_teaching_note") == (
        "not_consistent"
    )


def test_an_unknown_classification_is_refused_with_a_suggestion() -> None:
    result = classify(**IRON)
    with pytest.raises(UnknownPatternError) as info:
        result.classification("anemia_typ")
    assert info.value.suggestion == "anemia_type"
    with pytest.raises(UnknownPatternError, match="no classifications"):
        interpret(BASE).classification("anemia_type")
    with pytest.raises(UnknownPatternError, match="is text"):
        result.classification(3)  # type: ignore[arg-type]


# --- how it is shown ------------------------------------------------------------------------


def test_the_text_report_shows_a_classification_as_one_line() -> None:
    text = labinterp.render_text(classify(**IRON), verbose=False)
    lines = text.splitlines()
    assert "  [+] anemia type: consistent with iron deficiency anemia" in lines
    # The classes are summarised by that line, not listed among the patterns.
    assert not any("consistent with no anemia" in line for line in lines)
    # A classification leads the summary.
    assert lines.index("Summary") + 1 == lines.index(
        "  [+] anemia type: consistent with iron deficiency anemia"
    )


def test_the_text_report_shows_an_undecided_classification_with_its_classes() -> None:
    text = labinterp.render_text(classify(ferritin="12 ug/L", tsat="9 %"))
    assert (
        "  [?] anemia type: cannot be decided\n"
        "      why: between no anemia and iron deficiency anemia without hemoglobin\n"
        "      what to test next:\n"
        "        - hemoglobin (source: "
    ) in text


def test_json_carries_the_classification_and_each_class() -> None:
    data = json.loads(classify(**IRON).to_json())
    assert data["classifications"][0]["chosen"] == "iron_deficiency_anemia"
    assert data["classifications"][0]["classes"][-1] == "another_cause"
    ids = [p["id"] for p in data["patterns"] if p["classification"] == "anemia_type"]
    assert ids == [
        "anemia_type.no_anemia",
        "anemia_type.iron_deficiency_anemia",
        "anemia_type.folate_deficiency_anemia",
        "anemia_type.b12_deficiency_anemia",
        "anemia_type.another_cause",
    ]
    assert json.loads(interpret(BASE).to_json())["classifications"] == []


def test_the_review_sheet_lists_each_class_with_what_decides_it() -> None:
    # The bundled packs have no classification; the sheet shows one when a pack does.
    sheet = clinical_review_markdown([str(CLASSIFICATION_PACK)])
    assert "### Classifications" in sheet
    assert (
        "| `anemia_type.iron_deficiency_anemia` | iron deficiency anemia | "
        "`all(not(class no_anemia), pattern iron_deficiency)` |"
    ) in sheet


def test_a_pack_with_a_classification_dumps_and_loads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "dumped.yaml"
    path.write_text(dump_pack(pack("anemia_type")), encoding="utf-8")
    assert load_pack(path) == pack("anemia_type")


# --- refused at load --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"classes": []}, "classifications.anemia_type.classes", "at least 1 item"),
        ({"otherwise": "other"}, "classifications.anemia_type.otherwise", "valid dictionary"),
        (
            {"otherwise": {"id": "no_anemia", "label": "other"}},
            "classifications.anemia_type.otherwise.id",
            "class id 'no_anemia' is already used by classes[0]",
        ),
        (
            {"otherwise": {"id": "other.anemia", "label": "other"}},
            "classifications.anemia_type.otherwise.id",
            "should match pattern",
        ),
        (
            {"otherwise": {"id": "other", "label": "other", "criteria": {"pattern": "anemia"}}},
            "classifications.anemia_type.otherwise.criteria",
            "Extra inputs are not permitted",
        ),
    ],
)
def test_malformed_classifications_are_refused_where_written(
    changes: dict[str, Any], field: str, words: str
) -> None:
    data = classification_data(**changes)
    with pytest.raises(PackError) as info:
        extended(data)
    assert info.value.field == field
    assert words in str(info.value)


def test_a_missing_otherwise_is_refused() -> None:
    data = classification_data()
    del data["otherwise"]
    with pytest.raises(PackError) as info:
        extended(data)
    assert info.value.field == "classifications.anemia_type.otherwise"
    assert "Field required" in str(info.value)


def test_a_class_finding_that_has_a_pattern_id_is_refused() -> None:
    with pytest.raises(PackError) as info:
        extended(
            patterns={
                "anemia_type.no_anemia": {"label": "clash", "criteria": {"pattern": "anemia"}}
            }
        )
    assert info.value.field == "classifications.anemia_type.classes[0].id"
    assert "'anemia_type.no_anemia' has the id of a pattern" in str(info.value)


def test_a_classification_with_a_pattern_id_is_refused() -> None:
    with pytest.raises(PackError) as info:
        extend_pack(
            labinterp.default_pack(),
            {"name": "x", "version": "1", "classifications": {"anemia": classification_data()}},
        )
    assert info.value.field == "classifications.anemia"
    assert "'anemia' is also a pattern id" in str(info.value)


def test_a_classification_id_with_a_dot_is_refused() -> None:
    with pytest.raises(PackError) as info:
        extend_pack(
            labinterp.default_pack(),
            {
                "name": "x",
                "version": "1",
                "classifications": {"anemia.type": classification_data()},
            },
        )
    assert info.value.field == "classifications.anemia.type"
    assert "the id 'anemia.type': String should match pattern" in str(info.value)


def test_an_unknown_pattern_in_a_class_is_refused_with_a_suggestion() -> None:
    data = classification_data()
    data["classes"][1]["criteria"] = {"pattern": "iron_deficency"}
    with pytest.raises(PackError) as info:
        extended(data)
    assert info.value.field == "classifications.anemia_type.classes[1].criteria.pattern"
    assert "did you mean 'iron_deficiency'?" in str(info.value)


def test_a_reference_to_a_class_that_does_not_exist_is_refused() -> None:
    with pytest.raises(PackError) as info:
        extended(
            patterns={
                "x": {"label": "x pattern", "criteria": {"pattern": "anemia_type.iron_anemia"}}
            }
        )
    assert "unknown pattern 'anemia_type.iron_anemia'" in str(info.value)


def test_a_class_that_refers_to_a_later_class_of_its_own_classification_is_a_cycle() -> None:
    data = classification_data()
    data["classes"][0]["criteria"] = {"pattern": "anemia_type.b12_deficiency_anemia"}
    with pytest.raises(PackError) as info:
        extended(data)
    assert "patterns refer to each other in a cycle" in str(info.value)


def test_a_classification_cites_known_sources() -> None:
    with pytest.raises(PackError) as info:
        extended(classification_data(sources=["who_2042"]))
    assert info.value.field == "classifications.anemia_type.sources[0]"
