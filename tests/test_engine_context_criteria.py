"""Reported context in packs: ``when`` lists on cut-offs, the ``context`` and ``missing``
criteria, and their traces ("not reported", never "absent")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _engine_helpers import adult, walk

import labinterp
from labinterp import Outcome, Pack, PackError, When

# Invented cut-offs for the tests; not clinical claims.
CHANGES: dict[str, Any] = {
    "name": "context_test",
    "version": "1",
    "thresholds": {
        "ferritin_low_by_condition": {
            "analyte": "ferritin",
            "source": "kdigo_2012_anemia_ckd",
            "confidence": "uncertain",
            "note": "Test cut-offs: 100 ug/L with kidney disease or heart failure, else 30.",
            "cutoffs": [
                {
                    "when": {"conditions": ["chronic_kidney_disease", "heart_failure"]},
                    "comparator": "<",
                    "value": 100,
                    "unit": "ug/L",
                },
                {
                    "when": {"unless": {"conditions": ["chronic_kidney_disease", "heart_failure"]}},
                    "comparator": "<",
                    "value": 30,
                    "unit": "ug/L",
                },
            ],
        },
    },
    "patterns": {
        "low_ferritin_in_context": {
            "label": "low ferritin (test)",
            "criteria": {
                "any": [
                    {
                        "all": [
                            {"context": {"conditions": ["chronic_kidney_disease"]}},
                            {"threshold": "ferritin_low_by_condition"},
                        ]
                    },
                    {"threshold": "ferritin_iron_deficiency"},
                ]
            },
        },
        "b12_risk_diet": {
            "label": "a diet low in B12 (test)",
            "kind": "note",
            "sources": ["seed_backache_anemia"],
            "criteria": {"context": {"diet": "vegan"}},
        },
        "older_on_metformin": {
            "label": "older person on metformin (test)",
            "kind": "note",
            "sources": ["seed_backache_anemia"],
            "criteria": {"context": {"age_min": 65, "medications": ["metformin"]}},
        },
        "woman_in_late_pregnancy": {
            "label": "late pregnancy (test)",
            "kind": "note",
            "sources": ["seed_backache_anemia"],
            "criteria": {"context": {"pregnant": True, "trimester": [2, 3]}},
        },
        "inflamed": {
            "label": "inflammation (test)",
            "kind": "note",
            "sources": ["seed_backache_anemia"],
            "criteria": {"context": {"inflammation": True}},
        },
        "no_crp": {
            "label": "CRP not measured (test)",
            "kind": "note",
            "sources": ["seed_backache_anemia"],
            "criteria": {"missing": "crp"},
        },
    },
}


@pytest.fixture(scope="module")
def pack() -> Pack:
    return labinterp.extend_pack(labinterp.default_pack(), CHANGES)


def _run(pack: Pack, **values: Any) -> labinterp.Interpretation:
    return labinterp.interpret(adult(**values), pack=pack)


# --- when lists on cut-offs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (["heart_failure"], "consistent"),  # any listed id selects the cut-off
        (["chronic_kidney_disease", "malignancy"], "consistent"),
        (["malignancy"], "not_consistent"),
        ([], "not_consistent"),  # nothing reported: the context cut-off does not apply
    ],
)
def test_a_cutoff_for_reported_conditions(pack: Pack, conditions: list[str], expected: str) -> None:
    changes = {
        "name": "by_condition",
        "version": "1",
        "patterns": {
            "iron_deficiency": {
                "label": "low ferritin by condition (test)",
                "criteria": {"threshold": "ferritin_low_by_condition"},
            }
        },
    }
    derived = labinterp.extend_pack(pack, changes)
    result = labinterp.interpret(adult(ferritin="60 ug/L", conditions=conditions), pack=derived)
    found = result.pattern("iron_deficiency")
    assert found.status == expected
    # Two-valued: an unreported condition never makes the result wait for more context.
    assert found.missing_context == ()
    # Exactly one of the two cut-offs applies, and the trace names it.
    leaf = found.criteria
    assert [cut.applies_to for cut in leaf.cutoffs] == [
        "conditions: chronic_kidney_disease or heart_failure"
        if expected == "consistent"
        else "unless conditions: chronic_kidney_disease or heart_failure reported"
    ]


# --- the context criterion --------------------------------------------------------------------


def test_context_holds_only_when_reported(pack: Pack) -> None:
    with_ckd = _run(pack, ferritin="60 ug/L", conditions=["chronic_kidney_disease"])
    assert with_ckd.status("low_ferritin_in_context") == "consistent"
    without = _run(pack, ferritin="60 ug/L").pattern("low_ferritin_in_context")
    assert without.status == "not_consistent"
    context_leaf = next(n for n in walk(without.criteria) if n.kind == "context")
    assert context_leaf.rule == "context(conditions: chronic_kidney_disease)"
    assert context_leaf.outcome is Outcome.FAILED
    assert context_leaf.reason == "conditions: chronic_kidney_disease not reported"
    assert context_leaf.missing_context == ()


def test_context_trace_names_what_was_reported(pack: Pack) -> None:
    found = _run(pack, conditions=["heart_failure", "chronic_kidney_disease"], ferritin="60 ug/L")
    leaf = next(
        n for n in walk(found.pattern("low_ferritin_in_context").criteria) if n.kind == "context"
    )
    assert leaf.outcome is Outcome.HELD
    assert leaf.reason == "conditions reported: chronic_kidney_disease"


@pytest.mark.parametrize(
    ("diet", "expected"),
    [("vegan", "consistent"), ("vegetarian", "not_consistent"), (None, "not_consistent")],
)
def test_context_on_diet(pack: Pack, diet: str | None, expected: str) -> None:
    values: dict[str, Any] = {} if diet is None else {"diet": diet}
    found = _run(pack, **values).pattern("b12_risk_diet")
    assert found.status == expected
    assert found.criteria.rule == "context(diet: vegan)"
    assert found.criteria.reason == (
        "diet reported: vegan" if diet == "vegan" else "diet: vegan not reported"
    )


@pytest.mark.parametrize(
    ("age", "medications", "expected", "missing"),
    [
        (70, ["metformin"], "consistent", ()),
        (40, ["metformin"], "not_consistent", ()),
        (None, ["metformin"], "indeterminate", ("age",)),
        # Not reported decides "no" even when age is unknown: false and anything is false.
        (None, [], "not_consistent", ()),
    ],
)
def test_context_mixes_three_valued_and_two_valued_fields(
    pack: Pack,
    age: float | None,
    medications: list[str],
    expected: str,
    missing: tuple[str, ...],
) -> None:
    panel: dict[str, Any] = {"medications": medications}
    if age is not None:
        panel["age"] = age
    found = labinterp.interpret(panel, pack=pack).pattern("older_on_metformin")
    assert found.status == expected
    assert found.missing_context == missing
    assert found.criteria.rule == "context(age >= 65 y, medications: metformin)"
    if expected == "indeterminate":
        assert (
            found.label
            == "note on older person on metformin (test) cannot be decided without the age"
        )
        assert "age not given" in (found.criteria.reason or "")


@pytest.mark.parametrize(
    ("context", "expected", "missing"),
    [
        ({"sex": "female", "pregnant": True, "trimester": 3}, "consistent", ()),
        ({"sex": "female", "pregnant": True, "trimester": 1}, "not_consistent", ()),
        ({"sex": "female", "pregnant": True}, "indeterminate", ("trimester",)),
        ({"sex": "female"}, "indeterminate", ("pregnant", "trimester")),
        ({"sex": "male"}, "not_consistent", ()),
    ],
)
def test_context_on_pregnancy_names_the_missing_context(
    pack: Pack, context: dict[str, Any], expected: str, missing: tuple[str, ...]
) -> None:
    found = _run(pack, **context).pattern("woman_in_late_pregnancy")
    assert found.status == expected
    assert found.missing_context == missing
    assert found.criteria.rule == "context(pregnant: true, trimester: 2 or 3)"


@pytest.mark.parametrize(
    ("crp", "expected"),
    [("40 mg/L", "consistent"), ("2 mg/L", "not_consistent"), (None, "indeterminate")],
)
def test_context_on_inflammation_waits_for_the_inflammation_pattern(
    pack: Pack, crp: str | None, expected: str
) -> None:
    values = {} if crp is None else {"crp": crp}
    found = _run(pack, **values).pattern("inflamed")
    assert found.status == expected
    if crp is None:
        # What would decide inflammation is a result, so the result is named.
        assert found.missing_analytes == ("crp",)
        assert found.decisive_tests == ("C-reactive protein",)


def test_missing_holds_when_not_measured_and_is_always_decided(pack: Pack) -> None:
    absent = _run(pack).pattern("no_crp")
    assert absent.status == "consistent"
    assert absent.criteria.kind == "missing"
    assert absent.criteria.rule == "missing(crp)"
    assert absent.criteria.reason == "C-reactive protein was not measured"
    present = _run(pack, crp="<1 mg/L").pattern("no_crp")
    assert present.status == "not_consistent"
    assert present.criteria.observed is not None
    assert present.criteria.observed.as_given == "<1 mg/L"


def test_reprs_read_as_the_rule(pack: Pack) -> None:
    from labinterp._rules import compile_pack

    rules = compile_pack(pack).pattern_rules
    assert repr(rules["b12_risk_diet"].criteria) == "context(diet: vegan)"
    assert repr(rules["no_crp"].criteria) == "missing(crp)"
    assert repr(rules["inflamed"].criteria) == "context(inflammation: true)"


def test_the_text_report_shows_the_context_used(pack: Pack) -> None:
    text = labinterp.render_text(_run(pack, diet="vegetarian"), width=200)
    assert "[-] context: diet: vegan: does not hold" in text
    assert "here: diet: vegan not reported" in text
    assert "[+] C-reactive protein not measured: holds" in text


# --- pack checks --------------------------------------------------------------------------------


def _pack_with(tmp_path: Path, pattern: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(
        "schema_version: 1\nname: p\nversion: '1'\nextends: default\ntitle: t\n"
        f"patterns:\n  p:\n    label: test\n    criteria: {pattern}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("criteria", "words"),
    [
        ("{context: {conditions: [kidney_disease]}}", r"patterns\.p\.criteria"),
        ("{context: {symptoms: []}}", "at least 1 item"),
        ("{context: {diet: [carnivore]}}", "vegan"),
        ("{missing: ferritn}", r"unknown analyte 'ferritn'; did you mean 'ferritin'"),
        ("{context: {colour: red}}", r"patterns\.p\.criteria"),
    ],
)
def test_bad_context_criteria_are_refused_at_load(
    tmp_path: Path, criteria: str, words: str
) -> None:
    with pytest.raises(PackError, match=words):
        labinterp.load_pack(_pack_with(tmp_path, criteria))


def test_context_on_inflammation_needs_an_inflammation_pattern(tmp_path: Path) -> None:
    path = _pack_with(tmp_path, "{context: {inflammation: true}}")
    path.write_text(
        path.read_text(encoding="utf-8") + "inflammation_pattern: null\n", encoding="utf-8"
    )
    with pytest.raises(PackError, match=r"patterns\.p\.criteria\.context\.inflammation"):
        labinterp.load_pack(path)


def test_when_reads_one_diet_or_a_list_and_describes_reported_context() -> None:
    assert When.model_validate({"diet": "vegan"}) == When(diet=["vegan"])
    when = When(symptoms=["fever", "night_pain"], conditions=["malignancy"], sex="female")
    assert when.describe() == "female, conditions: malignancy, symptoms: fever or night_pain"
    unless = When.model_validate({"unless": {"diet": "vegan", "medications": ["metformin"]}})
    assert unless.describe() == "unless medications: metformin or diet: vegan reported"


def test_an_empty_unless_is_refused() -> None:
    with pytest.raises(PackError, match="name at least one of"):
        labinterp.extend_pack(
            labinterp.default_pack(),
            {
                "name": "x",
                "version": "1",
                "thresholds": {
                    "t": {
                        "analyte": "ferritin",
                        "source": "who_2020_ferritin",
                        "confidence": "verified",
                        "cutoffs": [
                            {"when": {"unless": {}}, "comparator": "<", "value": 1, "unit": "ug/L"}
                        ],
                    }
                },
            },
        )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"conditions": ["heart_failure"]}, "not_consistent"),
        ({"medications": ["metformin"]}, "not_consistent"),
        ({"conditions": ["malignancy"], "medications": ["methotrexate"]}, "consistent"),
        ({}, "consistent"),
    ],
)
def test_unless_excludes_when_any_listed_id_is_reported(
    pack: Pack, values: dict[str, Any], expected: str
) -> None:
    derived = labinterp.extend_pack(
        pack,
        {
            "name": "unless_test",
            "version": "1",
            "patterns": {
                "p": {
                    "label": "test",
                    "kind": "note",
                    "sources": ["seed_backache_anemia"],
                    "criteria": {
                        "context": {
                            "unless": {
                                "conditions": ["heart_failure"],
                                "medications": ["metformin"],
                            }
                        }
                    },
                }
            },
        },
    )
    found = labinterp.interpret(adult(**values), pack=derived).pattern("p")
    assert found.status == expected
    assert found.criteria.rule == (
        "context(unless conditions: heart_failure, unless medications: metformin)"
    )
