"""Reported context on a panel: conditions, medications, symptoms and diet (closed vocabularies)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import labinterp
from labinterp import CONTEXT_VOCABULARIES, LabinterpError, Panel, PanelError
from labinterp._cli import main
from labinterp._context import literal_ids

Build = Callable[[Mapping[str, Any]], Panel]


def _from_mapping(data: Mapping[str, Any]) -> Panel:
    return Panel.from_mapping(data)


def _from_kwargs(data: Mapping[str, Any]) -> Panel:
    return Panel(**data)


def _from_json(data: Mapping[str, Any]) -> Panel:
    return Panel.from_json(json.dumps(data))


BUILDERS = pytest.mark.parametrize(
    "build", [_from_mapping, _from_kwargs, _from_json], ids=["from_mapping", "kwargs", "json"]
)

ISSUE_VOCABULARIES = {
    "conditions": {
        "chronic_kidney_disease",
        "heart_failure",
        "inflammatory_bowel_disease",
        "celiac_disease",
        "malignancy",
        "cancer_treatment",
        "pernicious_anemia",
        "gastric_surgery",
        "hypothyroidism",
        "liver_disease",
    },
    "medications": {
        "metformin",
        "proton_pump_inhibitor",
        "h2_blocker",
        "nitrous_oxide",
        "methotrexate",
        "anticonvulsant",
    },
    "diet": {"vegan", "vegetarian", "omnivore"},
    "symptoms": {
        "back_pain",
        "tingling_or_numbness",
        "muscle_cramps",
        "fatigue",
        "weakness",
        "balance_problems",
        "memory_problems",
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
    },
}


@pytest.mark.parametrize("field", sorted(ISSUE_VOCABULARIES))
def test_each_vocabulary_is_the_issues_list_and_every_id_is_described(field: str) -> None:
    vocabulary = CONTEXT_VOCABULARIES[field]
    assert set(vocabulary) == ISSUE_VOCABULARIES[field]
    # The Literal type that validates panels and packs is the same list as the descriptions.
    assert list(literal_ids(field)) == list(vocabulary)
    for ident, description in vocabulary.items():
        assert len(description) >= 5, ident


@BUILDERS
def test_reported_lists_are_sorted_without_repeats(build: Build) -> None:
    panel = build(
        {
            "conditions": ["heart_failure", "chronic_kidney_disease", "heart_failure"],
            "medications": ["metformin"],
            "symptoms": ["fever", "back_pain", "fever"],
            "diet": "vegan",
        }
    )
    assert panel.conditions == ("chronic_kidney_disease", "heart_failure")
    assert panel.medications == ("metformin",)
    assert panel.symptoms == ("back_pain", "fever")
    assert panel.diet == "vegan"


@BUILDERS
def test_nothing_reported_is_empty(build: Build) -> None:
    panel = build({"ferritin": "12 ug/L", "conditions": None})
    assert (panel.conditions, panel.medications, panel.symptoms, panel.diet) == ((), (), (), None)


def test_sets_and_tuples_are_accepted_from_python() -> None:
    panel = Panel.from_mapping({"symptoms": {"fever", "back_pain"}, "conditions": ("malignancy",)})
    assert panel.symptoms == ("back_pain", "fever")
    assert panel.conditions == ("malignancy",)


@BUILDERS
@pytest.mark.parametrize(
    ("field", "value", "suggestion"),
    [
        ("conditions", ["chronic_kidney_diseas"], "chronic_kidney_disease"),
        ("conditions", ["heart failure"], "heart_failure"),
        ("medications", ["metformine"], "metformin"),
        ("symptoms", ["backpain"], "back_pain"),
        ("diet", "vegetarien", "vegetarian"),
    ],
)
def test_unknown_ids_are_refused_with_a_suggestion(
    build: Build, field: str, value: object, suggestion: str
) -> None:
    with pytest.raises(PanelError) as info:
        build({field: value})
    exc = info.value
    assert exc.field == field
    assert exc.suggestion == suggestion
    assert f"did you mean {suggestion!r}" in str(exc)
    assert str(exc).startswith(f"{field}: unknown id")


def test_an_id_with_nothing_close_lists_the_known_ids() -> None:
    with pytest.raises(PanelError, match="known ids: back_pain, tingling_or_numbness") as info:
        Panel.from_mapping({"symptoms": ["zzzz"]})
    assert info.value.suggestion is None


@BUILDERS
@pytest.mark.parametrize("field", ["conditions", "medications", "symptoms"])
def test_a_string_instead_of_a_list_is_refused_with_a_hint(build: Build, field: str) -> None:
    ident = next(iter(CONTEXT_VOCABULARIES[field]))
    with pytest.raises(PanelError) as info:
        build({field: ident})
    exc = info.value
    assert exc.field == field
    assert "expected a list of ids" in str(exc)
    assert f"['{ident}']" in str(exc)  # the fix, written out


@BUILDERS
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("conditions", 5, "expected a list of ids"),
        ("symptoms", [1], "is not an id"),
        ("symptoms", [["fever"]], "is not an id"),
        ("diet", ["vegan"], "give one id, not a list"),
        ("diet", 3, "expected one id"),
    ],
)
def test_wrong_shapes_are_refused(build: Build, field: str, value: object, words: str) -> None:
    with pytest.raises(PanelError, match=words) as info:
        build({field: value})
    assert info.value.field == field


def test_a_huge_unknown_id_is_not_echoed_whole() -> None:
    with pytest.raises(PanelError) as info:
        Panel.from_mapping({"conditions": ["x" * 1_000_000]})
    assert len(str(info.value)) < 2_000


def test_a_misspelt_context_key_suggests_the_field() -> None:
    with pytest.raises(labinterp.UnknownAnalyteError) as info:
        Panel.from_mapping({"symptom": ["fever"]})
    assert info.value.suggestion == "symptoms"


def test_reported_context_round_trips_through_json() -> None:
    panel = Panel.from_mapping(
        {"ferritin": "12 ug/L", "conditions": ["malignancy"], "diet": "vegetarian"}
    )
    assert Panel.model_validate_json(panel.model_dump_json()) == panel
    assert Panel.model_validate(panel.model_dump()) == panel
    dumped = json.loads(panel.model_dump_json())
    assert dumped["conditions"] == ["malignancy"]
    assert dumped["symptoms"] == []


def test_model_copy_checks_reported_context_again() -> None:
    panel = Panel.from_mapping({"ferritin": "12 ug/L"})
    assert panel.model_copy(update={"symptoms": ["fever"]}).symptoms == ("fever",)
    with pytest.raises(PanelError):
        panel.model_copy(update={"symptoms": ["fevre"]})


_REPORTED_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "conditions": st.one_of(
            st.none(),
            st.lists(st.sampled_from([*CONTEXT_VOCABULARIES["conditions"], "nope"]), max_size=3),
            st.just("heart_failure"),
        ),
        "symptoms": st.one_of(
            st.lists(st.sampled_from(sorted(CONTEXT_VOCABULARIES["symptoms"])), max_size=4),
            st.just([1]),
        ),
        "diet": st.sampled_from([None, "vegan", "omnivore", "carnivore", ["vegan"]]),
    },
)


@given(_REPORTED_VALUES)
def test_reported_fast_path_agrees_with_pydantic(context: dict[str, Any]) -> None:
    try:
        expected: Panel | str = Panel(ferritin="12 ug/L", **context)
    except LabinterpError as exc:
        expected = f"{type(exc).__name__}: {exc}"
    try:
        got: Panel | str = Panel.from_mapping({"ferritin": "12 ug/L", **context})
    except LabinterpError as exc:
        got = f"{type(exc).__name__}: {exc}"
    assert got == expected


def test_the_cli_reads_reported_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "panel.json"
    path.write_text(
        json.dumps({"hb": "11 g/dL", "symptoms": ["fever"], "conditions": ["malignancy"]}),
        encoding="utf-8",
    )
    assert main(["normalize", str(path)]) == 0
    out = capsys.readouterr().out
    assert "conditions=malignancy" in out
    assert "symptoms=fever" in out
    assert main(["interpret", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["panel"]["symptoms"] == ["fever"]


def test_the_cli_refuses_an_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "panel.json"
    path.write_text(json.dumps({"symptoms": ["feverr"]}), encoding="utf-8")
    assert main(["interpret", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "symptoms: unknown id 'feverr'; did you mean 'fever'?" in captured.err


def test_the_getting_started_page_lists_every_id() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "getting-started.md").read_text(
        encoding="utf-8"
    )
    missing = [
        ident
        for vocabulary in CONTEXT_VOCABULARIES.values()
        for ident in vocabulary
        if f"`{ident}`" not in page
    ]
    assert missing == []
